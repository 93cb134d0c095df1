// Layer analysis of fixture images whose every status, size and score is worked out by hand: the
// three-layer image of helpers/layeredImages.ts (additions, modifications, deletions by whiteout,
// an opaque directory, a hard link, symlinks, implicit parents), plus focused cases.

import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { CancelledError, StevedoreError } from '../../src/core/errors';
import { ChangeStatus, filterTree, NodeFlag, nodeStatus, nodeType, NodeType, subtreeEnds, treeDepths, treePath, type CompactTree } from '../../src/core/layers/compactTree';
import { analyseImageLayers, type ImageLayers } from '../../src/core/layers/imageLayers';
import { layerCacheDir, layerCachePath } from '../../src/core/layers/layerCache';
import type { ImageRecord, ImageStore } from '../../src/core/store/imageStore';
import { removeImages } from '../../src/core/store/removeImages';
import { openTempStore } from '../helpers/fixtures';
import { bulkTar, exampleLayers, layerTar, storeLayeredImage } from '../helpers/layeredImages';

const STATUS = ['=', 'A', 'M', 'D'];

/** One line per node: status letter (= unmodified), marks, path, size; easy to compare whole. */
function describeTree(tree: CompactTree, onlyTouched = false): string[] {
  const lines: string[] = [];
  for (let i = 1; i < tree.count; i++) {
    const flags = tree.flags[i]!;
    const listed = (flags & NodeFlag.listed) !== 0;
    if (onlyTouched && nodeStatus(flags) === ChangeStatus.unmodified && !listed) continue;
    const marks = [listed ? 'listed' : '', flags & NodeFlag.implicit ? 'implicit' : '', flags & NodeFlag.opaque ? 'opaque' : ''].filter(Boolean).join(',');
    const type = ['f', 'd', 'l', 'h', 'c', 'b', 'p'][nodeType(flags)];
    lines.push(`${STATUS[nodeStatus(flags)]} ${type} ${treePath(tree, i)} ${tree.size[i]}${marks ? ` [${marks}]` : ''}`);
  }
  return lines;
}

