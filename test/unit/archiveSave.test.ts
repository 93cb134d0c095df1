// `save`: the dual format, each blob once, Docker's naming rules, reproducible bytes, verification
// of every blob on the way out, and the round trip through load.

import assert from 'node:assert/strict';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import * as tar from 'tar-stream';
import { loadArchive } from '../../src/core/archive/loadArchive';
import { saveArchive } from '../../src/core/archive/saveArchive';
import { selectImagesToSave } from '../../src/core/archive/saveSelection';
import type { StevedoreError } from '../../src/core/errors';
import type { ImageStore } from '../../src/core/store/imageStore';
import { tagImage } from '../../src/core/store/tagImage';
import { sha256 } from '../helpers/archiveFixtures';
import { chunksOf, importBuffer, makeTar, openTempStore, randomRootfs } from '../helpers/fixtures';

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of source) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

async function save(store: ImageStore, names: string[], options: { uncompressed?: boolean } = {}): Promise<Buffer> {
  return collect(saveArchive(store, selectImagesToSave(await store.list(), names), options));
}

interface Entry {
  name: string;
  type: string;
  mode: number;
  mtime: number;
  uid: number;
  body: Buffer;
}

async function entriesOf(archive: Buffer): Promise<Entry[]> {
  const extract = tar.extract();
  const out: Entry[] = [];
  const reading = (async () => {
    for await (const entry of extract) {
      const body = await collect(entry as AsyncIterable<Uint8Array>);
      out.push({ name: entry.header.name, type: entry.header.type, mode: entry.header.mode, mtime: entry.header.mtime.getTime(), uid: entry.header.uid, body });
    }
  })();
  extract.end(archive);
  await reading;
  return out;
}

async function withStore(fn: (store: ImageStore) => Promise<void>): Promise<void> {
  const { store, cleanup } = await openTempStore();
  try {
    await fn(store);
  } finally {
    await cleanup();
  }
}

