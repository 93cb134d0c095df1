// The streaming layer reader: what it records per entry, how it reads whiteouts, and how it refuses
// broken or hostile tars — always naming the entry where the problem is.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { CancelledError, StevedoreError } from '../../src/core/errors';
import { cleanEntryPath, EntryKind, whiteoutMeaning, type LayerListing } from '../../src/core/layers/layerListing';
import { decodeListing, encodeListing } from '../../src/core/layers/listingCodec';
import { readLayerListing } from '../../src/core/layers/readLayerTar';
import { chunksOf } from '../helpers/fixtures';
import { bulkTar, layerTar, sha256, type TarEntry } from '../helpers/layeredImages';

const WHAT = 'Layer 0 (test)';

function read(data: Buffer, chunk = 7000): Promise<LayerListing> {
  return readLayerListing(chunksOf(data, chunk), { what: WHAT });
}

/** Rejects with INVALID_ARCHIVE; returns the error for more checks. */
async function refused(data: Buffer): Promise<StevedoreError> {
  let caught: unknown;
  await read(data).catch((err: unknown) => (caught = err));
  assert.ok(caught instanceof StevedoreError, `expected a StevedoreError, got ${String(caught)}`);
  assert.equal(caught.code, 'INVALID_ARCHIVE');
  assert.ok(caught.message.startsWith(WHAT), caught.message);
  return caught;
}

/** Rewrites the header block at `offset` with `edit`, then fixes its checksum. */
function patchHeader(tar: Buffer, offset: number, edit: (block: Buffer) => void): Buffer {
  const out = Buffer.from(tar);
  const block = out.subarray(offset, offset + 512);
  edit(block);
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return out;
}

describe('layer reader: cleaning entry names', () => {
  const cases: [string, string | null][] = [
    ['etc/passwd', 'etc/passwd'],
    ['./etc/passwd', 'etc/passwd'],
    ['./etc/', 'etc'],
    ['/usr/bin//env', 'usr/bin/env'],
    ['./', ''],
    ['.', ''],
    ['a/./b/../c', 'a/c'],
    ['a/..', ''],
    ['../x', null],
    ['a/../../x', null],
    ['..', null],
    ['a/..b/c', 'a/..b/c'],
  ];
  for (const [name, expected] of cases) {
    it(`${JSON.stringify(name)} → ${JSON.stringify(expected)}`, () => assert.equal(cleanEntryPath(name), expected));
  }

  it('reads whiteouts as the OCI image spec defines them', () => {
    assert.deepEqual(whiteoutMeaning('a/b/.wh.c'), { kind: 'whiteout', path: 'a/b/c' });
    assert.deepEqual(whiteoutMeaning('.wh.top'), { kind: 'whiteout', path: 'top' });
    assert.deepEqual(whiteoutMeaning('a/.wh..wh..opq'), { kind: 'opaque', dir: 'a' });
    assert.deepEqual(whiteoutMeaning('.wh..wh..opq'), { kind: 'opaque', dir: '' });
    assert.deepEqual(whiteoutMeaning('a/.wh..wh.plnk'), { kind: 'reserved' });
    assert.deepEqual(whiteoutMeaning('a/.wh.'), { kind: 'invalid' });
    assert.deepEqual(whiteoutMeaning('a/b.wh.c'), { kind: 'none' });
    assert.deepEqual(whiteoutMeaning('a/wh.c'), { kind: 'none' });
  });
});

