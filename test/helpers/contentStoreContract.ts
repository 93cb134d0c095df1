// The contract of a content store (src/core/store/contentStore.ts), in the spirit of containerd's
// ContentSuite: written against the interface only, so any implementation can be run through it.
// `open` makes a fresh, empty content store.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sha256Digest } from '../../src/core/digest';
import { CancelledError, StevedoreError } from '../../src/core/errors';
import type { ContentStore } from '../../src/core/store/contentStore';
import { chunksOf } from './fixtures';

export function contentStoreContract(name: string, open: () => Promise<{ content: ContentStore; cleanup: () => Promise<void> }>): void {
  const withContent = (fn: (content: ContentStore) => Promise<void>) => async () => {
    const { content, cleanup } = await open();
    try {
      await fn(content);
    } finally {
      await cleanup();
    }
  };
  const collect = async (source: AsyncIterable<Uint8Array>): Promise<Buffer> => {
    const parts: Buffer[] = [];
    for await (const chunk of source) parts.push(Buffer.from(chunk));
    return Buffer.concat(parts);
  };
  const all = async (content: ContentStore): Promise<string[]> => {
    const out: string[] = [];
    for await (const blob of content.walk()) out.push(`${blob.digest}=${blob.size}`);
    return out.sort();
  };
  const code = (expected: string) => (err: unknown) => err instanceof StevedoreError && err.code === expected;

  describe(`${name}: content store contract`, () => {
    it('ingests a blob verified against its digest, and info, reader, readSmall and walk agree on it', withContent(async (content) => {
      const data = Buffer.from('hello content store');
      const digest = sha256Digest(data);
      assert.deepEqual(await content.writeStream(chunksOf(data, 4), { digest, size: data.length }), { digest, size: data.length, existed: false });
      assert.equal(await content.has(digest), true);
      assert.deepEqual(await content.info(digest), { digest, size: data.length });
      assert.deepEqual(await collect(content.reader(digest)), data);
      assert.deepEqual(await collect(content.reader(digest, { start: 6 })), data.subarray(6));
      assert.deepEqual(await content.readSmall(digest), data);
      assert.deepEqual(await all(content), [`${digest}=${data.length}`]);
    }));

    it('commits through an explicit ingest only what was verified; abort leaves nothing', withContent(async (content) => {
      const data = Buffer.from('step by step');
      const digest = sha256Digest(data);
      const kept = await content.ingest({ digest, size: data.length });
      await kept.write(data.subarray(0, 4));
      await kept.writev([data.subarray(4, 8), data.subarray(8)]);
      assert.equal(kept.bytes, data.length);
      assert.equal(await content.has(digest), false, 'not visible before commit');
      assert.deepEqual(await kept.commit(), { digest, size: data.length, existed: false });
      await kept.abort();
      assert.equal(await content.has(digest), true, 'abort after commit keeps the blob');
      const dropped = await content.ingest();
      await dropped.write(Buffer.from('never committed'));
      await dropped.abort();
      assert.deepEqual(await all(content), [`${digest}=${data.length}`]);
    }));

    it('reports a blob it has instead of writing it again', withContent(async (content) => {
      const first = await content.writeBytes('same');
      const second = await content.writeBytes('same');
      assert.equal(first.existed, false);
      assert.equal(second.existed, true);
      assert.equal(second.digest, first.digest);
    }));

    it('refuses a digest mismatch, a long and a short blob, and keeps none of them', withContent(async (content) => {
      const data = Buffer.from('tampered');
      await assert.rejects(content.writeStream(chunksOf(data), { digest: sha256Digest('original'), size: data.length }), code('DIGEST_MISMATCH'));
      await assert.rejects(content.writeBytes(data, { digest: sha256Digest('original') }), code('DIGEST_MISMATCH'));
      let delivered = 0;
      async function* endless(): AsyncGenerator<Uint8Array> {
        for await (const c of chunksOf(Buffer.alloc(100_000, 7), 1000)) {
          delivered += c.length;
          yield c;
        }
      }
      await assert.rejects(content.writeStream(endless(), { size: 5000 }), code('SIZE_MISMATCH'));
      assert.ok(delivered <= 6000, `stopped as soon as the size was passed (read ${delivered} bytes)`);
      await assert.rejects(content.writeStream(chunksOf(data), { digest: sha256Digest(data), size: 99 }), code('SIZE_MISMATCH'));
      assert.deepEqual(await all(content), []);
    }));

    it('a missing blob is BLOB_NOT_FOUND from every reader, and null from info', withContent(async (content) => {
      const missing = sha256Digest('not there');
      assert.equal(await content.info(missing), null);
      assert.equal(await content.has(missing), false);
      await assert.rejects(content.readSmall(missing), code('BLOB_NOT_FOUND'));
      await assert.rejects(collect(content.reader(missing)), code('BLOB_NOT_FOUND'));
    }));

    it('refuses to read a small document larger than asked', withContent(async (content) => {
      const { digest } = await content.writeBytes(Buffer.alloc(2048, 1));
      await assert.rejects(content.readSmall(digest, 1024), code('STORE_CORRUPT'));
    }));

    it('a cancelled read ends with CancelledError', withContent(async (content) => {
      const { digest } = await content.writeBytes(Buffer.alloc(4 * 1024 * 1024, 3));
      const controller = new AbortController();
      await assert.rejects(
        (async () => {
          for await (const chunk of content.reader(digest, { signal: controller.signal, highWaterMark: 64 * 1024 })) {
            void chunk;
            controller.abort();
          }
        })(),
        (err: unknown) => err instanceof CancelledError,
      );
    }));

    it('deletes a blob, and deleting one that is gone is no error', withContent(async (content) => {
      const kept = await content.writeBytes('kept');
      const gone = await content.writeBytes('gone');
      await content.delete(gone.digest);
      await content.delete(gone.digest);
      assert.equal(await content.has(gone.digest), false);
      assert.deepEqual(await all(content), [`${kept.digest}=4`]);
    }));

    it('two ingests of the same blob at once both succeed and leave one blob', withContent(async (content) => {
      const data = Buffer.alloc(300_000, 9);
      const digest = sha256Digest(data);
      const results = await Promise.all([0, 1].map(() => content.writeStream(chunksOf(data, 10_000), { digest, size: data.length })));
      assert.ok(results.every((r) => r.digest === digest));
      assert.deepEqual(await all(content), [`${digest}=${data.length}`]);
      assert.deepEqual(await collect(content.reader(digest)), data);
    }));
  });
}
