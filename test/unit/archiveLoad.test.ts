// Loading every archive layout in the field, built by code, into a real store; and bad archives,
// each failing with its own message and leaving the store exactly as it was.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as tar from 'tar-stream';
import { loadArchive, type LoadResult } from '../../src/core/archive/loadArchive';
import { layerShortId } from '../../src/core/transfer/layerShortId';
import type { TransferListener } from '../../src/core/transfer/transferEvent';
import { discardArchive, findFile, readArchive } from '../../src/core/archive/readArchive';
import { CancelledError, type StevedoreError } from '../../src/core/errors';
import { checkStore } from '../../src/core/store/checkStore';
import type { ImageStore } from '../../src/core/store/imageStore';
import {
  classicDockerEntries,
  containersArchiveEntries,
  docker25Entries,
  fixtureImage,
  fullRef,
  ggcrEntries,
  hexOf,
  moveToEnd,
  multiPlatformEntries,
  ociLayoutEntries,
  sha256,
  smallImage,
  tarOf,
  type FixtureImage,
} from '../helpers/archiveFixtures';
import { chunksOf, gzip, importBuffer, openTempStore, randomRootfs, type TarFile } from '../helpers/fixtures';
import { storeSnapshot } from '../helpers/storeSnapshot';

async function load(store: ImageStore, archive: Buffer, extra: { signal?: AbortSignal; onEvent?: TransferListener; chunk?: number } = {}): Promise<LoadResult> {
  return loadArchive(store, { source: chunksOf(archive, extra.chunk ?? 64 * 1024), sourceName: 'test.tar', ...extra });
}

async function withStore(fn: (store: ImageStore) => Promise<void>): Promise<void> {
  const { store, cleanup } = await openTempStore();
  try {
    await fn(store);
  } finally {
    await cleanup();
  }
}

async function expectLoaded(store: ImageStore, images: readonly FixtureImage[], result: LoadResult): Promise<void> {
  assert.deepEqual(result.images.map((i) => i.id), images.map((i) => i.configDigest));
  assert.deepEqual(result.images.map((i) => i.refs), images.map((i) => i.tags.map(fullRef)));
  for (const image of images) {
    const record = await store.find(image.configDigest);
    const loaded = await store.load(record);
    assert.deepEqual(loaded.config.rootfs.diff_ids, image.layers.map((l) => l.diffId));
    for (const tag of image.tags) assert.equal((await store.find(tag)).id, image.configDigest);
  }
  const check = await checkStore(store);
  assert.deepEqual(check.problems, []);
}

