// Manifests, indexes and configs are decoded in one place: a document that lacks what the code
// relies on is refused there, with a message naming where it came from and the caller's error code,
// instead of being cast and failing later on an undefined field.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StevedoreError } from '../../src/core/errors';
import { decodeConfig, decodeImageDocument, decodeManifest, type DocumentSource } from '../../src/core/image/imageDocuments';
import { MediaType } from '../../src/core/image/mediaTypes';
import { loadImage } from '../../src/core/image/summary';
import { importBuffer, openTempStore, randomRootfs } from '../helpers/fixtures';

const source: DocumentSource = { what: 'The manifest for example.com/app:1', code: 'REGISTRY_ERROR' };
const digest = `sha256:${'a'.repeat(64)}`;
const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value));

function refused(run: () => unknown, code: string, pattern: RegExp): void {
  assert.throws(run, (err: unknown) => err instanceof StevedoreError && err.code === code && pattern.test(err.message));
}

describe('image documents', () => {
  it('tells an index from a manifest by header, own media type, or fields', () => {
    const manifest = { schemaVersion: 2, config: { mediaType: MediaType.ociConfig, digest, size: 2 }, layers: [] };
    const index = { schemaVersion: 2, manifests: [{ mediaType: MediaType.ociManifest, digest, size: 10 }] };
    assert.equal(decodeImageDocument(json(manifest), source).kind, 'manifest');
    assert.equal(decodeImageDocument(json(index), source).kind, 'index');
    assert.equal(decodeImageDocument(json({ ...index, mediaType: MediaType.dockerManifestList }), source).mediaType, MediaType.dockerManifestList);
    assert.equal(decodeImageDocument(json(manifest), source, MediaType.dockerManifest).mediaType, MediaType.dockerManifest);
  });

  it('refuses descriptors whose digest could name another file, or whose size is no byte count', () => {
    const bad = (layer: unknown) => json({ schemaVersion: 2, config: { mediaType: MediaType.ociConfig, digest, size: 2 }, layers: [layer] });
    refused(() => decodeManifest(bad({ mediaType: MediaType.ociLayerGzip, digest: 'sha256:../../etc/passwd', size: 1 }), source), 'REGISTRY_ERROR', /^The manifest for example\.com\/app:1 has layer 0 with digest .* which is not a digest\.$/);
    refused(() => decodeManifest(bad({ mediaType: MediaType.ociLayerGzip, digest, size: -1 }), source), 'REGISTRY_ERROR', /layer 0 with size -1, which is not a byte count/);
    refused(() => decodeManifest(bad({ mediaType: MediaType.ociLayerGzip, digest, size: '12' }), source), 'REGISTRY_ERROR', /size "12"/);
    refused(() => decodeManifest(json({ schemaVersion: 2, layers: [] }), source, MediaType.ociManifest), 'REGISTRY_ERROR', /has no config or layers/);
  });

  it('names schema 1 and unknown media types as unsupported, and JSON that is no object as malformed', () => {
    refused(() => decodeImageDocument(json({ schemaVersion: 1, fsLayers: [] }), source), 'UNSUPPORTED', /schema 1/);
    refused(() => decodeImageDocument(json({ schemaVersion: 2, mediaType: 'application/x-unknown' }), source), 'UNSUPPORTED', /application\/x-unknown/);
    refused(() => decodeImageDocument(Buffer.from('[1,2]'), source), 'REGISTRY_ERROR', /is not a JSON object/);
    refused(() => decodeImageDocument(Buffer.from('{"schemaVersion":'), source), 'REGISTRY_ERROR', /is not valid JSON/);
  });

  it('requires a config to have os, architecture and digests for diffIDs', () => {
    const configSource: DocumentSource = { what: 'archive.tar: "abc.json"', code: 'INVALID_ARCHIVE', advice: 'Nothing was loaded.' };
    const good = { os: 'linux', architecture: 'amd64', rootfs: { type: 'layers', diff_ids: [digest] } };
    assert.deepEqual(decodeConfig(json(good), configSource).rootfs.diff_ids, [digest]);
    refused(() => decodeConfig(json({ ...good, os: undefined }), configSource), 'INVALID_ARCHIVE', /^archive\.tar: "abc\.json" is not an image config .*Nothing was loaded\.$/);
    refused(() => decodeConfig(json({ ...good, rootfs: { type: 'layers', diff_ids: ['nope'] } }), configSource), 'INVALID_ARCHIVE', /diffID 0 "nope"/);
    refused(() => decodeConfig(json({ ...good, history: 'x' }), configSource), 'INVALID_ARCHIVE', /"history" that is not a list/);
  });

  it('a damaged config in the store is STORE_CORRUPT with the way to repair it', async () => {
    const { store, cleanup } = await openTempStore();
    try {
      const record = await importBuffer(store, await randomRootfs(1, 1000), 'docs/img:1');
      const image = await loadImage(store.blobs, { digest: record.manifestDigest, mediaType: record.manifestMediaType, size: record.manifestSize });
      // Replace the config blob with an object that is no image config (what a foreign tool could leave).
      const path = store.blobs.path(image.manifest.config.digest);
      const { chmod, writeFile } = await import('node:fs/promises');
      await chmod(path, 0o644);
      await writeFile(path, '{"hello":"world"}');
      await assert.rejects(
        loadImage(store.blobs, { digest: record.manifestDigest, mediaType: record.manifestMediaType, size: record.manifestSize }),
        (err: unknown) => err instanceof StevedoreError && err.code === 'STORE_CORRUPT' && /^Config sha256:[a-f0-9]{64} in the image store is not an image config.*system check --repair/.test(err.message),
      );
    } finally {
      await cleanup();
    }
  });
});
