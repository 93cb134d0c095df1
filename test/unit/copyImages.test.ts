// Several images through one copy (copyImages): `save` is the store's images copied into one
// archive, so it writes the bytes the archive writer always wrote, and gets copy's per-layer
// TransferEvents, cancellation and verification on the way.

import assert from 'node:assert/strict';
import { chmod, mkdir, readdir, readFile, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { saveArchive } from '../../src/core/archive/saveArchive';
import { selectImagesToSave, type SaveTarget } from '../../src/core/archive/saveSelection';
import { isCancelled } from '../../src/core/errors';
import { ArchiveOutput, ArchiveSource } from '../../src/core/sources/archiveSource';
import { copy } from '../../src/core/sources/copy';
import { copyImages, type CopyItem } from '../../src/core/sources/copyImages';
import { StoreSource } from '../../src/core/sources/storeSource';
import type { ImageStore } from '../../src/core/store/imageStore';
import { tagImage } from '../../src/core/store/tagImage';
import type { TransferEvent } from '../../src/core/transfer/transferEvent';
import { importBuffer, openTempStore, randomRootfs } from '../helpers/fixtures';

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of source) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

const itemsOf = (targets: readonly SaveTarget[]): CopyItem[] => targets.map((t) => ({ ref: t.record.manifestDigest, refs: t.refs }));

async function withImages(fn: (store: ImageStore, dir: string, targets: SaveTarget[]) => Promise<void>): Promise<void> {
  const { store, dir, cleanup } = await openTempStore();
  try {
    const a = await importBuffer(store, await randomRootfs(3, 40_000), 'app:1');
    await tagImage(store, a.id, 'app:2');
    await importBuffer(store, await randomRootfs(2, 30_000), 'other:1');
    await importBuffer(store, await randomRootfs(1, 1000));
    const untagged = (await store.list()).find((r) => r.refs.length === 0)!;
    await fn(store, dir, selectImagesToSave(await store.list(), ['app', 'other:1', untagged.id]));
  } finally {
    await cleanup();
  }
}

describe('copyImages: several images into one archive', () => {
  it('writes the bytes save always wrote (to a file, and --uncompressed to a stream), reporting each layer as it is read', async () =>
    withImages(async (store, dir, targets) => {
      assert.equal(targets.length, 3);
      const expected = await collect(saveArchive(store, targets));
      const events: TransferEvent[] = [];
      const file = join(dir, 'all.tar');
      const results = await copyImages(new StoreSource(store), itemsOf(targets), new ArchiveSource('docker-archive', file, store.root), { operation: 'save', reference: file, onEvent: (e) => events.push(e) });
      assert.ok((await readFile(file)).equals(expected), 'the archive is byte for byte what saveArchive writes');
      assert.deepEqual(results.map((r) => r.id), targets.map((t) => t.record.id));
      assert.deepEqual(results.map((r) => r.names), [['app:1', 'app:2'], ['other:1'], []]);

      // Each layer of the three images read once: transferring, then done at its size; bytes add up.
      const layers = (await Promise.all(targets.map(async (t) => (await store.load(t.record)).manifest.layers))).flat();
      assert.deepEqual(events[0], { kind: 'start', operation: 'save', reference: file });
      assert.deepEqual(events[events.length - 1], { kind: 'end', operation: 'save', reference: file, upToDate: false });
      const done = events.filter((e) => e.kind === 'layer' && e.state === 'done');
      assert.deepEqual(done.map((e) => e.kind === 'layer' && [e.id, e.current]).sort(), layers.map((l) => [l.digest, l.size]).sort());
      const total = layers.reduce((n, l) => n + l.size, 0);
      const bytes = events.filter((e) => e.kind === 'bytes');
      assert.equal(bytes[bytes.length - 1]!.kind === 'bytes' && bytes[bytes.length - 1]!.current, total);
      assert.equal(results.reduce((n, r) => n + r.bytes, 0), total);

      const plain = new PassThrough();
      const written = collect(plain);
      await copyImages(new StoreSource(store), itemsOf(targets), new ArchiveOutput(plain, 'standard output', { uncompressed: true }));
      plain.end();
      assert.ok((await written).equals(await collect(saveArchive(store, targets, { uncompressed: true }))), '--uncompressed to a stream is what saveArchive writes');
    }));

  it('a cancelled copy into an archive file leaves no file, not even a temporary one', async () =>
    withImages(async (store, dir, targets) => {
      const controller = new AbortController();
      const out = join(dir, 'out');
      await mkdir(out);
      await assert.rejects(
        copyImages(new StoreSource(store), itemsOf(targets), new ArchiveSource('docker-archive', join(out, 'x.tar'), store.root), {
          signal: controller.signal,
          // Cancelled as the first layer starts moving: the metadata is written, the layers are not.
          onEvent: (e) => {
            if (e.kind === 'layer' && e.state === 'transferring') controller.abort();
          },
        }),
        (err: unknown) => isCancelled(err),
      );
      assert.deepEqual(await readdir(out), []);
    }));

  it('an image the source does not have fails before anything is written', async () =>
    withImages(async (store, dir, targets) => {
      const file = join(dir, 'missing.tar');
      await assert.rejects(
        copyImages(new StoreSource(store), [...itemsOf(targets), { ref: 'nope:1', refs: [] }], new ArchiveSource('docker-archive', file, store.root)),
        /No such image: nope:1/,
      );
      await assert.rejects(readFile(file), /ENOENT/);
    }));

  it('a layer missing from the store, or cut short, is refused before anything is written, worded for what the copy was for', async () =>
    withImages(async (store, dir, targets) => {
      const [app, other] = targets as [SaveTarget, SaveTarget];
      const [missing] = (await store.load(app.record)).manifest.layers;
      await store.blobs.delete(missing!.digest);
      const file = join(dir, 'save.tar');
      await assert.rejects(copyImages(new StoreSource(store), itemsOf(targets), new ArchiveSource('docker-archive', file, store.root), { operation: 'save' }), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'BLOB_NOT_FOUND');
        assert.equal(err.message, `Layer ${missing!.digest} of app:1 is not in the store, so the image cannot be saved. Pull it again.`);
        return true;
      });
      await assert.rejects(readFile(file), /ENOENT/);
      // A copy is no save: the message says where the image was going.
      const layout = join(dir, 'layout');
      await assert.rejects(copy(new StoreSource(store), 'app:1', new ArchiveSource('oci', layout, store.root), []), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'BLOB_NOT_FOUND');
        assert.equal(err.message, `Layer ${missing!.digest} of app:1 is not in the store, so the image cannot be copied to the OCI layout ${layout}. Pull it again.`);
        return true;
      });
      await assert.rejects(readdir(layout), /ENOENT/);

      const [short] = (await store.load(other.record)).manifest.layers;
      const path = store.blobs.path(short!.digest);
      await chmod(path, 0o644);
      await truncate(path, short!.size - 1);
      await assert.rejects(copy(new StoreSource(store), 'other:1', new ArchiveSource('oci', layout, store.root), []), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'STORE_CORRUPT');
        assert.ok(err.message.includes(`(it is ${short!.size - 1} bytes, not ${short!.size}); the image was not copied to the OCI layout ${layout}. Run "stevedore system check --repair"`), err.message);
        return true;
      });
      await assert.rejects(readdir(layout), /ENOENT/);
    }));
});
