// `commit` / `append`: a folder or tarball as a new layer, recorded the way `docker commit` records
// it, and reproducible when SOURCE_DATE_EPOCH (or an explicit time) is given.

import assert from 'node:assert/strict';
import { link, mkdir, readFile, symlink, utimes, writeFile, chmod } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import * as tar from 'tar-stream';
import { appendLayer } from '../../src/core/archive/appendLayer';
import type { StevedoreError } from '../../src/core/errors';
import type { ImageStore } from '../../src/core/store/imageStore';
import { sha256 } from '../helpers/archiveFixtures';
import { chunksOf, gzip, importBuffer, makeTar, openTempStore, randomRootfs } from '../helpers/fixtures';
import { storeSnapshot } from '../helpers/storeSnapshot';

const FIXED = new Date('2024-05-06T07:08:09Z');

async function withStore(fn: (store: ImageStore, dir: string) => Promise<void>): Promise<void> {
  const { store, dir, cleanup } = await openTempStore();
  try {
    await fn(store, dir);
  } finally {
    await cleanup();
  }
}

async function tarHeaders(layerGz: Buffer): Promise<tar.Header[]> {
  const extract = tar.extract();
  const headers: tar.Header[] = [];
  const reading = (async () => {
    for await (const entry of extract) {
      headers.push(entry.header);
      for await (const _chunk of entry) {
        // drained
      }
    }
  })();
  extract.end(gunzipSync(layerGz));
  await reading;
  return headers;
}

async function makeFolder(root: string): Promise<void> {
  await mkdir(join(root, 'b', 'nested'), { recursive: true });
  await mkdir(join(root, 'a'));
  await writeFile(join(root, 'b', 'nested', 'file.txt'), 'hello\n');
  await writeFile(join(root, 'a', 'script.sh'), '#!/bin/sh\n');
  await chmod(join(root, 'a', 'script.sh'), 0o755);
  await symlink('nested/file.txt', join(root, 'b', 'link'));
  await link(join(root, 'b', 'nested', 'file.txt'), join(root, 'Z-hard'));
  await utimes(join(root, 'a', 'script.sh'), new Date('2001-01-01T00:00:00Z'), new Date('2001-01-01T00:00:00Z'));
}

