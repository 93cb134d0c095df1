// The spill file that keeps an archive's small, maybe-unneeded entries on disk instead of in
// memory or in one staged blob each: what goes in comes back byte for byte, the last entry of a
// name wins, records cross the write blocks, and discarding leaves nothing in the ingest area.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { MAX_SPILLED_ENTRY, SpillFile } from '../../src/core/archive/spillFile';
import { openTempStore } from '../helpers/fixtures';

describe('SpillFile', () => {
  it('finds every entry again byte for byte, across write blocks, the last of a name winning', async () => {
    const { store, cleanup } = await openTempStore();
    try {
      await store.leases.with(async (lease) => {
        const spill = await SpillFile.create(store.blobs, lease);
        const kept = new Map<string, Buffer>();
        // 40 entries of up to 64 KiB: well past one 1 MiB write block, with records split across blocks.
        for (let i = 0; i < 40; i++) {
          const bytes = randomBytes(MAX_SPILLED_ENTRY - i * 7);
          const name = `dir/é${i}`;
          kept.set(name, bytes);
          await spill.add(name, bytes);
        }
        const replaced = Buffer.from('the later one');
        await spill.add('dir/é3', replaced);
        kept.set('dir/é3', replaced);
        await spill.add('empty', Buffer.alloc(0));
        kept.set('empty', Buffer.alloc(0));
        // A name longer than a block is written on its own and still found.
        const longName = `long/${'x'.repeat(1024 * 1024 + 10)}`;
        await spill.add(longName, Buffer.from('long'));
        kept.set(longName, Buffer.from('long'));
        await spill.add('after-long', Buffer.from('after'));
        kept.set('after-long', Buffer.from('after'));
        assert.equal(spill.count, 44);
        for (const [name, bytes] of kept) assert.deepEqual(await spill.find(name), bytes, name.slice(0, 20));
        assert.equal(await spill.find('dir/é40'), undefined);
        assert.equal(await spill.find('dir/'), undefined);
        await assert.rejects(spill.add('too-big', Buffer.alloc(MAX_SPILLED_ENTRY + 1)), RangeError);
        assert.equal((await readdir(store.blobs.ingestDir)).length, 1);
        await spill.discard();
        assert.deepEqual(await readdir(store.blobs.ingestDir), []);
      });
    } finally {
      await cleanup();
    }
  });

  it('holds 100,000 entries in one file, not one file each', async () => {
    const { store, cleanup } = await openTempStore();
    try {
      await store.leases.with(async (lease) => {
        const spill = await SpillFile.create(store.blobs, lease);
        for (let i = 0; i < 100_000; i++) await spill.add(`junk/${i}`, Buffer.from(`${i}\n`));
        assert.deepEqual(await spill.find('junk/99999'), Buffer.from('99999\n'));
        assert.deepEqual(await spill.find('junk/0'), Buffer.from('0\n'));
        assert.equal((await readdir(store.blobs.ingestDir)).length, 1);
        await spill.discard();
      });
    } finally {
      await cleanup();
    }
  });
});
