// A reusable contract for the image store, in the spirit of containerd's ContentSuite: anything
// that claims to be a Stevedore store must pass it. `open` makes a fresh, empty store.

import assert from 'node:assert/strict';
import { readdir, readFile, stat } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { sha256Digest } from '../../src/core/digest';
import { StevedoreError } from '../../src/core/errors';
import { checkStore } from '../../src/core/store/checkStore';
import type { ImageStore } from '../../src/core/store/imageStore';
import { pruneImages } from '../../src/core/store/pruneImages';
import { removeImages } from '../../src/core/store/removeImages';
import { tagImage } from '../../src/core/store/tagImage';
import { chunksOf, importBuffer, randomRootfs } from './fixtures';

export function storeContract(name: string, open: () => Promise<{ store: ImageStore; cleanup: () => Promise<void> }>): void {
  const withStore = (fn: (store: ImageStore) => Promise<void>) => async () => {
    const { store, cleanup } = await open();
    try {
      await fn(store);
    } finally {
      await cleanup();
    }
  };

  describe(`${name}: blob files (the content store contract is contentStoreContract.ts)`, () => {
    it('writes a blob verified against its digest and size, read-only, and reads it back', withStore(async (store) => {
      const data = Buffer.from('hello blob');
      const digest = sha256Digest(data);
      const result = await store.blobs.writeStream(chunksOf(data, 3), { digest, size: data.length });
      assert.deepEqual(result, { digest, size: data.length, existed: false });
      assert.equal((await readFile(store.blobs.path(digest))).toString(), 'hello blob');
      assert.equal((await stat(store.blobs.path(digest))).mode & 0o222, 0, 'blob must be read-only');
    }));

    it('reports an existing blob instead of writing it again', withStore(async (store) => {
      const data = Buffer.from('same');
      const first = await store.blobs.writeBytes(data);
      const before = await stat(store.blobs.path(first.digest));
      const second = await store.blobs.writeBytes(data);
      assert.equal(second.existed, true);
      assert.equal((await stat(store.blobs.path(first.digest))).ino, before.ino);
    }));

    it('leaves nothing in the ingest area after a refused blob', withStore(async (store) => {
      const data = Buffer.from('tampered');
      await assert.rejects(store.blobs.writeStream(chunksOf(data), { digest: sha256Digest('original'), size: data.length }), (err: StevedoreError) => err.code === 'DIGEST_MISMATCH');
      assert.deepEqual(await readdir(store.blobs.ingestDir), []);
    }));

    it('refuses digests that are not digests before touching the file system', withStore(async (store) => {
      assert.throws(() => store.blobs.path('sha256:../../etc/passwd'), (err: StevedoreError) => err.code === 'INVALID_ARGUMENT');
      assert.throws(() => store.blobs.path('md5:abc'), (err: StevedoreError) => err.code === 'INVALID_ARGUMENT');
    }));
  });

  describe(`${name}: images and references`, () => {
    it('starts as an empty OCI image layout', withStore(async (store) => {
      assert.deepEqual(JSON.parse(await readFile(store.layout.ociLayoutFile, 'utf8')), { imageLayoutVersion: '1.0.0' });
      const index = await store.readIndex();
      assert.equal(index.schemaVersion, 2);
      assert.deepEqual(index.manifests, []);
      assert.deepEqual(await store.list(), []);
    }));

    it('records a tagged image under its full reference in index.json', withStore(async (store) => {
      const record = await importBuffer(store, await randomRootfs(), 'app:1.0');
      assert.deepEqual(record.refs, ['docker.io/library/app:1.0']);
      const index = await store.readIndex();
      assert.equal(index.manifests.length, 1);
      assert.equal(index.manifests[0]!.annotations?.['org.opencontainers.image.ref.name'], 'docker.io/library/app:1.0');
      assert.equal((await store.find('app:1.0')).id, record.id);
      assert.equal((await store.find(record.id.slice(7, 19))).id, record.id);
      assert.equal((await store.find(record.id)).id, record.id);
    }));

    it('keeps an untagged import as a dangling image', withStore(async (store) => {
      const record = await importBuffer(store, await randomRootfs());
      const [listed] = await store.list();
      assert.equal(listed!.id, record.id);
      assert.deepEqual(listed!.refs, []);
      assert.equal((await store.readIndex()).manifests[0]!.annotations, undefined);
    }));

    it('moving a tag leaves the old image dangling, and prune removes it with its blobs', withStore(async (store) => {
      const first = await importBuffer(store, await randomRootfs(), 'app');
      const second = await importBuffer(store, await randomRootfs(), 'app');
      const records = await store.list();
      assert.equal(records.length, 2);
      assert.deepEqual(records.find((r) => r.id === first.id)!.refs, []);
      assert.deepEqual(records.find((r) => r.id === second.id)!.refs, ['docker.io/library/app:latest']);
      const firstLayers = (await store.load(first)).manifest.layers;
      const result = await pruneImages(store);
      assert.deepEqual(result.deletedImages, [first.id]);
      assert.ok(result.reclaimedBytes > 0);
      for (const l of firstLayers) assert.equal(await store.blobs.has(l.digest), false);
      assert.equal((await store.list()).length, 1);
    }));

    it('tag adds a reference; rmi of one tag only untags', withStore(async (store) => {
      const record = await importBuffer(store, await randomRootfs(), 'app:1');
      await tagImage(store, 'app:1', 'registry.example.com:5000/team/app:2');
      assert.deepEqual((await store.find('app:1')).refs, ['docker.io/library/app:1', 'registry.example.com:5000/team/app:2']);
      const result = await removeImages(store, ['app:1']);
      assert.deepEqual(result.events, [{ kind: 'untagged', value: 'app:1' }]);
      assert.equal((await store.find(record.id)).refs.length, 1);
      assert.equal(await store.blobs.has(record.manifestDigest), true);
    }));

    it('removing the last tag deletes the image and its unshared blobs', withStore(async (store) => {
      const record = await importBuffer(store, await randomRootfs(), 'app');
      const loaded = await store.load(record);
      const result = await removeImages(store, ['app']);
      assert.deepEqual(result.events, [{ kind: 'untagged', value: 'app:latest' }, { kind: 'deleted', value: record.id }]);
      assert.equal(await store.blobs.has(loaded.manifest.layers[0]!.digest), false);
      assert.equal(await store.blobs.has(record.manifestDigest), false);
      assert.deepEqual(await store.list(), []);
      assert.deepEqual(await readdir(`${store.layout.blobsDir}/sha256`), []);
    }));

    it('an ID with tags in several repositories needs force, and the error says so', withStore(async (store) => {
      const record = await importBuffer(store, await randomRootfs(), 'one');
      await tagImage(store, 'one', 'two');
      await assert.rejects(removeImages(store, [record.id.slice(7, 19)]).then((r) => {
        if (r.failures[0]) throw r.failures[0].error;
      }), /must be forced/);
      assert.equal((await store.list()).length, 1);
      const forced = await removeImages(store, [record.id.slice(7, 19)], { force: true });
      assert.deepEqual(forced.failures, []);
      assert.deepEqual(await store.list(), []);
    }));

    it('an ID with two tags in one repository needs force too, as moby\'s isSingleReference rules', withStore(async (store) => {
      const record = await importBuffer(store, await randomRootfs(), 'one:a');
      await tagImage(store, 'one:a', 'one:b');
      const refused = await removeImages(store, [record.id]);
      assert.equal(refused.failures[0]?.error.message, `conflict: unable to delete ${record.id.slice(7, 19)} (must be forced) - image is referenced in multiple repositories`);
      assert.deepEqual(refused.events, []);
      assert.deepEqual((await store.find(record.id)).refs, ['docker.io/library/one:a', 'docker.io/library/one:b']);
      const forced = await removeImages(store, [record.id], { force: true });
      assert.deepEqual(forced.events, [{ kind: 'untagged', value: 'one:a' }, { kind: 'untagged', value: 'one:b' }, { kind: 'deleted', value: record.id }]);
    }));

    it('an ID with one tag and digests of the same repository goes without force', withStore(async (store) => {
      const record = await importBuffer(store, await randomRootfs(), 'registry.example.com/app:1');
      const repoDigest = `registry.example.com/app@${record.manifestDigest}`;
      await store.addImage({ mediaType: record.manifestMediaType, digest: record.manifestDigest, size: record.manifestSize }, [], { repoDigests: [repoDigest] });
      const result = await removeImages(store, [record.id.slice(7, 19)]);
      assert.deepEqual(result.failures, []);
      assert.deepEqual(result.events, [{ kind: 'untagged', value: 'registry.example.com/app:1' }, { kind: 'untagged', value: repoDigest }, { kind: 'deleted', value: record.id }]);
      assert.deepEqual(await store.list(), []);
    }));

    it('rmi by repo digest twice: the first drops the digest from the image, the second is "No such image"', withStore(async (store) => {
      const record = await importBuffer(store, await randomRootfs(), 'registry.example.com/app:1');
      const repoDigest = `registry.example.com/app@${record.manifestDigest}`;
      await store.addImage({ mediaType: record.manifestMediaType, digest: record.manifestDigest, size: record.manifestSize }, [], { repoDigests: [repoDigest] });
      const first = await removeImages(store, [repoDigest]);
      assert.deepEqual(first.failures, []);
      assert.deepEqual(first.events, [{ kind: 'untagged', value: repoDigest }]);
      assert.deepEqual((await store.find(record.id)).repoDigests, []);
      const second = await removeImages(store, [repoDigest]);
      assert.deepEqual(second.events, []);
      assert.equal(second.failures[0]?.error.code, 'IMAGE_NOT_FOUND');
      assert.equal(second.failures[0]?.error.message, `No such image: ${repoDigest}`);
      // A digest that was never recorded for the repository is no name of the image either.
      const unknown = await removeImages(store, [`registry.example.com/other@${record.manifestDigest}`]);
      assert.equal(unknown.failures[0]?.error.code, 'IMAGE_NOT_FOUND');
      assert.deepEqual((await store.find(record.id)).refs, ['registry.example.com/app:1']);
    }));

    it('removing the last tag of a repository takes that repository\'s digests with it', withStore(async (store) => {
      const record = await importBuffer(store, await randomRootfs(), 'registry.example.com/app:1');
      await tagImage(store, 'registry.example.com/app:1', 'other:1');
      const repoDigest = `registry.example.com/app@${record.manifestDigest}`;
      await store.addImage({ mediaType: record.manifestMediaType, digest: record.manifestDigest, size: record.manifestSize }, [], { repoDigests: [repoDigest] });
      const result = await removeImages(store, ['registry.example.com/app:1']);
      assert.deepEqual(result.events, [{ kind: 'untagged', value: 'registry.example.com/app:1' }, { kind: 'untagged', value: repoDigest }]);
      const left = await store.find(record.id);
      assert.deepEqual([left.refs, left.repoDigests], [['docker.io/library/other:1'], []]);
    }));

    it('blobs shared by two images stay until the last one goes', withStore(async (store) => {
      const rootfs = await randomRootfs();
      const a = await importBuffer(store, rootfs, 'a', { message: 'first' });
      const b = await importBuffer(store, rootfs, 'b', { message: 'second' });
      assert.notEqual(a.id, b.id);
      const layer = (await store.load(a)).manifest.layers[0]!.digest;
      assert.equal((await store.load(b)).manifest.layers[0]!.digest, layer);
      await removeImages(store, ['a']);
      assert.equal(await store.blobs.has(layer), true);
      await removeImages(store, ['b']);
      assert.equal(await store.blobs.has(layer), false);
    }));

    it('rmi by repo digest untags the digest and deletes the image when nothing else names it', withStore(async (store) => {
      const record = await importBuffer(store, await randomRootfs());
      const repoDigest = `registry.example.com/team/app@${record.manifestDigest}`;
      await store.addImage({ mediaType: record.manifestMediaType, digest: record.manifestDigest, size: record.manifestSize }, [], { repoDigests: [repoDigest] });
      assert.deepEqual((await store.find(repoDigest)).repoDigests, [repoDigest]);
      const result = await removeImages(store, [repoDigest]);
      assert.deepEqual(result.failures, []);
      assert.deepEqual(result.events, [{ kind: 'untagged', value: repoDigest }, { kind: 'deleted', value: record.id }]);
      assert.deepEqual(await store.list(), []);
    }));

    it('garbage collection failing part-way (rmi, prune -a) leaves unused blobs, never an index naming a missing blob', withStore(async (store) => {
      for (let i = 0; i < 3; i++) await importBuffer(store, await randomRootfs(), `gc/fail:${i}`);
      const realRemove = store.blobs.removeSetAside.bind(store.blobs);
      let removals = 0;
      // The third blob removal fails, as a crash or an I/O error part-way through collection would.
      store.blobs.removeSetAside = async (path: string) => {
        if (++removals === 3) throw new Error('injected failure during garbage collection');
        return realRemove(path);
      };
      try {
        await removeImages(store, ['gc/fail:0']).catch(() => undefined);
        const severe = async () => (await checkStore(store)).problems.filter((p) => p.severe);
        assert.deepEqual(await severe(), []);
        removals = 0;
        await assert.rejects(pruneImages(store, { all: true }), /injected failure/);
        assert.deepEqual(await severe(), []);
        assert.deepEqual(await store.list(), [], 'the images are gone even though collecting their blobs failed');
      } finally {
        store.blobs.removeSetAside = realRemove;
      }
      // What the failed collections left is garbage, and the next one takes it.
      assert.ok((await checkStore(store)).problems.some((p) => p.kind === 'unreachable-blob'));
      await checkStore(store, { repair: true });
      assert.deepEqual((await checkStore(store)).problems, []);
    }));

    it('--no-prune keeps the blobs of a removed image', withStore(async (store) => {
      const record = await importBuffer(store, await randomRootfs(), 'a');
      await removeImages(store, ['a'], { noPrune: true });
      assert.equal(await store.blobs.has(record.manifestDigest), true);
    }));

    it('garbage collection spares blobs leased by a live operation', withStore(async (store) => {
      const lease = await store.leases.create();
      try {
        const blob = await store.blobs.writeBytes('in flight', {}, lease);
        await importBuffer(store, await randomRootfs(), 'x');
        await removeImages(store, ['x']);
        assert.equal(await store.blobs.has(blob.digest), true);
      } finally {
        await lease.release();
      }
    }));

    it('unknown names give IMAGE_NOT_FOUND with Docker\'s wording', withStore(async (store) => {
      await assert.rejects(store.find('nope'), (err: StevedoreError) => err.code === 'IMAGE_NOT_FOUND' && err.message === 'No such image: nope:latest');
      const result = await removeImages(store, ['nope:1']);
      assert.equal(result.failures[0]!.error.message, 'No such image: nope:1');
    }));

    it('concurrent updates in one process lose nothing', withStore(async (store) => {
      const base = await importBuffer(store, await randomRootfs(), 'base');
      await Promise.all(Array.from({ length: 20 }, (_, i) => tagImage(store, base.id, `t:${i}`)));
      assert.equal((await store.find('base')).refs.length, 21);
    }));
  });
}
