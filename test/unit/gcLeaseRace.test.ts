// Garbage collection against a writer in another process that leases a blob and finds it present
// after the collection read the leases: the blob must stay (the writer keeps it without writing
// it). Deterministic: the "other process" acts inside the collection's first read of the leases.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collectGarbage } from '../../src/core/store/garbageCollect';
import type { StoreTransaction } from '../../src/core/store/imageStore';
import type { Leases } from '../../src/core/store/leases';
import { openTempStore } from '../helpers/fixtures';

test('a blob leased by a writer after the collection read the leases is not deleted', async () => {
  const { store, cleanup } = await openTempStore();
  try {
    const kept = await store.blobs.writeBytes('a layer another process has just found present\n');
    const unused = await store.blobs.writeBytes('a blob nobody wants\n');
    const writerLease = await store.leases.create();
    let reads = 0;
    const leases = {
      protectedDigests: async () => {
        const snapshot = await store.leases.protectedDigests();
        // The writer's protect-then-look happens right after the collection's first look at the leases.
        if (reads++ === 0) {
          await writerLease.protect([kept.digest]);
          assert.equal(await store.blobs.has(kept.digest), true, 'the writer finds the blob present');
        }
        return snapshot;
      },
    } as unknown as Leases;
    const tx = { index: { schemaVersion: 2, manifests: [] } } as unknown as StoreTransaction;
    const result = await collectGarbage(store.blobs, leases, tx, store.layout);
    assert.equal(await store.blobs.has(kept.digest), true, 'the leased blob was deleted');
    assert.equal(await store.blobs.has(unused.digest), false);
    assert.deepEqual(result.removed.map((r) => r.digest), [unused.digest]);
    await writerLease.release();
  } finally {
    await cleanup();
  }
});
