// IngestReceiver, which layer downloads read into straight from the socket: whatever the read
// sizes and wherever the ingest starts (a resumed transfer starts at an unaligned offset), the file
// gets exactly the bytes received and the digest matches; page-aligned data goes with O_DIRECT
// where the file system takes it (ext4 here, tmpfs too on recent kernels) and everything through
// the page cache where buffers cannot be aligned; a size overrun is refused.

import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { closeSync, constants, openSync, writeFileSync } from 'node:fs';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sha256Digest } from '../../src/core/digest';
import type { StevedoreError } from '../../src/core/errors';
import { BufferPool } from '../../src/core/store/bufferPool';
import { FileImageStore } from '../../src/core/store/fileImageStore';
import type { IngestReceiver } from '../../src/core/store/ingestReceiver';
import { tempDir } from '../helpers/fixtures';

/** Whether a file in `dir` can be opened with O_DIRECT: what the receiver should find too. */
function takesDirectIo(dir: string): boolean {
  const probe = join(dir, 'direct-probe');
  writeFileSync(probe, '');
  try {
    closeSync(openSync(probe, constants.O_WRONLY | constants.O_DIRECT));
    return true;
  } catch {
    return false;
  } finally {
    void rm(probe, { force: true });
  }
}

/** Feeds `data` in reads of random sizes, as a socket would, honouring the receiver's pauses. */
async function feed(receiver: IngestReceiver, data: Buffer): Promise<void> {
  for (let at = 0; at < data.length; ) {
    const room = receiver.space();
    const n = Math.min(room.length, data.length - at, randomInt(1, 400_000));
    data.copy(room, 0, at, at + n);
    at += n;
    if (!receiver.received(n)) await new Promise<void>((resolve) => receiver.whenWritable(resolve));
  }
}

async function roundTrip(root: string, pool: BufferPool, lead: number, expectDirect: boolean): Promise<void> {
  const store = await FileImageStore.open(join(root, `store-${lead}-${pool.aligned}`));
  const data = randomBytes(9 * 1024 * 1024 + 777);
  const ingest = await store.blobs.ingest({ digest: sha256Digest(data), size: data.length });
  try {
    // A resumed download: part of the blob is already in the ingest, written the ordinary way.
    if (lead > 0) await ingest.write(data.subarray(0, lead));
    const progress: number[] = [];
    const receiver = await ingest.receiver(pool, (bytes) => progress.push(bytes));
    assert.equal(receiver.direct, expectDirect);
    await feed(receiver, data.subarray(lead));
    await receiver.finish();
    assert.equal(ingest.bytes, data.length);
    assert.ok(progress.length > 1 && progress.every((b, i) => i === 0 || b >= progress[i - 1]!), 'progress rises with every read');
    const result = await ingest.commit();
    assert.equal(result.digest, sha256Digest(data));
    assert.ok((await readFile(store.blobs.path(result.digest))).equals(data));
  } finally {
    await ingest.abort();
  }
  assert.deepEqual(await readdir(store.blobs.ingestDir), []);
}

describe('IngestReceiver', () => {
  it('writes what it receives, from the start and from an unaligned resume point, with O_DIRECT where the disk takes it', async () => {
    const dir = await tempDir();
    try {
      const direct = takesDirectIo(dir.path);
      const pool = new BufferPool({ bufferSize: 1024 * 1024 });
      assert.equal(pool.aligned, true, 'WebAssembly memory gives aligned buffers in Node');
      for (const lead of [0, 1234, 4096, 3 * 1024 * 1024 + 5]) await roundTrip(dir.path, pool, lead, direct);
    } finally {
      await dir.cleanup();
    }
  });

  it('works with ordinary, unaligned buffers (no WebAssembly)', async () => {
    const dir = await tempDir();
    try {
      const pool = new BufferPool({ bufferSize: 1024 * 1024, align: false });
      assert.equal(pool.aligned, false);
      await roundTrip(dir.path, pool, 0, false);
      await roundTrip(dir.path, pool, 999, false);
    } finally {
      await dir.cleanup();
    }
  });

  it('refuses bytes beyond the expected size; nothing is left after abort', async () => {
    const dir = await tempDir();
    try {
      const store = await FileImageStore.open(join(dir.path, 'store'));
      const ingest = await store.blobs.ingest({ size: 100_000 });
      const receiver = await ingest.receiver(new BufferPool({ bufferSize: 1024 * 1024 }));
      receiver.space().fill(7, 0, 100_000);
      receiver.received(100_000);
      assert.throws(() => receiver.received(1), (err: StevedoreError) => err.code === 'SIZE_MISMATCH');
      await receiver.finish();
      assert.equal(ingest.bytes, 100_000);
      await ingest.abort();
      assert.deepEqual(await readdir(store.blobs.ingestDir), []);
    } finally {
      await dir.cleanup();
    }
  });
});
