// `system check` rehashes the store before it takes the lock, so that a long check does not hold
// up writers in other processes, and still decides everything under the lock: corruption found
// in the unlocked pass is confirmed there, and what a writer added meanwhile is checked too.

import assert from 'node:assert/strict';
import { chmod, writeFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { checkStore } from '../../src/core/store/checkStore';
import { importBuffer, openTempStore, randomRootfs } from '../helpers/fixtures';

describe('system check and the store lock', () => {
  it('rehashes while another writer holds the lock, and decides only once it has the lock', async () => {
    const { store, cleanup } = await openTempStore();
    try {
      for (let i = 0; i < 4; i++) await importBuffer(store, await randomRootfs(2, 300_000), `check/img:${i}`);
      // A writer holds the lock until the check has hashed every blob: a check that wanted the
      // lock for hashing would wait until the lock's own time limit failed it (STORE_LOCKED).
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let holding!: () => void;
      const held = new Promise<void>((resolve) => (holding = resolve));
      const writer = store.update(async (tx) => {
        holding();
        await released;
        tx.index.manifests = tx.index.manifests.filter((m) => !m.annotations?.['org.opencontainers.image.ref.name']?.endsWith(':3'));
      });
      await held;
      const seen: number[] = [];
      let total = 0;
      const result = await checkStore(store, {
        onEvent: (e) => {
          if (e.kind !== 'layer') return;
          if (e.state === 'queued') total++;
          if (e.state !== 'transferring') return;
          const done = seen.length;
          seen.push(done);
          if (done === total - 1) release();
        },
      });
      await writer;
      assert.ok(seen.length >= 8, `progress: ${seen.join(',')}`);
      // The check ran after the writer: it sees the image the writer removed as gone, its blobs as unused.
      assert.ok(result.problems.length > 0 && result.problems.every((p) => p.kind === 'unreachable-blob' && !p.severe));
      assert.equal((await store.list()).length, 3);
    } finally {
      await cleanup();
    }
  });

  it('a blob that was corrupted is still found, confirmed under the lock, and repaired', async () => {
    const { store, cleanup } = await openTempStore();
    try {
      const record = await importBuffer(store, await randomRootfs(1, 100_000), 'check/broken:1');
      const layer = (await store.load(record)).manifest.layers[0]!.digest;
      const path = store.blobs.path(layer);
      await chmod(path, 0o644);
      await writeFile(path, 'not the layer');
      const found = await checkStore(store);
      assert.ok(found.problems.some((p) => p.kind === 'corrupt-blob' && p.subject === layer && p.severe));
      const repaired = await checkStore(store, { repair: true });
      assert.ok(repaired.repaired.includes(`removed blob ${layer}`));
      assert.deepEqual((await checkStore(store)).problems, []);
    } finally {
      await cleanup();
    }
  });
});
