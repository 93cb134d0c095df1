// Layer analysis against tars written by a real tar (GNU tar: long names, PAX headers, base-256
// ids) and a real Debian root filesystem from debootstrap, compared entry for entry with what GNU
// tar itself lists.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { importRootfs } from '../../src/core/image/importRootfs';
import { NodeType, nodeType, treePath } from '../../src/core/layers/compactTree';
import { analyseImageLayers, type ImageLayers } from '../../src/core/layers/imageLayers';
import { cleanEntryPath, EntryKind } from '../../src/core/layers/layerListing';
import { readLayerListing } from '../../src/core/layers/readLayerTar';
import { verifyImage } from '../../src/core/layers/verifyImage';
import type { Image } from '../../src/core/image/image';
import type { ImageStore } from '../../src/core/store/imageStore';
import { FileImageStore } from '../../src/core/store/fileImageStore';
import { debianRootfsTarball } from '../helpers/debianRootfs';
import { chunksOf, tempDir } from '../helpers/fixtures';

describe('layer reader: tars written by GNU tar', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  const longDir = Array.from({ length: 6 }, (_, i) => `dir-with-a-rather-long-name-${i}`).join('/');
  const longFile = `${longDir}/file-with-a-long-name-too.txt`;
  const longTarget = `/${'x'.repeat(150)}/target`;

  before(async () => {
    dir = await tempDir();
    const src = join(dir.path, 'src');
    await mkdir(join(src, longDir), { recursive: true });
    await writeFile(join(src, longFile), 'hello\n');
    await symlink(longTarget, join(src, 'longlink'));
  });
  after(() => dir.cleanup());

  for (const format of ['gnu', 'posix', 'ustar'] as const) {
    it(`${format} format: long names, long link targets and large ids`, async () => {
      const file = join(dir.path, `${format}.tar`);
      // ustar has neither long-name extensions nor room for large ids: it gets only what fits.
      const owner = format === 'ustar' ? [] : ['--owner=3000000', '--group=3000001'];
      const [first, second] = longDir.split('/');
      const sources = format === 'ustar' ? ['--no-recursion', `./${first}`, `./${first}/${second}`] : ['.'];
      execFileSync('tar', [`--format=${format}`, ...owner, '-C', join(dir.path, 'src'), '-cf', file, ...sources]);
      const listing = await readLayerListing(chunksOf(await readFile(file)), { what: `${format}.tar` });
      if (format === 'ustar') {
        assert.deepEqual(listing.paths, ['dir-with-a-rather-long-name-0', 'dir-with-a-rather-long-name-0/dir-with-a-rather-long-name-1']);
        return;
      }
      const index = listing.paths.indexOf(longFile);
      assert.ok(index >= 0, `long name missing from ${JSON.stringify(listing.paths)}`);
      assert.equal(listing.sizes[index], 6);
      assert.equal(listing.uids[index], 3000000);
      assert.equal(listing.gids[index], 3000001);
      const link = listing.paths.indexOf('longlink');
      assert.equal(listing.kinds[link], EntryKind.symlink);
      assert.equal(listing.links[link], longTarget);
    });
  }
});

/** `tar -tv` of a (gzipped) tar: name, type letter, size and link target of each entry. */
function gnuTarListing(file: string): Map<string, { type: string; size: number; link?: string }> {
  const out = execFileSync('tar', ['--numeric-owner', '--quoting-style=literal', '-tvzf', file], { maxBuffer: 256 * 1024 * 1024 }).toString();
  const entries = new Map<string, { type: string; size: number; link?: string }>();
  for (const line of out.split('\n')) {
    if (!line) continue;
    // mode owner/group size date time name[ -> target | link to target]
    const m = /^(\S)\S{9}\s+\S+\s+(\S+)\s+\S+\s+\S+\s+(.*)$/.exec(line);
    assert.ok(m, `unexpected tar -tv line: ${line}`);
    let name = m[3]!;
    let link: string | undefined;
    const arrow = m[1] === 'l' ? name.indexOf(' -> ') : m[1] === 'h' ? name.indexOf(' link to ') : -1;
    if (arrow >= 0) {
      link = name.slice(arrow + (m[1] === 'l' ? 4 : 9));
      name = name.slice(0, arrow);
    }
    const path = cleanEntryPath(name);
    if (path === null || path === '') continue;
    entries.set(path, { type: m[1]!, size: /^\d+$/.test(m[2]!) ? Number(m[2]) : 0, ...(link !== undefined ? { link } : {}) });
  }
  return entries;
}