describe('layer analysis: a three-layer image', () => {
  let store: ImageStore;
  let cleanup: () => Promise<void>;
  let record: ImageRecord;
  let layers: ImageLayers;

  before(async () => {
    ({ store, cleanup } = await openTempStore());
    record = await storeLayeredImage(store, await exampleLayers(), 'example/layers:1');
    layers = await analyseImageLayers(await store.load(record));
  });
  after(() => cleanup());

  it('counts what each layer adds, modifies and deletes, and the bytes involved', () => {
    const changes = layers.analysis.layers.map((l) => l.changes);
    assert.deepEqual(changes, [
      { entries: 17, added: 17, modified: 0, unmodified: 0, deleted: 0, addedBytes: 6173, modifiedBytes: 0, deletedBytes: 0, contentBytes: 6173, wastedBytes: 6148, hidesBytes: 0 },
      { entries: 9, added: 4, modified: 2, unmodified: 3, deleted: 3, addedBytes: 70, modifiedBytes: 150, deletedBytes: 5030, contentBytes: 231, wastedBytes: 150, hidesBytes: 5141 },
      { entries: 4, added: 1, modified: 2, unmodified: 0, deleted: 2, addedBytes: 0, modifiedBytes: 1150, deletedBytes: 7, contentBytes: 1150, wastedBytes: 0, hidesBytes: 1157 },
    ]);
  });

  it('wasted bytes are what later layers overwrite or delete, and add up with the visible bytes', () => {
    const a = layers.analysis;
    assert.equal(a.contentBytes, 7554);
    assert.equal(a.finalBytes, 1256);
    assert.equal(a.finalFiles, 8);
    assert.equal(a.wastedBytes, 6298);
    assert.equal(a.finalBytes + a.wastedBytes, a.contentBytes);
    assert.equal(a.userContentBytes, 231 + 1150);
    assert.deepEqual(a.wasted, [
      { path: '/var/cache/big.bin', wastedBytes: 5000, hiddenVersions: 1, finalLayer: null },
      { path: '/usr/bin/tool', wastedBytes: 1000, hiddenVersions: 1, finalLayer: 2 },
      { path: '/etc/hosts', wastedBytes: 250, hiddenVersions: 2, finalLayer: 2 },
      { path: '/etc/conf.d/b.conf', wastedBytes: 20, hiddenVersions: 1, finalLayer: null },
      { path: '/etc/passwd', wastedBytes: 11, hiddenVersions: 1, finalLayer: 1 },
      { path: '/etc/conf.d/a.conf', wastedBytes: 10, hiddenVersions: 1, finalLayer: null },
      { path: '/opt/keep.txt', wastedBytes: 7, hiddenVersions: 1, finalLayer: null },
    ]);
  });

  it("computes dive's efficiency score and wasted space by dive's formula", () => {
    // Per path, dive sums every size a layer's leaf had (a deleted file counts 0, a deleted directory
    // the size of what it held) and keeps the smallest:
    //   passwd 11+11 (min 11), os-release 25, hosts 100+150+150 (min 100), a.conf 10, b.conf 20,
    //   tool 1000+1000 (min 1000), big.bin 5000+0 (min 0), keep.txt 7, c.conf 30, notes.txt 40,
    //   opt (whiteout of a directory) 7, and zero-sized links and directories.
    const minimum = 11 + 25 + 100 + 10 + 20 + 1000 + 0 + 7 + 30 + 40 + 7;
    const cumulative = 22 + 25 + 400 + 10 + 20 + 2000 + 5000 + 7 + 30 + 40 + 7;
    assert.equal(layers.analysis.efficiency, minimum / cumulative);
    // dive's "wasted space": all versions of the paths seen in more than one layer.
    assert.equal(layers.analysis.diveWastedBytes, 22 + 400 + 2000 + 5000);
    // The inspector's efficiency is 1 − wasted ÷ stored, so it agrees with the wasted figure.
    assert.equal(layers.analysis.visibleEfficiency, 1 - layers.analysis.wastedBytes / layers.analysis.contentBytes);
  });

  it('pairs layers with their digests, diffIDs, sizes and history steps', async () => {
    const image = await store.load(record);
    for (const [i, l] of layers.analysis.layers.entries()) {
      assert.equal(l.digest, image.manifest.layers[i]!.digest);
      assert.equal(l.diffId, image.config.rootfs.diff_ids[i]);
      assert.equal(l.size, image.manifest.layers[i]!.size);
      assert.equal(l.historyIndex, i);
    }
    assert.equal(layers.analysis.layers[1]!.uncompressedSize, (await exampleLayers())[1]!.tar!.length);
    assert.deepEqual(
      layers.analysis.history.map((h) => [h.createdBy, h.layer]),
      [['ADD rootfs.tar /', 0], ['RUN configure', 1], ['RUN tidy', 2]],
    );
    assert.equal(layers.analysis.configDigest, record.id);
  });

  it("layer 1's tree: an opaque directory, a whiteout, modifications, implicit parents", () => {
    assert.deepEqual(describeTree(layers.layerTree(1)), [
      '= d /etc 191 [listed]',
      '= d /etc/conf.d 30 [listed,opaque]',
      'D f /etc/conf.d/a.conf 10',
      'D f /etc/conf.d/b.conf 20',
      'A f /etc/conf.d/c.conf 30 [listed]',
      'M f /etc/hosts 150 [listed]',
      '= f /etc/passwd 11 [listed]',
      'A d /home 40 [implicit]',
      'A d /home/user 40 [implicit]',
      'A f /home/user/notes.txt 40 [listed]',
      '= d /usr 0',
      '= d /usr/bin 0',
      'M l /usr/bin/sh 0 [listed]',
      '= d /var 0',
      '= d /var/cache 0',
      'D f /var/cache/big.bin 5000 [listed]',
    ]);
  });

  it("layer 2's tree: a deleted directory with its contents, metadata-only modifications", () => {
    assert.deepEqual(describeTree(layers.layerTree(2), true), [
      'M f /etc/hosts 150 [listed]',
      'D d /opt 7 [listed]',
      'D f /opt/keep.txt 7',
      'A d /tmp 0 [listed]',
      'M f /usr/bin/tool 1000 [listed]',
    ]);
    const tree = layers.layerTree(2);
    const hosts = tree.name.indexOf('hosts');
    assert.equal(tree.mode[hosts], 0o600);
    const tool = tree.name.indexOf('tool');
    assert.equal(tree.uid[tool], 1000);
    assert.equal(tree.source[tool], 2);
  });

  it('the base layer adds everything, links included', () => {
    const tree = layers.layerTree(0);
    const lines = describeTree(tree);
    assert.equal(lines.length, 17);
    assert.ok(lines.every((l) => l.startsWith('A ')));
    const links = new Map(tree.links.map(([i, target]) => [treePath(tree, i), target]));
    assert.deepEqual(Object.fromEntries(links), { '/usr/bin/sh': 'tool', '/usr/bin/tool-link': 'usr/bin/tool' });
    assert.equal(nodeType(tree.flags[tree.name.indexOf('tool-link')]!), NodeType.hardlink);
  });

  it('the merged tree after each layer is the union filesystem, with that layer\'s deletions marked', () => {
    assert.deepEqual(describeTree(layers.mergedTree(2)), [
      '= d /etc 216',
      '= d /etc/conf.d 30',
      '= f /etc/conf.d/c.conf 30',
      'M f /etc/hosts 150 [listed]',
      '= f /etc/os-release 25',
      '= f /etc/passwd 11',
      '= d /home 40 [implicit]',
      '= d /home/user 40 [implicit]',
      '= f /home/user/notes.txt 40',
      'D d /opt 7 [listed]',
      'D f /opt/keep.txt 7',
      'A d /tmp 0 [listed]',
      '= d /usr 1000',
      '= d /usr/bin 1000',
      '= l /usr/bin/sh 0',
      'M f /usr/bin/tool 1000 [listed]',
      '= h /usr/bin/tool-link 0',
      '= d /var 0',
      '= d /var/cache 0',
    ]);
    const merged0 = layers.mergedTree(0);
    assert.equal(merged0.size[0], 6173);
    assert.deepEqual(
      describeTree(layers.mergedTree(1)).filter((l) => l.includes('/etc/conf.d') || l.includes('/var/cache')),
      ['= d /etc/conf.d 30 [listed,opaque]', 'D f /etc/conf.d/a.conf 10', 'D f /etc/conf.d/b.conf 20', 'A f /etc/conf.d/c.conf 30 [listed]', '= d /var/cache 0', 'D f /var/cache/big.bin 5000 [listed]'],
    );
    // The root of the final merged tree holds exactly the visible bytes.
    assert.equal(layers.mergedTree().size[0], layers.analysis.finalBytes);
  });

  it('trees are plain JSON, and the helpers the webview uses work on them', () => {
    const tree = layers.mergedTree(1);
    assert.deepEqual(JSON.parse(JSON.stringify(tree)), tree);
    const ends = subtreeEnds(tree);
    const depths = treeDepths(tree);
    const etc = tree.name.indexOf('etc');
    // /etc's subtree: conf.d, a.conf, b.conf, c.conf, hosts, os-release, passwd.
    assert.equal(ends[etc]! - etc - 1, 7);
    assert.equal(depths[tree.name.indexOf('c.conf')], 3);
    const changes = filterTree(tree, { changesOnly: true });
    const shown = [...changes.keys()].filter((i) => changes[i] === 1 && i > 0).map((i) => treePath(tree, i));
    assert.deepEqual(shown, ['/etc', '/etc/conf.d', '/etc/conf.d/a.conf', '/etc/conf.d/b.conf', '/etc/conf.d/c.conf', '/etc/hosts', '/home', '/home/user', '/home/user/notes.txt', '/usr', '/usr/bin', '/usr/bin/sh', '/var', '/var/cache', '/var/cache/big.bin']);
    const byName = filterTree(tree, { text: 'CONF' });
    assert.deepEqual(
      [...byName.keys()].filter((i) => byName[i] === 1 && i > 0).map((i) => treePath(tree, i)),
      ['/etc', '/etc/conf.d', '/etc/conf.d/a.conf', '/etc/conf.d/b.conf', '/etc/conf.d/c.conf'],
    );
    assert.ok((tree.flags[etc]! & NodeFlag.changedBelow) !== 0);
    assert.equal(tree.flags[tree.name.indexOf('os-release')]! & NodeFlag.changedBelow, 0);
  });

  it('asking for a layer that does not exist is a clear error', () => {
    assert.throws(() => layers.layerTree(3), (err: StevedoreError) => err.code === 'INVALID_ARGUMENT' && /no layer 3: the image has 3 layers, numbered 0 to 2/.test(err.message));
    assert.throws(() => layers.mergedTree(-1), /no layer -1/);
  });

  it('caches each layer by digest, and a second look reads only the cache', async () => {
    const image = await store.load(record);
    for (const l of image.manifest.layers) {
      const cached = JSON.parse(await readFile(layerCachePath(store.layout, l.digest), 'utf8')) as { digest: string };
      assert.equal(cached.digest, l.digest);
    }
    const states: string[] = [];
    const again = await analyseImageLayers(image, { onProgress: (p) => states.push(p.state) });
    assert.deepEqual(states, ['cached', 'cached', 'cached']);
    assert.deepEqual(again.analysis, layers.analysis);
    assert.deepEqual(again.layerTree(1), layers.layerTree(1));
  });

  it('a damaged cache entry is read again from the layer', async () => {
    const image = await store.load(record);
    const path = layerCachePath(store.layout, image.manifest.layers[1]!.digest);
    await writeFile(path, '{"format":"stevedore.layer-listing.v1","digest":"broken"');
    const states: string[] = [];
    const again = await analyseImageLayers(image, { onProgress: (p) => states.push(`${p.layer}:${p.state}`) });
    assert.deepEqual(states.filter((s) => !s.endsWith('reading')), ['0:cached', '1:read', '2:cached']);
    assert.deepEqual(again.analysis, layers.analysis);
    assert.ok((await readFile(path, 'utf8')).includes('"digest":"sha256:'));
  });
});

