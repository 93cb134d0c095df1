// `image prune`: deletes dangling images (or, with `all`, every image) that no container uses, and
// the blobs nothing else uses.

import { imagesInUse } from '../runtime/containerRecord';
import { collectGarbage } from './garbageCollect';
import type { ImageRecord, ImageStore } from './imageStore';

export interface PruneOptions {
  all?: boolean;
  /** Extra predicate, for `--filter label=…` / `until=…`. */
  keep?: (record: ImageRecord) => boolean;
  signal?: AbortSignal;
}

export interface PruneResult {
  deletedImages: string[];
  untagged: string[];
  reclaimedBytes: number;
}

export async function pruneImages(store: ImageStore, options: PruneOptions = {}): Promise<PruneResult> {
  return store.update(async (tx) => {
    const records = await store.recordsOf(tx.index, tx.meta);
    const inUse = await imagesInUse(store.layout);
    const victims = records.filter((r) => (options.all || r.refs.length === 0) && !inUse.has(r.id) && !(options.keep?.(r) ?? false));
    const gone = new Set(victims.map((r) => r.manifestDigest));
    tx.index.manifests = tx.index.manifests.filter((m) => !gone.has(m.digest));
    const untagged = victims.flatMap((r) => r.refs);
    const deletedImages = [...new Set(victims.map((r) => r.id))];
    const result: PruneResult = { deletedImages, untagged, reclaimedBytes: 0 };
    if (victims.length) {
      tx.afterCommit(async () => {
        result.reclaimedBytes = (await collectGarbage(store.blobs, store.leases, tx, store.layout)).reclaimedBytes;
      });
    }
    return result;
  }, options);
}