describe('layer reader: entries', () => {
  const entries: TarEntry[] = [
    { name: './', type: 'directory' },
    { name: './etc/', type: 'directory', mode: 0o750 },
    { name: './etc/file', content: 'abc', mode: 0o640, uid: 1000, gid: 50 },
    { name: './etc/empty', content: '' },
    { name: './bin/', type: 'directory' },
    { name: './bin/sh', type: 'symlink', linkname: 'busybox', mode: 0o777 },
    { name: './bin/su', content: 'x', mode: 0o4755 },
    { name: './bin/ln', type: 'link', linkname: './etc/file' },
    { name: './dev/null', type: 'character-device', devmajor: 1, devminor: 3, mode: 0o666 },
    { name: './dev/sda', type: 'block-device', devmajor: 8, devminor: 0, mode: 0o660 },
    { name: './run/fifo', type: 'fifo' },
  ];

  it('records path, kind, size, mode, owner and link target of every entry, and skips the root', async () => {
    const listing = await read(await layerTar(entries));
    assert.deepEqual(listing.paths, ['etc', 'etc/file', 'etc/empty', 'bin', 'bin/sh', 'bin/su', 'bin/ln', 'dev/null', 'dev/sda', 'run/fifo']);
    const K = EntryKind;
    assert.deepEqual(listing.kinds, [K.dir, K.file, K.file, K.dir, K.symlink, K.file, K.hardlink, K.charDevice, K.blockDevice, K.fifo]);
    assert.deepEqual(listing.sizes, [0, 3, 0, 0, 0, 1, 0, 0, 0, 0]);
    assert.deepEqual(listing.modes, [0o750, 0o640, 0o644, 0o755, 0o777, 0o4755, 0o644, 0o666, 0o660, 0o644]);
    assert.deepEqual(listing.uids, [0, 1000, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(listing.gids, [0, 50, 0, 0, 0, 0, 0, 0, 0, 0]);
    // Hard link targets are paths in the layer and are cleaned; symlink targets stay as written.
    assert.deepEqual(listing.links, ['', '', '', '', 'busybox', '', 'etc/file', '', '', '']);
  });

  it('fingerprints file contents: equal bytes, equal fingerprints', async () => {
    const listing = await read(
      await layerTar([
        { name: 'a', content: 'same bytes' },
        { name: 'b', content: 'same bytes' },
        { name: 'c', content: 'other bytes' },
        { name: 'd', content: '' },
        { name: 'e', content: Buffer.alloc(300_000, 1) },
      ]),
    );
    const [a, b, c, d, e] = listing.fingerprints;
    assert.equal(a, b);
    assert.notEqual(a, c);
    // The first 72 bits of the content's sha256, in base64url.
    assert.equal(e, createHash('sha256').update(Buffer.alloc(300_000, 1)).digest('base64url').slice(0, 12));
    assert.equal(d, '');
  });

  it('counts the uncompressed bytes, and reads gzip and plain tars alike', async () => {
    const tar = await layerTar(entries);
    const plain = await read(tar);
    const gzipped = await read(gzipSync(tar));
    assert.equal(plain.tarBytes, tar.length);
    assert.deepEqual(gzipped, plain);
  });

  it('reads whiteouts and opaque markers as deletions, and skips AUFS metadata', async () => {
    const listing = await read(
      await layerTar([
        { name: 'a/', type: 'directory' },
        { name: 'a/.wh.b' },
        { name: './.wh.top' },
        { name: 'a/.wh..wh..opq' },
        { name: '.wh..wh..opq' },
        { name: '.wh..wh.plnk/', type: 'directory' },
        { name: '.wh..wh.plnk/1234.5', content: 'x' },
        { name: 'a/c', content: 'c' },
      ]),
    );
    assert.deepEqual(listing.paths, ['a', 'a/b', 'top', 'a', '', 'a/c']);
    const K = EntryKind;
    assert.deepEqual(listing.kinds, [K.dir, K.whiteout, K.whiteout, K.opaque, K.opaque, K.file]);
  });

  it('reads a 100,000-entry layer in small chunks without deep recursion', async () => {
    const many: { name: string; content?: string }[] = [];
    for (let d = 0; d < 100; d++) {
      many.push({ name: `d${d}/` });
      for (let f = 0; f < 1000; f++) many.push({ name: `d${d}/f${f}`, content: f % 10 === 0 ? 'data' : '' });
    }
    const listing = await read(bulkTar(many), 1024 * 1024);
    assert.equal(listing.paths.length, 100_100);
    assert.equal(listing.paths[100_099], 'd99/f999');
  });

  it('round-trips through the cache encoding, and rejects an encoding of another layer or a damaged one', async () => {
    const listing = await read(await layerTar(entries));
    const digest = sha256('layer');
    const text = encodeListing(digest, listing);
    assert.deepEqual(decodeListing(digest, text), listing);
    assert.equal(decodeListing(sha256('other'), text), null);
    assert.equal(decodeListing(digest, text.slice(0, -10)), null);
    const damaged = JSON.parse(text) as { sizes: number[] };
    damaged.sizes.pop();
    assert.equal(decodeListing(digest, JSON.stringify(damaged)), null);
  });
});

describe('layer reader: malformed layers fail cleanly, naming the entry', () => {
  it('an entry climbing out of the root', async () => {
    const err = await refused(await layerTar([{ name: 'ok', content: 'x' }, { name: '../escape', content: 'x' }]));
    assert.match(err.message, /entry "\.\.\/escape" climbs out of the root/);
    assert.equal(err.detail?.entry, '../escape');
  });

  it('a hard link pointing outside the layer', async () => {
    const err = await refused(await layerTar([{ name: 'evil', type: 'link', linkname: '../../etc/shadow' }]));
    assert.match(err.message, /entry "evil" is a hard link to "\.\.\/\.\.\/etc\/shadow", outside the layer's root/);
  });

  it('a whiteout that names nothing', async () => {
    const err = await refused(await layerTar([{ name: 'dir/.wh.' }]));
    assert.match(err.message, /entry "dir\/\.wh\." is a whiteout that names no file/);
  });

  it('a tar cut in the middle of a file', async () => {
    const tar = await layerTar([
      { name: 'small', content: 'x' },
      { name: 'big', content: Buffer.alloc(100_000, 2) },
    ]);
    const err = await refused(tar.subarray(0, 50_000));
    assert.match(err.message, /not a valid tar archive: it ends in the middle of entry "big"/);
    assert.equal(err.detail?.entry, 'big');
  });

  it('a tar cut in the middle of a header', async () => {
    const tar = await layerTar([
      { name: 'first', content: 'x' },
      { name: 'second', content: 'y' },
    ]);
    const err = await refused(tar.subarray(0, 1024 + 100));
    assert.match(err.message, /ends in the middle of a tar header after entry "first"/);
  });

  it('a corrupt header', async () => {
    const tar = await layerTar([
      { name: 'first', content: 'x' },
      { name: 'second', content: 'y' },
    ]);
    const broken = Buffer.from(tar);
    broken[1024 + 3] = 0x41; // a name byte of the second header: its checksum no longer matches
    const err = await refused(broken);
    assert.match(err.message, /invalid tar header after entry "first"/);
  });

  it('an entry type that is not a file-system object', async () => {
    const tar = await layerTar([{ name: 'sparse', content: 'x' }]);
    const err = await refused(patchHeader(tar, 0, (block) => (block[156] = 'S'.charCodeAt(0))));
    assert.match(err.message, /entry "sparse" is of a tar entry type Stevedore does not read/);
  });

  it('text that is not a tar at all', async () => {
    const err = await refused(Buffer.from('this is not a tar archive\n'.repeat(100)));
    assert.match(err.message, /invalid tar header before its first entry/);
  });

  it('a truncated gzip stream', async () => {
    const tar = await layerTar([
      { name: 'a', content: Buffer.alloc(200_000, 3) },
      { name: 'b', content: 'b' },
    ]);
    const gz = gzipSync(tar);
    const err = await refused(gz.subarray(0, gz.length - 100));
    assert.match(err.message, /gzip|truncated|ends/);
    assert.ok(err.detail?.entry === 'a' || err.detail?.entry === 'b', String(err.detail?.entry));
  });

  it('control characters in a broken entry name are escaped in the message', async () => {
    const err = await refused(await layerTar([{ name: '../bad\x1b[31mname', content: 'x' }]));
    assert.match(err.message, /"\.\.\/bad\\x1b\[31mname"/);
  });
});

describe('layer reader: cancellation', () => {
  it('stops with CancelledError when the signal fires', async () => {
    const tar = await layerTar(Array.from({ length: 2000 }, (_, i) => ({ name: `f${i}`, content: 'x'.repeat(500) })));
    const controller = new AbortController();
    let calls = 0;
    await assert.rejects(
      readLayerListing(chunksOf(tar, 4096), {
        what: WHAT,
        signal: controller.signal,
        onProgress: () => {
          if (++calls === 3) controller.abort();
        },
      }),
      (err: unknown) => err instanceof CancelledError,
    );
  });
});