describe('load: archive layouts of every tool', () => {
  let a: FixtureImage;
  let b: FixtureImage;
  before(async () => {
    a = await smallImage(['fixture/a:1', 'fixture/a:latest'], 'a');
    b = await smallImage(['registry.example.com:5000/team/b:2'], 'b');
  });

  it('classic docker save (<id>/layer.tar), several images, manifest.json last', async () => withStore(async (store) => {
    const result = await load(store, await tarOf(classicDockerEntries([a, b])));
    await expectLoaded(store, [a, b], result);
    // Uncompressed layers are kept as they are: their digest is their diffID.
    const layers = (await store.load(await store.find('fixture/a:1'))).manifest.layers;
    assert.deepEqual(layers.map((l) => [l.digest, l.mediaType]), a.layers.map((l) => [l.diffId, 'application/vnd.oci.image.layer.v1.tar']));
  }));

  it('classic docker save with manifest.json first, fed one byte at a time in places', async () => withStore(async (store) => {
    const entries = classicDockerEntries([a]);
    const first = [...entries.filter((e) => e.name === 'manifest.json'), ...entries.filter((e) => e.name !== 'manifest.json')];
    await expectLoaded(store, [a], await load(store, await tarOf(first), { chunk: 700 }));
  }));

  it('Docker 25+ dual format: keeps the archive\'s OCI manifest byte for byte', async () => withStore(async (store) => {
    const result = await load(store, await tarOf(docker25Entries([a, b])));
    await expectLoaded(store, [a, b], result);
    assert.equal(result.images[0]!.manifestDigest, sha256(a.plainManifest));
  }));

  it('Docker 25+ with manifest.json naming the legacy symlinks', async () => withStore(async (store) => {
    await expectLoaded(store, [a], await load(store, await tarOf(moveToEnd(docker25Entries([a], { manifestNames: 'symlinks' }), 'blobs/sha256/' + hexOf(a.layers[0]!.diffId)))));
  }));

  it('podman save / skopeo docker-archive (<diffID>.tar, symlinked legacy folders)', async () => withStore(async (store) => {
    await expectLoaded(store, [a, b], await load(store, await tarOf(containersArchiveEntries([a, b]))));
  }));

  it('go-containerregistry tarball: gzip layers verified by inflating them in the same pass', async () => withStore(async (store) => {
    await expectLoaded(store, [a], await load(store, await tarOf(ggcrEntries([a]))));
    const layers = (await store.load(await store.find('fixture/a:1'))).manifest.layers;
    assert.deepEqual(layers.map((l) => [l.digest, l.mediaType]), a.layers.map((l) => [l.gzDigest, 'application/vnd.oci.image.layer.v1.tar+gzip']));
  }));

  it('OCI layouts: names from ref.name (full reference) or io.containerd.image.name', async () => withStore(async (store) => {
    await expectLoaded(store, [a, b], await load(store, await tarOf(ociLayoutEntries([a, b], 'ref-name'))));
    const other = await smallImage(['fixture/c:3'], 'c');
    await expectLoaded(store, [other], await load(store, await tarOf(ociLayoutEntries([other], 'containerd'))));
  }));

  it('OCI layouts with a bare tag as ref.name, or no name, load untagged', async () => withStore(async (store) => {
    for (const naming of ['tag-only', 'none'] as const) {
      const result = await load(store, await tarOf(ociLayoutEntries([a], naming)));
      assert.deepEqual(result.images, [{ id: a.configDigest, manifestDigest: sha256(a.gzManifest), refs: [] }]);
    }
    assert.deepEqual((await store.list()).map((r) => r.refs), [[]]);
  }));

  it('a multi-platform index: the manifest present in the archive is chosen', async () => withStore(async (store) => {
    const result = await load(store, await tarOf(multiPlatformEntries(a, 'fixture/a:multi')));
    assert.deepEqual(result.images.map((i) => [i.id, i.manifestDigest, i.refs]), [[a.configDigest, sha256(a.gzManifest), [fullRef('fixture/a:multi')]]]);
  }));

  it('a source that reads into a chunk\'s memory again once the next chunk is asked for (an engine\'s export does)', async () => {
    // Each chunk is a view of one buffer that is scribbled over as soon as the load asks for more:
    // whatever the load keeps past that (a small file, the head it sniffs, what an inflater holds)
    // must be a copy, or the digests come out wrong.
    async function* scribbled(archive: Buffer, size: number): AsyncGenerator<Uint8Array> {
      const memory = Buffer.alloc(size);
      for (let at = 0; at < archive.length; at += size) {
        const n = archive.copy(memory, 0, at, Math.min(at + size, archive.length));
        yield memory.subarray(0, n);
        memory.fill(0xa5);
      }
    }
    const archives = [await tarOf(classicDockerEntries([a, b])), await tarOf(ggcrEntries([a])), await tarOf(ociLayoutEntries([a, b], 'ref-name'))];
    for (const [i, archive] of [...archives, gzip(archives[0]!)].entries()) {
      for (const size of [700, 64 * 1024]) {
        await withStore(async (store) => {
          const result = await loadArchive(store, { source: scribbled(archive, size), sourceName: 'test.tar' });
          await expectLoaded(store, i === 1 ? [a] : [a, b], result);
        });
      }
    }
  });

  it('a gzip-compressed archive', async () => withStore(async (store) => {
    await expectLoaded(store, [a], await load(store, gzip(await tarOf(classicDockerEntries([a])))));
  }));

  it('loading the same image again, in another layout, names the stored image instead of adding a twin', async () => withStore(async (store) => {
    const first = await load(store, await tarOf(classicDockerEntries([a])));
    const second = await load(store, await tarOf(ociLayoutEntries([{ ...a, tags: ['fixture/a:again'] }], 'ref-name')));
    assert.equal(second.images[0]!.manifestDigest, first.images[0]!.manifestDigest);
    const records = await store.list();
    assert.equal(records.length, 1);
    assert.deepEqual(records[0]!.refs, [fullRef('fixture/a:1'), fullRef('fixture/a:again'), fullRef('fixture/a:latest')]);
  }));

  it('reports a tag taken from another image, as Docker does', async () => withStore(async (store) => {
    const old = await importBuffer(store, await randomRootfs(), 'fixture/a:1');
    const result = await load(store, await tarOf(classicDockerEntries([a])));
    assert.deepEqual(result.moved, [{ ref: fullRef('fixture/a:1'), previousId: old.id }]);
    assert.deepEqual((await store.find(old.id)).refs, []);
  }));

  it('reports progress per layer, with sizes, as data', async () => withStore(async (store) => {
    const events: { id: string; current: number; total: number; done: boolean }[] = [];
    await load(store, await tarOf(docker25Entries([a])), { onEvent: (e) => e.kind === 'layer' && events.push({ id: layerShortId(e.id), current: e.current, total: e.total, done: e.state === 'done' }) });
    const done = events.filter((e) => e.done);
    assert.deepEqual(done.map((e) => [e.id, e.current, e.total]), a.layers.map((l) => [hexOf(l.diffId).slice(0, 12), l.plain.length, l.plain.length]));
    assert.ok(events.every((e) => e.current <= e.total));
  }));

  it('a blob the store already has is only hashed, and still checked against its name', async () => withStore(async (store) => {
    await load(store, await tarOf(docker25Entries([a])));
    const before = await storeSnapshot(store.root);
    const again = await load(store, await tarOf(docker25Entries([a])));
    assert.equal(again.images[0]!.id, a.configDigest);
    const after = await storeSnapshot(store.root);
    assert.deepEqual([after.blobs, after.ingest, after.leases], [before.blobs, [], []]);
    const layerName = `blobs/sha256/${hexOf(a.layers[0]!.diffId)}`;
    const tampered = docker25Entries([a]).map((e) => (e.name === layerName ? { ...e, content: Buffer.concat([(e.content as Buffer).subarray(0, 1000), Buffer.alloc((e.content as Buffer).length - 1000, 1)]) } : e));
    await assert.rejects(load(store, await tarOf(tampered)), (err: StevedoreError) => err.code === 'DIGEST_MISMATCH' && err.message.includes(`"${layerName}" does not match its name`));
  }));

  it('an image with no layers loads too', async () => withStore(async (store) => {
    const empty = await fixtureImage(['fixture/empty:1'], []);
    await expectLoaded(store, [empty], await load(store, await tarOf(classicDockerEntries([empty]))));
  }));

  it('50,000 tiny junk entries around a real image: the image loads, and only its files are staged', async () => withStore(async (store) => {
    const junk = (from: number, count: number): TarFile[] => Array.from({ length: count }, (_, i) => ({ name: `junk/${(from + i) % 100}/file${from + i}.txt`, content: `junk ${from + i}\n` }));
    // Junk before and after the image, manifest.json last, and a junk name reused (the later one wins).
    const entries = [...junk(0, 25_000), ...moveToEnd(ggcrEntries([a]), 'manifest.json'), ...junk(25_000, 25_000)];
    const archive = await tarOf(entries);
    await store.leases.with(async (lease) => {
      const contents = await readArchive(store.blobs, lease, chunksOf(archive, 64 * 1024), { what: 'test.tar' });
      try {
        // Old behaviour: each junk entry became a staged blob (an ingest file each), 50,000 of them.
        assert.ok(contents.files.size < 10, `${contents.files.size} files staged`);
        assert.equal(contents.spill?.count, 50_001); // the ggcr config (named sha256:…) is small, not a layer
        const config = await findFile(contents, a.configDigest);
        assert.equal(config?.digest, a.configDigest);
        assert.equal((await findFile(contents, 'junk/7/file49907.txt'))?.bytes?.toString(), 'junk 49907\n');
        assert.equal(await findFile(contents, 'junk/7/nothing.txt'), undefined);
      } finally {
        await discardArchive(contents);
      }
    });
    const before = await storeSnapshot(store.root);
    assert.deepEqual(before.ingest, [], 'the spill file is removed with the rest of the archive');
    await expectLoaded(store, [a], await load(store, archive));
    assert.deepEqual((await storeSnapshot(store.root)).ingest, []);
  }));
});

