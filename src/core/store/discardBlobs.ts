// Undoes the blobs a failed or cancelled operation wrote, so that the store is left as it was.
// Only blobs this operation created are candidates, and only those nothing else needs are removed:
// run under the store lock after the operation's lease is released, it spares every blob an image
// references or another live operation has leased (one that found our blob present meanwhile).

import { markReachable } from './garbageCollect';
import type { ImageStore } from './imageStore';

export async function discardUnreferencedBlobs(store: ImageStore, written: readonly string[]): Promise<string[]> {
  if (written.length === 0) return [];
  return store.update(async (tx) => {
    const { reachable, unreadable } = await markReachable(store.blobs, tx.index);
    if (unreadable.length > 0) return []; // unknown references: keep everything, `system check` reports it
    const leased = await store.leases.protectedDigests();
    const removed: string[] = [];
    for (const digest of new Set(written)) {
      if (reachable.has(digest) || leased.has(digest) || !(await store.blobs.has(digest))) continue;
      await store.blobs.delete(digest);
      removed.push(digest);
    }
    return removed;
  });
}
