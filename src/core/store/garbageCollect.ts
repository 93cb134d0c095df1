// Removes blobs that no image in index.json references and no live operation has leased, then the
// layer snapshots no image or container uses (runtime/snapshotGc.ts). Runs
// under the store lock after the transaction's index is committed (tx.afterCommit), so no other
// writer can add a reference while it decides, and a crash part-way leaves only unused blobs.

import { randomHex } from '../randomHex';
import { rename } from 'node:fs/promises';
import { join } from 'node:path';
import { isIndexMediaType } from '../image/mediaTypes';
import { decodeJsonObject } from '../image/imageDocuments';
import { storedDocument } from '../image/summary';
import type { Descriptor, ImageIndex, ImageManifest } from '../image/types';
import { collectSnapshots } from '../runtime/snapshotGc';
import type { BlobStore } from './blobStore';
import type { ContentStore } from './contentStore';
import { removeDerivedFiles } from './derivedFiles';
import type { StoreTransaction } from './imageStore';
import type { Leases } from './leases';
import type { StoreLayout } from './layout';

export interface GcResult {
  removed: { digest: string; size: number }[];
  reclaimedBytes: number;
  /** Layer snapshots (unpacked layers for containers) that no image or container uses any more. */
  removedSnapshots: string[];
  /** Set when a manifest could not be read: then nothing is removed, since its blobs are unknown. */
  skippedBecause?: string;
}

export interface Reachability {
  reachable: Set<string>;
  unreadable: { digest: string; reason: string }[];
}

/** Marks every blob reachable from the index's entries (through nested indexes too). */
export async function markReachable(blobs: ContentStore, index: ImageIndex): Promise<Reachability> {
  const reachable = new Set<string>();
  const unreadable: Reachability['unreadable'] = [];
  const visit = async (desc: Descriptor, depth: number): Promise<void> => {
    if (reachable.has(desc.digest)) return;
    reachable.add(desc.digest);
    if (depth > 4) return;
    // Read leniently: whatever digests a damaged manifest still names are kept, never collected.
    let doc: Partial<ImageManifest & ImageIndex>;
    try {
      doc = decodeJsonObject(await blobs.readSmall(desc.digest), storedDocument('Manifest', desc.digest));
    } catch (err) {
      unreadable.push({ digest: desc.digest, reason: (err as Error).message });
      return;
    }
    if (isIndexMediaType(desc.mediaType) || 'manifests' in doc) {
      for (const child of doc.manifests ?? []) {
        // Other tools may keep only some platforms of an index; absent children are not damage.
        if (await blobs.has(child.digest)) await visit(child, depth + 1);
      }
      return;
    }
    if (doc.config?.digest) reachable.add(doc.config.digest);
    for (const layer of doc.layers ?? []) reachable.add(layer.digest);
  };
  for (const entry of index.manifests) await visit(entry, 0);
  return { reachable, unreadable };
}

/** Every blob's digest, for the checks that compare the store's files with what index.json needs. */
export async function listBlobDigests(blobs: ContentStore): Promise<string[]> {
  const out: string[] = [];
  for await (const blob of blobs.walk()) out.push(blob.digest);
  return out;
}

/** Removes unreferenced, unleased blobs and what the store derived from them (derivedFiles.ts). */
export async function collectGarbage(blobs: BlobStore, leases: Leases, tx: StoreTransaction, layout: StoreLayout): Promise<GcResult> {
  const { reachable, unreadable } = await markReachable(blobs, tx.index);
  if (unreadable.length > 0) {
    return { removed: [], reclaimedBytes: 0, removedSnapshots: [], skippedBecause: `manifest ${unreadable[0]!.digest} is unreadable; run "stevedore system check"` };
  }
  const leased = await leases.protectedDigests();
  const removed: GcResult['removed'] = [];
  for await (const info of blobs.walk()) {
    const { digest } = info;
    if (reachable.has(digest) || leased.has(digest)) continue;
    let path: string;
    try {
      path = blobs.path(digest);
    } catch {
      continue; // not a digest-named file; `system check` reports it
    }
    // What was derived from the blob goes first: a crash in between leaves a blob without its
    // caches (rebuilt on demand), never caches for a missing blob.
    await removeDerivedFiles(layout, digest);
    // A writer in another process names a blob in its lease and then looks for it; one that did
    // so after the leases above were read would keep a blob deleted here. So the blob is moved
    // out of sight first and the leases are read again: a writer that found it present had leased
    // it before the move and gets it back; one that looks after the move writes it anew.
    const aside = join(layout.ingestDir, `${process.pid}-gc-${digest.replace(':', '-')}-${randomHex(4)}`);
    try {
      await rename(path, aside);
    } catch {
      continue; // gone already, or the ingest folder is missing: leave it for the next collection
    }
    if ((await leases.protectedDigests()).has(digest)) {
      await rename(aside, path);
      continue;
    }
    await blobs.removeSetAside(aside);
    removed.push({ digest, size: info.size });
  }
  const removedSnapshots = await collectSnapshots(blobs, layout, tx.index);
  return { removed, reclaimedBytes: removed.reduce((s, r) => s + r.size, 0), removedSnapshots };
}
