// readAhead, which reads an engine's export over TLS ahead of the loader in large pieces: every
// byte arrives once and in order, small pieces are joined, a failing source fails the consumer,
// and a consumer that stops early stops the reading.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readAhead } from '../../src/core/engine/readAhead';

async function* pieces(count: number, size: number, failAt?: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < count; i++) {
    if (i === failAt) throw new Error('the source broke');
    yield Buffer.alloc(size, i % 251);
    if (i % 7 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

describe('readAhead', () => {
  it('hands on every byte in order, joined into larger pieces', async () => {
    const out: Buffer[] = [];
    let pieceCount = 0;
    for await (const piece of readAhead(pieces(1000, 3000), { pieceSize: 64 * 1024, minPiece: 32 * 1024, limit: 128 * 1024 })) {
      out.push(Buffer.from(piece));
      pieceCount++;
      assert.ok(piece.length <= 64 * 1024);
    }
    const all = Buffer.concat(out);
    assert.equal(all.length, 3_000_000);
    for (let i = 0; i < 1000; i++) assert.equal(all[i * 3000 + 1234], i % 251, `byte of source piece ${i}`);
    assert.ok(pieceCount < 1000 / 5, `${pieceCount} pieces for 1000 source pieces`);
  });

  it('fails the consumer with the source error, and stops reading when the consumer stops', async () => {
    await assert.rejects(
      (async () => {
        for await (const _ of readAhead(pieces(100, 1000, 50), { pieceSize: 64 * 1024 })) void _;
      })(),
      /the source broke/,
    );
    let pulled = 0;
    async function* counted(): AsyncGenerator<Uint8Array> {
      for (;;) {
        pulled++;
        yield Buffer.alloc(64 * 1024);
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    for await (const _ of readAhead(counted(), { pieceSize: 64 * 1024, limit: 256 * 1024 })) break;
    const afterStop = pulled;
    for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
    assert.ok(pulled <= afterStop + 1, `the source was read ${pulled - afterStop} more times after the consumer stopped`);
  });
});
