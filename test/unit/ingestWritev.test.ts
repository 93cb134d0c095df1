// Ingest.writev, which downloads use to hand over the chunks that piled up during a write: the
// bytes land in order, are hashed as if written one by one, and a size overrun is refused before
// anything of the batch is written.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { sha256Digest } from '../../src/core/digest';
import type { StevedoreError } from '../../src/core/errors';
import { openTempStore } from '../helpers/fixtures';

describe('Ingest.writev', () => {
  it('writes many chunks in order, mixed with write(), and commits the right digest', async () => {
    const { store, cleanup } = await openTempStore();
    try {
      const parts = [randomBytes(70_000), Buffer.alloc(0), randomBytes(3), randomBytes(1 << 20), randomBytes(12_345)];
      const whole = Buffer.concat(parts);
      const ingest = await store.blobs.ingest({ digest: sha256Digest(whole), size: whole.length });
      await ingest.write(parts[0]!);
      await ingest.writev(parts.slice(1, 4));
      await ingest.writev([parts[4]!]);
      assert.equal(ingest.bytes, whole.length);
      const result = await ingest.commit();
      assert.equal(result.digest, sha256Digest(whole));
      assert.deepEqual(await readFile(store.blobs.path(result.digest)), whole);
      await ingest.abort();
    } finally {
      await cleanup();
    }
  });

  it('refuses a batch that would pass the expected size, writing none of it', async () => {
    const { store, cleanup } = await openTempStore();
    try {
      const ingest = await store.blobs.ingest({ size: 10 });
      await ingest.writev([Buffer.from('12345')]);
      await assert.rejects(ingest.writev([Buffer.from('678'), Buffer.from('901')]), (err: StevedoreError) => err.code === 'SIZE_MISMATCH');
      assert.equal(ingest.bytes, 5);
      await ingest.abort();
      assert.deepEqual(await readdir(store.blobs.ingestDir), []);
    } finally {
      await cleanup();
    }
  });
});