describe('commit / append a layer', () => {
  it('adds a folder as a reproducible layer: sorted entries, root owners, fixed times, links kept', async () => withStore(async (store, dir) => {
    const base = await importBuffer(store, await randomRootfs(), 'base:1', { changes: ['ENV BASE=1'] });
    const folder = join(dir, 'folder');
    await makeFolder(folder);
    const record = await appendLayer(store, { base: 'base:1', source: { kind: 'folder', path: folder }, reference: 'app:1', message: 'add app', author: 'Ann <ann@example.com>', changes: ['ENV APP=2', 'CMD ["/a/script.sh"]'], created: FIXED });
    const image = await store.load(record);
    const baseImage = await store.load(base);
    assert.deepEqual(image.manifest.layers.slice(0, 1), baseImage.manifest.layers);
    assert.equal(image.manifest.layers.length, 2);
    assert.deepEqual(image.config.rootfs.diff_ids.slice(0, 1), baseImage.config.rootfs.diff_ids);
    assert.deepEqual(image.config.config?.Env, ['BASE=1', 'APP=2']);
    assert.deepEqual(image.config.config?.Cmd, ['/a/script.sh']);
    assert.equal(image.config.author, 'Ann <ann@example.com>');
    assert.equal(image.config.created, '2024-05-06T07:08:09Z');
    assert.equal(image.config.comment, undefined, 'the base\'s import comment does not carry over');
    assert.deepEqual(image.config.history?.at(-1), { created: '2024-05-06T07:08:09Z', author: 'Ann <ann@example.com>', comment: 'add app' });
    assert.deepEqual(record.refs, ['docker.io/library/app:1']);

    const layer = await readFile(store.blobs.path(image.manifest.layers[1]!.digest));
    assert.equal(sha256(gunzipSync(layer)), image.config.rootfs.diff_ids[1]);
    const headers = await tarHeaders(layer);
    assert.deepEqual(headers.map((h) => [h.name, h.type]), [
      ['Z-hard', 'file'],
      ['a/', 'directory'],
      ['a/script.sh', 'file'],
      ['b/', 'directory'],
      ['b/link', 'symlink'],
      ['b/nested/', 'directory'],
      ['b/nested/file.txt', 'link'],
    ]);
    assert.equal(headers.find((h) => h.name === 'b/link')!.linkname, 'nested/file.txt');
    assert.equal(headers.find((h) => h.name === 'b/nested/file.txt')!.linkname, 'Z-hard');
    assert.equal(headers.find((h) => h.name === 'a/script.sh')!.mode, 0o755);
    for (const h of headers) {
      assert.equal(h.uid, 0);
      assert.equal(h.gid, 0);
      assert.equal(h.uname, '');
      assert.equal(h.mtime.getTime(), FIXED.getTime());
    }

    // The same folder at the same time gives the same image, whatever the files' own times.
    await utimes(join(folder, 'b', 'nested', 'file.txt'), new Date(), new Date());
    const again = await appendLayer(store, { base: 'base:1', source: { kind: 'folder', path: folder }, message: 'add app', author: 'Ann <ann@example.com>', changes: ['ENV APP=2', 'CMD ["/a/script.sh"]'], created: FIXED });
    assert.equal(again.id, record.id);
  }));

  it('takes SOURCE_DATE_EPOCH for the creation time and every file time', async () => withStore(async (store, dir) => {
    await importBuffer(store, await randomRootfs(), 'base:1');
    const folder = join(dir, 'epoch');
    await mkdir(folder);
    await writeFile(join(folder, 'f'), 'x');
    const saved = process.env.SOURCE_DATE_EPOCH;
    process.env.SOURCE_DATE_EPOCH = '1700000000';
    try {
      const record = await appendLayer(store, { base: 'base:1', source: { kind: 'folder', path: folder } });
      const image = await store.load(record);
      assert.equal(image.config.created, '2023-11-14T22:13:20Z');
      const headers = await tarHeaders(await readFile(store.blobs.path(image.manifest.layers.at(-1)!.digest)));
      assert.equal(headers[0]!.mtime.getTime(), 1_700_000_000_000);
      assert.deepEqual(record.refs, [], 'without a name the result is dangling, as with docker commit');
    } finally {
      if (saved === undefined) delete process.env.SOURCE_DATE_EPOCH;
      else process.env.SOURCE_DATE_EPOCH = saved;
    }
  }));

  it('adds a tarball, plain or gzip, from a file or a stream', async () => withStore(async (store) => {
    await importBuffer(store, await randomRootfs(), 'base:1');
    const layerTar = await makeTar([{ name: 'etc/', type: 'directory' }, { name: 'etc/added', content: 'added\n' }]);
    const record = await appendLayer(store, { base: 'base:1', source: { kind: 'tarball', name: 'layer.tar.gz', bytes: chunksOf(gzip(layerTar)) }, reference: 'base:2', created: FIXED });
    const image = await store.load(record);
    assert.equal(image.config.rootfs.diff_ids.at(-1), sha256(layerTar));
  }));

  it('an empty folder adds no layer and an empty_layer history entry', async () => withStore(async (store, dir) => {
    const base = await importBuffer(store, await randomRootfs(), 'base:1');
    await mkdir(join(dir, 'empty'));
    const record = await appendLayer(store, { base: base.id, source: { kind: 'folder', path: join(dir, 'empty') }, changes: ['LABEL only=config'], created: FIXED });
    const image = await store.load(record);
    assert.equal(image.manifest.layers.length, 1);
    assert.deepEqual(image.config.history?.at(-1), { created: '2024-05-06T07:08:09Z', empty_layer: true });
    assert.deepEqual(image.config.config?.Labels, { only: 'config' });
  }));

  it('bad input fails before anything changes', async () => withStore(async (store, dir) => {
    await importBuffer(store, await randomRootfs(), 'base:1');
    const before = await storeSnapshot(store.root);
    const folder = join(dir, 'some-folder');
    await mkdir(folder);
    await assert.rejects(appendLayer(store, { base: 'nope:1', source: { kind: 'folder', path: folder } }), (e: StevedoreError) => e.code === 'IMAGE_NOT_FOUND');
    await assert.rejects(appendLayer(store, { base: 'base:1', source: { kind: 'folder', path: folder }, reference: 'x@sha256:' + 'a'.repeat(64) }), /not a digest/);
    await assert.rejects(appendLayer(store, { base: 'base:1', source: { kind: 'folder', path: folder }, changes: ['FROM x'] }), (e: StevedoreError) => e.code === 'INVALID_CHANGE');
    await assert.rejects(appendLayer(store, { base: 'base:1', source: { kind: 'tarball', name: 'bad.tar', bytes: chunksOf(Buffer.from('not a tar at all\n'.repeat(64))) } }), /not a valid tar archive/);
    await assert.rejects(appendLayer(store, { base: 'base:1', source: { kind: 'tarball', name: 'evil.tar', bytes: chunksOf(await makeTar([{ name: '../evil', content: 'x' }])) } }), /climbs out of its root/);
    assert.deepEqual(await storeSnapshot(store.root), before);
  }));
});
