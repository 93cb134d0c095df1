// A container's root filesystem is unpacked through the Image's layer readers, not from blob
// files: an image whose layers live only in memory (as an archive's or a registry's would) makes a
// container with either snapshotter, and a layer whose bytes are not what the manifest names is
// refused with nothing left behind. Real unpack as root (CI runs as root).

import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sha256Digest } from '../../src/core/digest';
import type { Image, Layer } from '../../src/core/image/image';
import { MediaType } from '../../src/core/image/mediaTypes';
import type { ImageConfig } from '../../src/core/image/types';
import { containerPaths, containersDir, removeContainerFiles } from '../../src/core/runtime/containerRecord';
import { withRootfs } from '../../src/core/runtime/containerRootfs';
import { createContainer } from '../../src/core/runtime/createContainer';
import { snapshotsDir } from '../../src/core/runtime/snapshots';
import { gzip, makeTar, openTempStore } from '../helpers/fixtures';

async function* once(bytes: Buffer): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/** An Image held in memory: nothing of it is in the store. `stored` replaces a layer's bytes (a damaged source). */
async function memoryImage(tars: Buffer[], stored: (index: number, bytes: Buffer) => Buffer = (_i, b) => b, diffIdOf: (tar: Buffer) => string = sha256Digest): Promise<Image> {
  const blobs = tars.map((t) => gzip(t));
  const layers: Layer[] = blobs.map((blob, index) => ({
    index,
    descriptor: { mediaType: MediaType.ociLayerGzip, digest: sha256Digest(blob), size: blob.length },
    diffId: diffIdOf(tars[index]!),
    compressed: () => once(stored(index, blob)),
    uncompressed: () => once(tars[index]!),
  }));
  const config: ImageConfig = { architecture: 'amd64', os: 'linux', config: { Cmd: ['true'] }, rootfs: { type: 'layers', diff_ids: tars.map((t) => diffIdOf(t)) } };
  const configBytes = Buffer.from(JSON.stringify(config));
  const manifest = { schemaVersion: 2 as const, mediaType: MediaType.ociManifest, config: { mediaType: MediaType.ociConfig, digest: sha256Digest(configBytes), size: configBytes.length }, layers: layers.map((l) => l.descriptor) };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  return {
    manifestDescriptor: { mediaType: MediaType.ociManifest, digest: sha256Digest(manifestBytes), size: manifestBytes.length },
    manifest,
    config,
    layers,
    rawManifest: async () => manifestBytes,
    rawConfig: async () => configBytes,
  };
}

describe('container root filesystems from any Image', () => {
  for (const snapshotter of ['vfs', 'overlay']) {
    it(`${snapshotter}: unpacks layers that are not in the store, through their readers`, async () => {
      const { store, cleanup } = await openTempStore();
      try {
        const image = await memoryImage([
          await makeTar([{ name: 'etc/', type: 'directory' }, { name: 'etc/one', content: 'one\n' }, { name: 'etc/gone', content: 'x' }]),
          await makeTar([{ name: 'etc/two', content: 'two\n', uid: 7, gid: 8 }, { name: 'etc/.wh.gone', content: '' }]),
        ]);
        const container = await createContainer(store, { image: { loaded: image, id: '' }, imageName: 'memory', snapshotter, autoRemove: true });
        const paths = containerPaths(store.layout, container.Id);
        try {
          await withRootfs(store.layout, container, async () => {
            assert.equal(await readFile(join(paths.rootfs, 'etc/one'), 'utf8'), 'one\n');
            assert.equal(await readFile(join(paths.rootfs, 'etc/two'), 'utf8'), 'two\n');
            assert.ok(!(await readdir(join(paths.rootfs, 'etc'))).includes('gone'));
          });
        } finally {
          await removeContainerFiles(store.layout, container.Id);
        }
      } finally {
        await cleanup();
      }
    });
  }

  it('refuses a layer whose bytes are not what the manifest names, and leaves no container', async () => {
    const { store, cleanup } = await openTempStore();
    try {
      const good = await makeTar([{ name: 'a', content: 'a' }]);
      const other = gzip(await makeTar([{ name: 'b', content: 'b' }]));
      const image = await memoryImage([good], () => other);
      await assert.rejects(createContainer(store, { image: { loaded: image, id: '' }, imageName: 'memory', snapshotter: 'vfs' }), (err: Error & { code?: string }) => {
        assert.ok(err.code === 'DIGEST_MISMATCH' || err.code === 'SIZE_MISMATCH', `${err.code}: ${err.message}`);
        assert.match(err.message, /Layer 0 \(sha256:[a-f0-9]{64}\)/);
        return true;
      });
      assert.deepEqual(await readdir(containersDir(store.layout)).catch(() => []), []);
    } finally {
      await cleanup();
    }
  });

  for (const snapshotter of ['vfs', 'overlay']) {
    it(`${snapshotter}: refuses a layer whose content is not what its config's diffID names (its compressed digest is right), and keeps no snapshot under that diffID`, async () => {
      const { store, cleanup } = await openTempStore();
      try {
        const claimed = await makeTar([{ name: 'etc/', type: 'directory' }, { name: 'etc/passwd', content: 'root:x:0:0::/root:/bin/sh\n' }]);
        const planted = await makeTar([{ name: 'etc/', type: 'directory' }, { name: 'etc/passwd', content: 'root::0:0::/root:/bin/sh\n' }]);
        // The image says its one layer is `claimed` (as a popular base's layer would be), but carries `planted`.
        const image = await memoryImage([planted], undefined, () => sha256Digest(claimed));
        await assert.rejects(createContainer(store, { image: { loaded: image, id: '' }, imageName: 'liar', snapshotter }), (err: Error & { code?: string }) => {
          assert.equal(err.code, 'DIGEST_MISMATCH', err.message);
          assert.match(err.message, /not the diffID sha256:[a-f0-9]{64}/);
          return true;
        });
        assert.deepEqual(await readdir(containersDir(store.layout)).catch(() => []), []);
        assert.deepEqual(await readdir(snapshotsDir(store.layout)).catch(() => []), [], 'a snapshot was kept');
      } finally {
        await cleanup();
      }
    });
  }
});
