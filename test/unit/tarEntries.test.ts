// The archive code's tar reader (src/core/archive/tarEntries.ts) on archives GNU tar writes in its
// three formats (gnu: long names as 'L'/'K' records; posix: PAX records, a global one too; ustar:
// the name prefix), fed whole and in pieces that cut headers, records and bodies at every kind of
// place. Each is read as tar-stream 3 read it (the reader it replaced) and as GNU tar lists it.
// Then the broken ones: truncated, a damaged checksum, an oversized record.

import assert from 'node:assert/strict';
import { mkdir, readFile, symlink, link, writeFile, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as tar from 'tar-stream';
import { skipEntry, tarEntries } from '../../src/core/archive/tarEntries';
import { CancelledError, StevedoreError } from '../../src/core/errors';
import { run } from '../helpers/cli';
import { chunksOf, tempDir } from '../helpers/fixtures';
import { ourEntries as ours, ourEntriesScribbled, sha256Hex as sha256, tarStreamEntries as tarStreams } from '../helpers/tarReading';

async function failure(source: AsyncIterable<Uint8Array>, readBodies = true): Promise<StevedoreError> {
  try {
    for await (const { body } of tarEntries(source, { what: 'test.tar' })) if (readBodies) await skipEntry(body);
  } catch (err) {
    assert.ok(err instanceof StevedoreError, `expected a StevedoreError, got ${String(err)}`);
    return err;
  }
  assert.fail('the archive was read without an error');
}

/** Pieces that cut a header, a PAX record and a body anywhere: 1 byte, around a block, odd sizes. */
const PIECES = [1, 7, 100, 511, 512, 513, 1000, 4097, 1 << 20];
/** Size of ./big, a body of many pieces. */
const BIG = 20_000;

describe('tarEntries on archives GNU tar writes', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  const archives = new Map<string, Buffer>();
  const listings = new Map<string, string[]>();

  before(async () => {
    dir = await tempDir();
    const tree = join(dir.path, 'tree');
    // A name longer than ustar's 100 bytes that cannot be split into prefix and name (gnu: 'L', posix: path=).
    const longDir = `${'d'.repeat(60)}/${'e'.repeat(60)}`;
    const longName = `${longDir}/${'f'.repeat(120)}`;
    await mkdir(join(tree, longDir), { recursive: true });
    await writeFile(join(tree, longName), 'long name\n');
    await writeFile(join(tree, 'empty'), '');
    await writeFile(join(tree, 'one'), 'x');
    await writeFile(join(tree, 'block'), Buffer.alloc(512, 0x61));
    await writeFile(join(tree, 'block+1'), Buffer.alloc(513, 0x62));
    await writeFile(join(tree, 'big'), Buffer.from(Array.from({ length: BIG }, (_, i) => (i * 7) & 0xff)));
    await writeFile(join(tree, 'ünïcødé-名前'), 'utf-8 name\n');
    // A link target longer than 100 bytes (gnu: 'K', posix: linkpath=).
    await symlink(`../${'t'.repeat(150)}`, join(tree, 'long-target'));
    await symlink('one', join(tree, 'short-link'));
    await link(join(tree, longName), join(tree, 'hard-to-long'));
    // A ustar name of 150 bytes that splits at a slash into prefix and name.
    const splittable = `${'p'.repeat(70)}/${'q'.repeat(70)}`;
    await mkdir(join(tree, 'p'.repeat(70)));
    await writeFile(join(tree, splittable), 'split\n');
    await utimes(join(tree, 'one'), new Date('2020-01-02T03:04:05Z'), new Date('2020-01-02T03:04:05Z'));
    const common = ['--sort=name', '--owner=1234', '--group=5678', '--numeric-owner', '-C', tree];
    const make = async (name: string, args: string[], entries: string[]): Promise<void> => {
      const file = join(dir.path, `${name}.tar`);
      const made = await run('tar', ['-cf', file, ...args, ...common, ...entries]);
      assert.equal(made.code, 0, made.stderr);
      archives.set(name, await readFile(file));
      const listed = await run('tar', ['--list', '--quoting-style=literal', '-f', file]);
      assert.equal(listed.code, 0, listed.stderr);
      listings.set(name, listed.stdout.split('\n').filter(Boolean));
    };
    await make('gnu', ['--format=gnu'], ['.']);
    // A global PAX header (comment=) before the entries, and a local one wherever a field does not fit.
    await make('posix', ['--format=posix', '--pax-option=comment=made-for-a-test', '--pax-option=delete=atime,delete=ctime'], ['.']);
    // ustar cannot hold the long name or target: only what fits.
    await make('ustar', ['--format=ustar'], ['./empty', './one', './block', './block+1', './big', './short-link', `./${splittable}`, './ünïcødé-名前']);
  });

  after(async () => {
    await dir?.cleanup();
  });

  for (const format of ['gnu', 'posix', 'ustar']) {
    it(`reads a ${format} archive as tar-stream did and GNU tar lists it, whatever the pieces`, async () => {
      const archive = archives.get(format)!;
      const reference = await tarStreams(archive);
      assert.deepEqual(reference.map((e) => e.name.replace(/\/$/, '')), listings.get(format)!.map((n) => n.replace(/\/$/, '')));
      for (const piece of PIECES) assert.deepEqual(await ours(archive, piece), reference, `pieces of ${piece} bytes`);
    });
  }

  it('keeps long names and PAX records whole from a source that writes over each piece once the next is asked for', async () => {
    for (const format of ['gnu', 'posix']) {
      const archive = archives.get(format)!;
      const reference = await tarStreams(archive);
      for (const piece of PIECES) assert.deepEqual(await ourEntriesScribbled(archive, piece), reference, `${format}, pieces of ${piece} bytes`);
    }
  });

  it('takes long names and link targets from GNU records and PAX records, and the global PAX record into each local one', async () => {
    for (const format of ['gnu', 'posix']) {
      const entries = await ours(archives.get(format)!, 4096);
      const long = entries.find((e) => e.name.endsWith('f'.repeat(120)));
      assert.ok(long, `${format}: the long name`);
      assert.equal(long.name, `./${'d'.repeat(60)}/${'e'.repeat(60)}/${'f'.repeat(120)}`);
      assert.equal(long.body, sha256(Buffer.from('long name\n')));
      const target = entries.find((e) => e.name === './long-target');
      assert.equal(target?.type, 'symlink');
      assert.equal(target?.linkname, `../${'t'.repeat(150)}`);
      const hard = entries.find((e) => e.name === './hard-to-long');
      assert.equal(hard?.type, 'link');
      assert.equal(hard?.linkname, long.name);
      assert.equal(entries.find((e) => e.name === './ünïcødé-名前')?.body, sha256(Buffer.from('utf-8 name\n')));
      const one = entries.find((e) => e.name === './one');
      assert.deepEqual([one?.uid, one?.gid, one?.mtime, one?.size], [1234, 5678, Date.parse('2020-01-02T03:04:05Z'), 1]);
    }
    const posix = await ours(archives.get('posix')!, 4096);
    const withPath = posix.find((e) => e.name.endsWith('f'.repeat(120)));
    assert.equal(withPath?.pax?.['path'], withPath?.name);
    assert.equal(withPath?.pax?.['comment'], 'made-for-a-test');
    const ustar = await ours(archives.get('ustar')!, 4096);
    assert.ok(ustar.some((e) => e.name === `./${'p'.repeat(70)}/${'q'.repeat(70)}`), 'the ustar prefix joined to the name');
  });

  it('skips a body left unread and reads the next entry', async () => {
    const archive = archives.get('gnu')!;
    const names: string[] = [];
    for await (const { header } of tarEntries(chunksOf(archive, 333), { what: 'test.tar' })) names.push(header.name);
    assert.deepEqual(names, (await tarStreams(archive)).map((e) => e.name));
  });

  it('refuses a body read after the next entry was asked for', async () => {
    const entries = tarEntries(chunksOf(archives.get('gnu')!, 4096), { what: 'test.tar' });
    let big: AsyncIterable<Uint8Array> | undefined;
    for await (const { header, body } of entries) {
      if (header.name === './big') big = body;
      else if (big) break;
    }
    await assert.rejects(skipEntry(big!), /read after the next entry/);
  });

  it('a truncated archive is an error that says where it ends', async () => {
    const archive = archives.get('gnu')!;
    const entries = await tarStreams(archive);
    const bigAt = entries.findIndex((e) => e.name === './big');
    // Cut inside ./big's body: the message names it.
    const cutInBody = archive.indexOf(Buffer.from([0, 7, 14, 21, 28, 35, 42, 49])) + 1000;
    let err = await failure(chunksOf(archive.subarray(0, cutInBody), 4096));
    assert.equal(err.code, 'INVALID_ARCHIVE');
    assert.match(err.message, /is truncated: it ends in the middle of "\.\/big"/);
    // The same when the reader skips the body instead of reading it.
    err = await failure(chunksOf(archive.subarray(0, cutInBody), 4096), false);
    assert.match(err.message, /is truncated: it ends in the middle of "\.\/big"/);
    // Cut inside the header after it (its body and padding are whole).
    const afterBig = cutInBody - 1000 + BIG + (512 - (BIG % 512)) + 100;
    err = await failure(chunksOf(archive.subarray(0, afterBig), 4096));
    assert.match(err.message, new RegExp(`is truncated: it ends in the middle of a header, after ${bigAt + 1} entries`));
    // Cut inside the first header.
    err = await failure(chunksOf(archive.subarray(0, 300), 4096));
    assert.match(err.message, /is not a tar archive: it ends before the first header is complete/);
  });

  it('a header whose checksum does not match is an error, first or later', async () => {
    const archive = Buffer.from(archives.get('ustar')!);
    const first = Buffer.from(archive);
    first[0] = first[0]! ^ 1;
    let err = await failure(chunksOf(first, 4096));
    assert.equal(err.code, 'INVALID_ARCHIVE');
    assert.match(err.message, /is not a tar archive \(its first header is not a valid tar header\)/);
    // The second entry's header: after the first one (./empty, no body).
    const second = Buffer.from(archive);
    second[512 + 10] = second[512 + 10]! ^ 1;
    err = await failure(chunksOf(second, 4096));
    assert.match(err.message, /is corrupt: the tar header after entry 1 is damaged/);
  });

  it('refuses a PAX record over 4 MiB, and reads nothing of an empty source', async () => {
    const pack = tar.pack();
    pack.entry({ name: 'x', pax: { comment: 'c'.repeat(4 * 1024 * 1024 + 1) } }, 'x');
    pack.finalize();
    const chunks: Buffer[] = [];
    for await (const chunk of pack) chunks.push(chunk as Buffer);
    const err = await failure(chunksOf(Buffer.concat(chunks), 65536));
    assert.match(err.message, /extended tar header larger than 4 MiB after entry 0/);
    assert.deepEqual(await ours(Buffer.alloc(0), 512), []);
    assert.deepEqual(await ours(Buffer.alloc(1024), 512), [], 'two zero blocks end an archive of no entries');
  });

  it('stops with CancelledError when the signal fires while the source has stalled', async () => {
    const controller = new AbortController();
    const archive = archives.get('gnu')!;
    async function* stalls(): AsyncGenerator<Uint8Array> {
      yield archive.subarray(0, 1024);
      await new Promise<void>(() => undefined);
    }
    const reading = (async () => {
      for await (const { body } of tarEntries(stalls(), { what: 'test.tar', signal: controller.signal })) await skipEntry(body);
    })();
    // The abort is what ends the wait; nothing here depends on how long the read has run.
    setImmediate(() => controller.abort());
    await assert.rejects(reading, (err: unknown) => err instanceof CancelledError);
  });
});