describe('layer analysis: a real Debian root filesystem (debootstrap minbase)', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let tarball: string;
  let store: ImageStore;
  let image: Image;
  let layers: ImageLayers;

  before(async () => {
    tarball = await debianRootfsTarball((line) => console.log(`# ${line}`));
    dir = await tempDir();
    store = await FileImageStore.open(join(dir.path, 'store'));
    const record = await importRootfs(store, { source: createReadStream(tarball, { highWaterMark: 1024 * 1024 }), sourceName: 'debian.tar.gz', reference: 'debian:minbase' });
    image = await store.load(record);
    layers = await analyseImageLayers(image);
  });
  after(() => dir?.cleanup());

  it('lists exactly the entries GNU tar lists, with their types, sizes and links', () => {
    const expected = gnuTarListing(store.blobs.path(image.manifest.layers[0]!.digest));
    const listing = layers.listing(0);
    assert.equal(listing.paths.length, expected.size);
    assert.ok(expected.size > 5000, `only ${expected.size} entries`);
    const letter: Record<number, string> = { [EntryKind.file]: '-', [EntryKind.dir]: 'd', [EntryKind.symlink]: 'l', [EntryKind.hardlink]: 'h', [EntryKind.charDevice]: 'c', [EntryKind.blockDevice]: 'b', [EntryKind.fifo]: 'p' };
    let hardlinks = 0;
    for (let i = 0; i < listing.paths.length; i++) {
      const path = listing.paths[i]!;
      const want = expected.get(path);
      assert.ok(want, `${path} is not in tar's listing`);
      assert.equal(letter[listing.kinds[i]!], want.type, path);
      if (want.type === '-') assert.equal(listing.sizes[i], want.size, path);
      if (want.type === 'l') assert.equal(listing.links[i], want.link, path);
      if (want.type === 'h') {
        hardlinks++;
        assert.equal(listing.links[i], cleanEntryPath(want.link!), path);
      }
    }
    assert.ok(hardlinks > 0, 'debootstrap rootfs has hard links');
  });

  it('measures the layer: uncompressed size, content bytes, nothing wasted in a single layer', async () => {
    const tar = gunzipSync(await readFile(store.blobs.path(image.manifest.layers[0]!.digest)));
    const a = layers.analysis;
    assert.equal(a.layers[0]!.uncompressedSize, tar.length);
    assert.equal(a.layers[0]!.diffId, image.config.rootfs.diff_ids[0]);
    assert.equal(a.wastedBytes, 0);
    assert.equal(a.efficiency, 1);
    assert.equal(a.finalBytes, a.contentBytes);
    assert.ok(a.contentBytes > 100_000_000, `${a.contentBytes} content bytes`);
  });

  it('the merged tree has the files of a Debian system', () => {
    const tree = layers.mergedTree();
    const byPath = new Map<string, number>();
    for (let i = 0; i < tree.count; i++) byPath.set(treePath(tree, i), i);
    assert.equal(nodeType(tree.flags[byPath.get('/dev/null')!]!), NodeType.charDevice);
    assert.equal(nodeType(tree.flags[byPath.get('/bin')!]!), NodeType.symlink, 'bookworm has merged /usr');
    assert.equal(nodeType(tree.flags[byPath.get('/usr/bin/env')!]!), NodeType.file);
    assert.equal(nodeType(tree.flags[byPath.get('/etc/debian_version')!]!), NodeType.file);
    assert.equal(tree.size[0], layers.analysis.finalBytes);
  });

  it('verification recomputes the layer digest and diffID and both match', async () => {
    const result = await verifyImage(image);
    assert.equal(result.ok, true, JSON.stringify(result.checks.filter((c) => c.status !== 'match')));
  });

  it('a second look comes from the cache', async () => {
    const states: string[] = [];
    const again = await analyseImageLayers(image, { onProgress: (p) => states.push(p.state) });
    assert.deepEqual(states, ['cached']);
    assert.deepEqual(again.analysis, layers.analysis);
  });
});