describe('save', () => {
  it('writes Docker\'s manifest.json and repositories with an OCI layout, each blob once', async () => withStore(async (store) => {
    const shared = await randomRootfs();
    const a = await importBuffer(store, shared, 'team/a:1', { message: 'a' });
    const b = await importBuffer(store, shared, 'localhost:5000/b:2', { message: 'b' });
    const entries = await entriesOf(await save(store, ['team/a:1', 'localhost:5000/b:2']));
    const names = entries.map((e) => e.name);
    assert.deepEqual(names.slice(0, 6), ['oci-layout', 'index.json', 'manifest.json', 'repositories', 'blobs/', 'blobs/sha256/']);
    const la = await store.load(a);
    const lb = await store.load(b);
    assert.equal(la.manifest.layers[0]!.digest, lb.manifest.layers[0]!.digest, 'the two images share their layer');
    const blobNames = names.filter((n) => n.startsWith('blobs/sha256/') && n.length > 'blobs/sha256/'.length);
    // Two manifests, two configs, one shared layer.
    assert.equal(blobNames.length, 5);
    assert.equal(new Set(blobNames).size, blobNames.length);
    for (const e of entries.filter((x) => blobNames.includes(x.name))) assert.equal(sha256(e.body), `sha256:${e.name.slice('blobs/sha256/'.length)}`);

    const body = (name: string): string => entries.find((e) => e.name === name)!.body.toString();
    assert.equal(body('oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
    assert.deepEqual(JSON.parse(body('manifest.json')), [
      { Config: `blobs/sha256/${a.id.slice(7)}`, RepoTags: ['docker.io/team/a:1'], Layers: la.manifest.layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`) },
      { Config: `blobs/sha256/${b.id.slice(7)}`, RepoTags: ['localhost:5000/b:2'], Layers: lb.manifest.layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`) },
    ]);
    const index = JSON.parse(body('index.json')) as { manifests: { digest: string; annotations: Record<string, string>; platform: { os: string } }[] };
    assert.deepEqual(index.manifests.map((m) => [m.digest, m.annotations]), [
      [a.manifestDigest, { 'io.containerd.image.name': 'docker.io/team/a:1', 'org.opencontainers.image.ref.name': '1' }],
      [b.manifestDigest, { 'io.containerd.image.name': 'localhost:5000/b:2', 'org.opencontainers.image.ref.name': '2' }],
    ]);
    assert.equal(index.manifests[0]!.platform.os, 'linux');
    assert.deepEqual(JSON.parse(body('repositories')), { 'team/a': { 1: la.config.rootfs.diff_ids[0]!.slice(7) }, 'localhost:5000/b': { 2: lb.config.rootfs.diff_ids[0]!.slice(7) } });
    for (const e of entries) {
      assert.equal(e.mtime, 0);
      assert.equal(e.uid, 0);
      assert.equal(e.mode, e.type === 'directory' ? 0o755 : 0o644);
    }
  }));

  it('is reproducible: the same images give the same bytes', async () => withStore(async (store) => {
    await importBuffer(store, await randomRootfs(), 'x:1');
    assert.deepEqual(await save(store, ['x:1']), await save(store, ['x:1']));
  }));

  it('saving by ID writes no tag; a bare repository name saves all its tags', async () => withStore(async (store) => {
    const a = await importBuffer(store, await randomRootfs(), 'repo:1');
    await tagImage(store, 'repo:1', 'repo:2');
    const other = await importBuffer(store, await randomRootfs(), 'repo:3');
    await importBuffer(store, await randomRootfs(), 'elsewhere:1');
    const byId = await entriesOf(await save(store, [a.id.slice(7, 19)]));
    assert.deepEqual(JSON.parse(byId.find((e) => e.name === 'manifest.json')!.body.toString())[0].RepoTags, null);
    assert.equal(byId.some((e) => e.name === 'repositories'), false);
    const index = JSON.parse(byId.find((e) => e.name === 'index.json')!.body.toString()) as { manifests: { annotations?: unknown }[] };
    assert.deepEqual(index.manifests.map((m) => m.annotations), [undefined]);

    const targets = selectImagesToSave(await store.list(), ['repo']);
    assert.deepEqual(targets.map((t) => [t.record.id, t.refs.sort()]).sort(), [[a.id, ['docker.io/library/repo:1', 'docker.io/library/repo:2']], [other.id, ['docker.io/library/repo:3']]].sort());
    const merged = selectImagesToSave(await store.list(), ['repo:1', a.id, 'repo:2']);
    assert.deepEqual(merged.map((t) => t.refs), [['docker.io/library/repo:1', 'docker.io/library/repo:2']]);
    assert.throws(() => selectImagesToSave([], ['nope']), (e: StevedoreError) => e.code === 'IMAGE_NOT_FOUND');
  }));

  it('round trip: save, load into another store: the same IDs, manifests and tags', async () => withStore(async (store) => {
    const a = await importBuffer(store, await randomRootfs(), 'app:1', { changes: ['ENV A=1'] });
    const b = await importBuffer(store, await randomRootfs(), 'registry.example.com/x/b:7');
    const archive = await save(store, ['app:1', 'registry.example.com/x/b:7']);
    await withStore(async (other) => {
      const result = await loadArchive(other, { source: chunksOf(archive), sourceName: 'rt.tar' });
      assert.deepEqual(result.images.map((i) => [i.id, i.manifestDigest, i.refs]), [
        [a.id, a.manifestDigest, a.refs],
        [b.id, b.manifestDigest, b.refs],
      ]);
      // And saving again from the new store gives the very same archive.
      assert.deepEqual(await save(other, ['app:1', 'registry.example.com/x/b:7']), archive);
    });
  }));

  it('a corrupt blob in the store stops the archive before that entry is complete', async () => withStore(async (store) => {
    const a = await importBuffer(store, await randomRootfs(4, 100_000), 'bad:1');
    const layer = (await store.load(a)).manifest.layers[0]!;
    const path = store.blobs.path(layer.digest);
    const bytes = await readFile(path);
    bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 0xff;
    await chmod(path, 0o644);
    await writeFile(path, bytes);
    const chunks: Buffer[] = [];
    await assert.rejects(
      (async () => {
        for await (const c of saveArchive(store, selectImagesToSave(await store.list(), ['bad:1']))) chunks.push(Buffer.from(c));
      })(),
      (err: StevedoreError) => err.code === 'STORE_CORRUPT' && err.message.includes(layer.digest) && /system check --repair/.test(err.message),
    );
    // Whatever was written ends inside the layer's entry: no reader can take it as complete.
    const partial = Buffer.concat(chunks);
    await assert.rejects(entriesOf(partial));
  }));

  it('saves a layer it received uncompressed as it is, and load keeps it so', async () => withStore(async (store) => {
    const plain = await makeTar([{ name: 'f', content: 'plain' }]);
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(plain)] } }));
    const archive = await makeTar([
      { name: 'layer.tar', content: plain },
      { name: 'config.json', content: config },
      { name: 'manifest.json', content: JSON.stringify([{ Config: 'config.json', RepoTags: ['plain:1'], Layers: ['layer.tar'] }]) },
    ]);
    await loadArchive(store, { source: chunksOf(archive), sourceName: 'p.tar' });
    const entries = await entriesOf(await save(store, ['plain:1']));
    const layerEntry = entries.find((e) => e.name === `blobs/sha256/${sha256(plain).slice(7)}`);
    assert.ok(layerEntry, 'the plain layer is saved under its diffID');
    assert.deepEqual(layerEntry.body, plain);
  }));

  it('--uncompressed writes plain layers under their diffIDs, with a manifest for that form; the ID stays', async () => withStore(async (store) => {
    const rootfs = await randomRootfs(3, 30_000);
    const a = await importBuffer(store, rootfs, 'plain:1');
    const archive = await save(store, ['plain:1'], { uncompressed: true });
    const entries = await entriesOf(archive);
    const diffId = sha256(rootfs);
    const layer = entries.find((e) => e.name === `blobs/sha256/${diffId.slice(7)}`);
    assert.ok(layer);
    assert.deepEqual(layer.body, rootfs);
    const items = JSON.parse(entries.find((e) => e.name === 'manifest.json')!.body.toString()) as { Config: string; Layers: string[] }[];
    assert.deepEqual(items[0]!.Layers, [`blobs/sha256/${diffId.slice(7)}`]);
    assert.equal(items[0]!.Config, `blobs/sha256/${a.id.slice(7)}`);
    const index = JSON.parse(entries.find((e) => e.name === 'index.json')!.body.toString()) as { manifests: { digest: string }[] };
    const manifest = JSON.parse(entries.find((e) => e.name === `blobs/sha256/${index.manifests[0]!.digest.slice(7)}`)!.body.toString()) as { layers: { mediaType: string; digest: string; size: number }[] };
    assert.deepEqual(manifest.layers, [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: diffId, size: rootfs.length }]);
    const gzipBlob = `blobs/sha256/${(await store.load(a)).manifest.layers[0]!.digest.slice(7)}`;
    assert.equal(entries.some((e) => e.name === gzipBlob), false, 'the gzip blob is not written too');
    await withStore(async (other) => {
      const result = await loadArchive(other, { source: chunksOf(archive), sourceName: 'plain.tar' });
      assert.deepEqual(result.images.map((i) => [i.id, i.refs]), [[a.id, a.refs]]);
    });
  }));
});
