// zstd streams as the real `zstd` tool writes them, decompressed by decompressed() (fzstd on this
// Node; Node's own decoder where it has one): one frame, several frames back to back, and a
// stream cut short, which fails with the kind of compression named.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import type { StevedoreError } from '../../src/core/errors';
import { decompressed, detectCompression } from '../../src/core/archive/decompress';
import { chunksOf } from '../helpers/fixtures';

function zstd(data: Buffer, level = 3): Buffer {
  const out = spawnSync('zstd', [`-${level}`, '-c', '-q'], { input: data, maxBuffer: 64 * 1024 * 1024 });
  assert.equal(out.status, 0, out.stderr.toString());
  return out.stdout;
}

async function inflate(data: Buffer, chunk = 64 * 1024): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const piece of decompressed(chunksOf(data, chunk), 'the test stream')) parts.push(Buffer.from(piece));
  return Buffer.concat(parts);
}

describe('zstd streams', () => {
  // Half random, half repetitive: both literal and matched sequences in the frames.
  const plain = Buffer.concat([randomBytes(3 * 1024 * 1024), Buffer.alloc(2 * 1024 * 1024, 'stevedore ')]);

  it('a frame written by zstd comes back byte for byte, fed in any piece size', async () => {
    const packed = zstd(plain);
    assert.equal(detectCompression(packed), 'zstd');
    for (const size of [1000, 64 * 1024, packed.length]) assert.ok((await inflate(packed, size)).equals(plain), `pieces of ${size}`);
  });

  it('frames back to back are one stream, as `zstd` concatenations are', async () => {
    const packed = Buffer.concat([zstd(plain.subarray(0, 1_000_000), 1), zstd(plain.subarray(1_000_000), 19)]);
    assert.ok((await inflate(packed)).equals(plain));
  });

  it('a stream cut short is not a valid zstd stream', async () => {
    const packed = zstd(plain);
    await assert.rejects(inflate(packed.subarray(0, Math.floor(packed.length / 2))), (err: StevedoreError) => err.code === 'INVALID_ARCHIVE' && /the test stream is not a valid zstd stream/.test(err.message));
  });
});
