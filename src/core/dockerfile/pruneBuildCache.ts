// `builder prune`: removes build-cache entries (buildCache.ts) and then the blobs nothing else
// keeps. Without `all`, only dangling entries go: those whose result has a layer no image in the
// store holds (a stage that was never tagged, an image removed or rebuilt since), or a layer that
// is gone; an entry whose layers all belong to images costs a few hundred bytes and stays. `until`
// spares entries remembered after that time, as Docker's `--filter until=24h` does.
//
// Runs under the store lock. Blobs go through the store's garbage collection, which keeps what a
// running build has leased: a build that looks an entry up while this runs either finds its
// layers (leased first) or misses and builds the step again. What goes is chosen first, where a
// cancel may stop it; then the entries are removed, with nothing to stop them between the first
// and the last, so a cancelled prune has removed nothing and a finished one reports all it removed.

import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { throwIfAborted } from '../errors';
import { collectGarbage, markReachable } from '../store/garbageCollect';
import type { ImageStore } from '../store/imageStore';
import { buildCacheDir, type CacheEntry } from './buildCache';

export interface BuildCachePruneOptions {
  /** Every entry, not only dangling ones (-a). */
  all?: boolean;
  /** Spare entries remembered at or after this time (ms since the epoch): `--filter until=`. */
  until?: number;
  signal?: AbortSignal;
}

export interface BuildCachePruneResult {
  /** The keys of the entries removed. */
  deleted: string[];
  /** Bytes of the entries and of the blobs removed with them. */
  reclaimedBytes: number;
}

const ENTRY = /^([a-f0-9]{64})\.json$/;

export async function pruneBuildCache(store: ImageStore, options: BuildCachePruneOptions = {}): Promise<BuildCachePruneResult> {
  const dir = buildCacheDir(store.layout);
  return store.update(async (tx) => {
    const { reachable, unreadable } = await markReachable(store.blobs, tx.index);
    const result: BuildCachePruneResult = { deleted: [], reclaimedBytes: 0 };
    const chosen: { key: string; path: string; size: number }[] = [];
    const names = (await readdir(dir).catch(() => [] as string[])).sort();
    for (const name of names) {
      throwIfAborted(options.signal);
      const key = ENTRY.exec(name)?.[1];
      if (!key) continue;
      const path = join(dir, name);
      const info = await stat(path).catch(() => null);
      if (!info) continue;
      if (options.until !== undefined && info.mtimeMs >= options.until) continue;
      if (!options.all) {
        // With a manifest unreadable, which layers images hold is unknown: only -a prunes then.
        if (unreadable.length) continue;
        if (!isDangling(await readFile(path, 'utf8').catch(() => ''), reachable)) continue;
      }
      chosen.push({ key, path, size: info.size });
    }
    throwIfAborted(options.signal);
    for (const { key, path, size } of chosen) {
      await rm(path, { force: true });
      result.deleted.push(key);
      result.reclaimedBytes += size;
    }
    if (result.deleted.length) {
      tx.afterCommit(async () => {
        result.reclaimedBytes += (await collectGarbage(store.blobs, store.leases, tx, store.layout)).reclaimedBytes;
      });
    }
    return result;
  }, options.signal ? { signal: options.signal } : {});
}

/** An entry is dangling when a layer of its result is held by no image (or it cannot be read). */
function isDangling(text: string, reachable: ReadonlySet<string>): boolean {
  try {
    const entry = JSON.parse(text) as Partial<CacheEntry>;
    const layers = entry.state?.layers;
    if (!Array.isArray(layers)) return true;
    return layers.some((l) => !reachable.has(l.digest));
  } catch {
    return true;
  }
}