describe('layer analysis: focused cases', () => {
  let store: ImageStore;
  let cleanup: () => Promise<void>;
  before(async () => ({ store, cleanup } = await openTempStore()));
  after(() => cleanup());

  async function analyse(reference: string, tars: Buffer[], options: Parameters<typeof analyseImageLayers>[1] = {}): Promise<ImageLayers> {
    const record = await storeLayeredImage(store, tars.map((tar) => ({ tar })), reference);
    return analyseImageLayers(await store.load(record), options);
  }

  it('an opaque marker at the top of a layer hides every lower file', async () => {
    const layers = await analyse('opaque/root:1', [
      await layerTar([{ name: 'a', content: 'aaa' }, { name: 'b/', type: 'directory' }, { name: 'b/c', content: 'cc' }]),
      await layerTar([{ name: '.wh..wh..opq' }, { name: 'new', content: 'n' }]),
    ]);
    assert.deepEqual(describeTree(layers.mergedTree()), ['D f /a 3', 'D d /b 2', 'D f /b/c 2', 'A f /new 1 [listed]']);
    assert.equal(layers.analysis.wastedBytes, 5);
  });

  it('a whiteout and a new file of the same name in one layer: the new file stays', async () => {
    const layers = await analyse('same/name:1', [
      await layerTar([{ name: 'f', content: 'old' }]),
      await layerTar([{ name: 'f', content: 'brand new' }, { name: '.wh.f' }]),
    ]);
    assert.deepEqual(describeTree(layers.mergedTree()), ['M f /f 9 [listed]']);
    assert.equal(layers.analysis.finalBytes, 9);
  });

  it('a file replacing a directory deletes what the directory held; a directory replacing a file wastes the file', async () => {
    const layers = await analyse('replace/kinds:1', [
      await layerTar([{ name: 'd/', type: 'directory' }, { name: 'd/x', content: 'xxxx' }, { name: 'f', content: 'ff' }]),
      await layerTar([{ name: 'd', content: 'now a file' }, { name: 'f/', type: 'directory' }]),
    ]);
    const lines = describeTree(layers.layerTree(1));
    assert.deepEqual(lines, ['M f /d 10 [listed]', 'M d /f 0 [listed]']);
    assert.equal(layers.analysis.layers[1]!.changes.deleted, 1);
    assert.equal(layers.analysis.wastedBytes, 4 + 2);
  });

  it('a whiteout of something that never existed is listed as a deletion of nothing', async () => {
    const layers = await analyse('dangling/whiteout:1', [await layerTar([{ name: 'a', content: 'a' }]), await layerTar([{ name: 'ghost/.wh.thing' }])]);
    assert.deepEqual(describeTree(layers.layerTree(1)), ['= d /ghost 0 [implicit]', 'D f /ghost/thing 0 [listed]']);
    assert.equal(layers.analysis.wastedBytes, 0);
    assert.equal(layers.analysis.efficiency, 1);
  });

  it('the same layer twice: the second changes nothing, and every byte of the first is wasted', async () => {
    const tar = await layerTar([{ name: 'bin/', type: 'directory' }, { name: 'bin/app', content: 'a'.repeat(300) }]);
    const layers = await analyse('twice/same:1', [tar, tar]);
    assert.deepEqual(describeTree(layers.layerTree(1)), ['= d /bin 300 [listed]', '= f /bin/app 300 [listed]']);
    assert.equal(layers.analysis.wastedBytes, 300);
    assert.equal(layers.analysis.efficiency, 0.5);
  });

  it('the efficiency the inspector shows agrees with the wasted bytes; dive\'s score ignores what an opaque directory deletes', async () => {
    const layers = await analyse('opaque/efficiency:1', [
      await layerTar([{ name: 'doc/', type: 'directory' }, { name: 'doc/manual.txt', content: 'm'.repeat(1000) }]),
      await layerTar([{ name: 'doc/', type: 'directory' }, { name: 'doc/.wh..wh..opq' }, { name: 'doc/readme', content: 'r'.repeat(10) }]),
    ]);
    const a = layers.analysis;
    assert.equal(a.wastedBytes, 1000);
    assert.equal(a.contentBytes, 1010);
    assert.equal(a.visibleEfficiency, 1 - 1000 / 1010);
    // dive sees each path in one layer only, so it scores 100 % though 99 % of the bytes are gone.
    assert.equal(a.efficiency, 1);
  });

  it('an image with no files scores 1, like dive', async () => {
    const layers = await analyse('empty/layers:1', [await layerTar([{ name: 'd/', type: 'directory' }])]);
    assert.equal(layers.analysis.efficiency, 1);
    assert.equal(layers.analysis.wastedBytes, 0);
  });

  it('a compact tree of 100,000 files stays compact', async () => {
    const entries = [];
    for (let d = 0; d < 100; d++) {
      entries.push({ name: `usr/share/doc/package-${d}/` });
      for (let f = 0; f < 1000; f++) entries.push({ name: `usr/share/doc/package-${d}/file-${f}.txt`, content: f % 50 === 0 ? 'text' : '' });
    }
    const layers = await analyse('big/tree:1', [bulkTar(entries)], { cache: false });
    const tree = layers.mergedTree();
    assert.equal(tree.count, 1 + 3 + 100 + 100_000);
    const bytes = Buffer.byteLength(JSON.stringify(tree));
    // About 45 bytes a node, names included; one object per node would be three times that.
    assert.ok(bytes / tree.count < 60, `${bytes} bytes for ${tree.count} nodes`);
  });

  it('a malformed layer fails with the layer and the entry named, and caches nothing', async () => {
    const good = await layerTar([{ name: 'ok', content: 'fine' }]);
    const bad = Buffer.from(await layerTar([{ name: 'first', content: 'x' }, { name: 'second', content: 'y' }]));
    bad[1024 + 2]! ^= 0xff;
    const record = await storeLayeredImage(store, [{ tar: good }, { blob: bad, compression: 'none' }], 'broken/layer:1');
    const image = await store.load(record);
    const before = await readdir(layerCacheDir(store.layout)).catch(() => []);
    await assert.rejects(analyseImageLayers(image), (err: StevedoreError) => {
      assert.equal(err.code, 'INVALID_ARCHIVE');
      assert.ok(err.message.startsWith(`Layer 1 (${image.manifest.layers[1]!.digest}) is not a valid tar archive`), err.message);
      assert.match(err.message, /after entry "first"/);
      return true;
    });
    assert.deepEqual(await readdir(layerCacheDir(store.layout)).catch(() => []), before);
  });

  it('a missing layer blob is BLOB_NOT_FOUND, naming the layer', async () => {
    const record = await storeLayeredImage(store, [{ tar: await layerTar([{ name: 'gone', content: 'soon' }]) }], 'missing/layer:1');
    const image = await store.load(record);
    await store.blobs.delete(image.manifest.layers[0]!.digest);
    await assert.rejects(analyseImageLayers(image), (err: StevedoreError) => err.code === 'BLOB_NOT_FOUND' && err.message.startsWith(`Layer 0 (${image.manifest.layers[0]!.digest}) is missing`));
  });

  it('removing an image removes the cached listings of the layers that went with it, and only those', async () => {
    const shared = await layerTar([{ name: 'shared', content: 'kept by the other image' }]);
    const own = await layerTar([{ name: 'own', content: 'only in the removed image' }]);
    const keep = await store.load(await storeLayeredImage(store, [{ tar: shared }], 'gc/keep:1'));
    const drop = await store.load(await storeLayeredImage(store, [{ tar: shared }, { tar: own }], 'gc/drop:1'));
    await analyseImageLayers(keep);
    await analyseImageLayers(drop);
    const [sharedLayer, ownLayer] = drop.manifest.layers;
    const cached = async (digest: string): Promise<boolean> => (await readFile(layerCachePath(store.layout, digest)).then(() => true, () => false));
    assert.deepEqual([await cached(sharedLayer!.digest), await cached(ownLayer!.digest)], [true, true]);
    const result = await removeImages(store, ['gc/drop:1']);
    assert.ok(result.removedBlobs.some((b) => b.digest === ownLayer!.digest));
    assert.deepEqual([await cached(sharedLayer!.digest), await cached(ownLayer!.digest)], [true, false]);
  });

  it('cancelling stops the analysis and caches nothing', async () => {
    const tars = [];
    for (let l = 0; l < 3; l++) tars.push(await layerTar(Array.from({ length: 500 }, (_, i) => ({ name: `l${l}/f${i}`, content: `${l}-${i}`.repeat(200) }))));
    const record = await storeLayeredImage(store, tars.map((tar) => ({ tar })), 'cancel/me:1');
    const image = await store.load(record);
    const controller = new AbortController();
    const cacheBefore = await readdir(layerCacheDir(store.layout)).catch(() => []);
    await assert.rejects(
      analyseImageLayers(image, {
        signal: controller.signal,
        onProgress: (p) => {
          if (p.layer === 1 && p.state === 'reading') controller.abort();
        },
      }),
      (err: unknown) => err instanceof CancelledError,
    );
    assert.deepEqual(await readdir(layerCacheDir(store.layout)).catch(() => []), cacheBefore);
  });
});