describe('load: bad archives fail clearly and change nothing', () => {
  let store: ImageStore;
  let cleanup: () => Promise<void>;
  let a: FixtureImage;
  before(async () => {
    ({ store, cleanup } = await openTempStore());
    await importBuffer(store, await randomRootfs(), 'already/here:1');
    a = await smallImage(['fixture/a:1'], 'bad');
  });
  after(() => cleanup());

  const classic = (): TarFile[] => classicDockerEntries([a]);
  const layerPath = (): string => classic().find((e) => e.name.endsWith('/layer.tar'))!.name;
  const cases: [string, () => Promise<Buffer>, RegExp, string][] = [
    ['a truncated archive', async () => (await tarOf(classic())).subarray(0, 30_000), /is truncated: it ends in the middle of ".*layer\.tar"/, 'INVALID_ARCHIVE'],
    ['a file that is not a tar', async () => Buffer.from('this is not a tarball\n'.repeat(100)), /is not a tar archive \(its first header is not a valid tar header\)/, 'INVALID_ARCHIVE'],
    ['a tiny file that is not a tar', async () => Buffer.from('hello'), /is not a tar archive: it ends before the first header is complete/, 'INVALID_ARCHIVE'],
    ['an empty file', async () => Buffer.alloc(0), /test\.tar is empty/, 'INVALID_ARCHIVE'],
    ['a truncated gzip archive', async () => {
      const whole = gzip(await tarOf(classic()));
      return whole.subarray(0, whole.length >> 1);
    }, /not a valid gzip stream/, 'INVALID_ARCHIVE'],
    ['a root filesystem tar, not an image archive', async () => randomRootfs(), /not an image archive: it has neither manifest\.json nor index\.json.*stevedore import/, 'INVALID_ARCHIVE'],
    ['a manifest naming a missing layer', async () => tarOf(classic().filter((e) => e.name !== layerPath())), /manifest\.json names layer ".*\/layer\.tar" for fixture\/a:1, but the archive has no such file/, 'INVALID_ARCHIVE'],
    ['a manifest naming a missing config', async () => tarOf(classic().filter((e) => !e.name.endsWith('.json') || e.name === 'manifest.json')), /manifest\.json names the config ".*\.json", but the archive has no such file/, 'INVALID_ARCHIVE'],
    ['a layer that does not match the config\'s diffID', async () => tarOf(classic().map((e) => (e.name === layerPath() ? { ...e, content: Buffer.concat([e.content as Buffer, Buffer.alloc(512)]) } : e))), /layer ".*\/layer\.tar" of fixture\/a:1 does not match the image config: its uncompressed content hashes to sha256:[a-f0-9]{64}, but the config expects/, 'DIGEST_MISMATCH'],
    ['a blob whose content does not match its name', async () => tarOf(docker25Entries([a]).map((e) => (e.name === `blobs/sha256/${hexOf(a.layers[1]!.diffId)}` ? { ...e, content: a.layers[0]!.plain } : e))), /"blobs\/sha256\/[a-f0-9]{64}" does not match its name: its content hashes to/, 'DIGEST_MISMATCH'],
    ['a config that does not match its name', async () => tarOf(classic().map((e) => (e.name === `${hexOf(a.configDigest)}.json` ? { ...e, content: Buffer.from((e.content as Buffer).toString().replace('"amd64"', '"arm64"')) } : e))), /the config "[a-f0-9]{64}\.json" does not match its name/, 'DIGEST_MISMATCH'],
    ['a blob name that is not a digest', async () => tarOf([...docker25Entries([a]), { name: 'blobs/sha256/not-a-digest', content: 'x' }]), /blob "blobs\/sha256\/not-a-digest" whose name is not a valid digest/, 'INVALID_ARCHIVE'],
    ['an entry climbing out with ..', async () => tarOf([{ name: '../evil', content: 'x' }, ...classic()]), /climbs out of its root: "\.\.\/evil"/, 'INVALID_ARCHIVE'],
    ['an entry with an absolute path', async () => tarOf([...classic(), { name: '/etc/evil', content: 'x' }]), /absolute path: "\/etc\/evil"/, 'INVALID_ARCHIVE'],
    ['a symlink escaping the archive', async () => tarOf([{ name: 'x/layer.tar', type: 'symlink', linkname: '../../etc/passwd' }, ...classic()]), /link "x\/layer\.tar" that points outside the archive \("\.\.\/\.\.\/etc\/passwd"\)/, 'INVALID_ARCHIVE'],
    ['an absolute symlink', async () => tarOf([...classic(), { name: 'abs', type: 'symlink', linkname: '/etc/passwd' }]), /link "abs" that points outside the archive/, 'INVALID_ARCHIVE'],
    ['a hard link escaping the archive', async () => tarOf([...classic(), { name: 'hard', type: 'link', linkname: '../../etc/shadow' }]), /link "hard" that points outside the archive/, 'INVALID_ARCHIVE'],
    ['a symlink loop named by the manifest', async () => {
      const entries = classic().filter((e) => e.name !== layerPath());
      return tarOf([...entries, { name: layerPath(), type: 'symlink', linkname: 'loop' }, { name: layerPath().replace('layer.tar', 'loop'), type: 'symlink', linkname: 'layer.tar' }]);
    }, /too many levels of links/, 'INVALID_ARCHIVE'],
    ['a huge manifest.json', async () => tarOf([{ name: 'manifest.json', content: Buffer.alloc(9 * 1024 * 1024, 0x20) }]), /"manifest\.json" is 9437184 bytes, more than the 8 MiB allowed/, 'INVALID_ARCHIVE'],
    ['a manifest.json that is not JSON', async () => tarOf([...classic().filter((e) => e.name !== 'manifest.json'), { name: 'manifest.json', content: '[{"Config": ' }]), /the manifest list "manifest\.json" is not valid JSON/, 'INVALID_ARCHIVE'],
    ['an invalid tag in RepoTags', async () => tarOf(classic().map((e) => (e.name === 'manifest.json' ? { ...e, content: (e.content as string).replace('fixture/a:1', 'Fixture/A:1') } : e))), /manifest\.json has an invalid tag "Fixture\/A:1"/, 'INVALID_ARCHIVE'],
    ['an OCI index naming a blob that is not there', async () => tarOf(ociLayoutEntries([a]).filter((e) => e.name !== `blobs/sha256/${hexOf(a.layers[1]!.gzDigest)}`)), /a layer of fixture\/a:1, sha256:[a-f0-9]{64}, is not in the archive/, 'INVALID_ARCHIVE'],
    ['a corrupt gzip layer', async () => tarOf(ggcrEntries([a]).map((e) => (e.name.endsWith('.tar.gz') ? { ...e, content: Buffer.concat([(e.content as Buffer).subarray(0, 20), Buffer.alloc(200, 7)]) } : e))), /is not a valid gzip stream/, 'INVALID_ARCHIVE'],
    ['an extended header larger than 4 MiB', async () => paxBomb(), /extended tar header larger than 4 MiB/, 'INVALID_ARCHIVE'],
  ];

  for (const [label, make, pattern, code] of cases) {
    it(`${label}`, async () => {
      const before = await storeSnapshot(store.root);
      await assert.rejects(load(store, await make()), (err: StevedoreError) => {
        assert.match(err.message, pattern);
        assert.equal(err.code, code);
        return true;
      });
      assert.deepEqual(await storeSnapshot(store.root), before);
    });
  }

  it('every bad archive above has its own message', () => {
    assert.equal(new Set(cases.map(([, , pattern]) => pattern.source)).size, cases.length);
  });

  it('cancelling half-way leaves the store unchanged and says so', async () => {
    const before = await storeSnapshot(store.root);
    const controller = new AbortController();
    const archive = await tarOf(classicDockerEntries([await smallImage(['fixture/cancel:1'], 'cancel')]));
    await assert.rejects(
      load(store, archive, {
        signal: controller.signal,
        chunk: 4096,
        onEvent: (e) => e.kind === 'layer' && controller.abort(),
      }),
      CancelledError,
    );
    assert.deepEqual(await storeSnapshot(store.root), before);
  });
});

/** A tar whose first entry carries a 5 MiB PAX header: far beyond anything an image archive needs. */
async function paxBomb(): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve) => pack.on('end', () => resolve()));
  pack.entry({ name: 'manifest.json', pax: { comment: 'x'.repeat(5 * 1024 * 1024) } }, '[]');
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}


