// Extended attributes written by TarWriter as PAX SCHILY.xattr.* records, read back by GNU tar
// (--xattrs) and getfattr: binary values byte for byte (tar-stream's own PAX writer would write
// them as UTF-8), and entries whose name or link target does not fit a ustar header keep them too.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFile, readlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tarStream } from '../../src/core/archive/tarWriter';
import { tempDir } from '../helpers/fixtures';
import { layerXattrs } from '../helpers/layerEntries';

const CAPABILITY = Buffer.from('0100000280200000000000000000000000000000', 'hex');
const LONG_DIR = `d/${'ü'.repeat(70)}`;
const LONG_TARGET = `../${'t'.repeat(120)}`;

function xattrsOf(path: string): Record<string, string> {
  const out = execFileSync('getfattr', ['-h', '-d', '-m', '-', '-e', 'hex', '--absolute-names', path], { encoding: 'utf8' });
  return Object.fromEntries([...out.matchAll(/^([^#=\n][^=\n]*)=0x([0-9a-f]*)$/gm)].map((m) => [m[1]!, m[2]!]));
}

describe('TarWriter: extended attributes as PAX records', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let archive: Buffer;

  before(async () => {
    dir = await tempDir();
    const chunks: Uint8Array[] = [];
    const mtime = new Date(1_700_000_000_000);
    for await (const chunk of tarStream(async (w) => {
      await w.add({ name: 'a/', type: 'directory', mode: 0o755, mtime, xattrs: new Map([['user.dir', Buffer.from('d')]]) });
      await w.add({ name: 'a/f', type: 'file', mode: 0o644, mtime, xattrs: new Map([['security.capability', CAPABILITY], ['user.bytes', Buffer.from([0x0a, 0x00, 0xff, 0x3d])]]) }, Buffer.from('hello'));
      await w.add({ name: 'a/plain', type: 'file', mode: 0o644, mtime }, Buffer.from('no attributes'));
      await w.add({ name: 'd/', type: 'directory', mode: 0o755, mtime });
      await w.add({ name: `${LONG_DIR}/`, type: 'directory', mode: 0o755, mtime });
      await w.addStream({ name: `${LONG_DIR}/file`, type: 'file', size: 3, mode: 0o600, mtime, xattrs: new Map([['user.x', Buffer.from('y')]]) }, (async function* () {
        yield Buffer.from('abc');
      })());
      await w.add({ name: 'a/link', type: 'symlink', linkname: LONG_TARGET, mode: 0o777, mtime, xattrs: new Map([['user.ignored', Buffer.from('on a link')]]) });
    })) {
      chunks.push(chunk);
    }
    archive = Buffer.concat(chunks);
    await writeFile(join(dir.path, 'x.tar'), archive);
    execFileSync('tar', ['--xattrs', '--xattrs-include=*', '-C', dir.path, '-xf', join(dir.path, 'x.tar')]);
  });
  after(async () => {
    await dir?.cleanup();
  });

  it('GNU tar restores the attributes byte for byte, and only where they were given', () => {
    assert.deepEqual(xattrsOf(join(dir.path, 'a')), { 'user.dir': '64' });
    assert.deepEqual(xattrsOf(join(dir.path, 'a', 'f')), { 'security.capability': CAPABILITY.toString('hex'), 'user.bytes': '0a00ff3d' });
    assert.deepEqual(xattrsOf(join(dir.path, 'a', 'plain')), {});
  });

  it('a name or link target too long or not ASCII for ustar keeps its attributes and its own name', async () => {
    assert.equal(await readFile(join(dir.path, LONG_DIR, 'file'), 'utf8'), 'abc');
    assert.deepEqual(xattrsOf(join(dir.path, LONG_DIR, 'file')), { 'user.x': '79' });
    assert.equal(await readlink(join(dir.path, 'a', 'link')), LONG_TARGET);
  });

  it('the project\'s own reader sees the same records', async () => {
    const found = await layerXattrs(archive);
    assert.deepEqual(Object.fromEntries(found), {
      a: { 'user.dir': '64' },
      'a/f': { 'security.capability': CAPABILITY.toString('hex'), 'user.bytes': '0a00ff3d' },
      [`${LONG_DIR}/file`]: { 'user.x': '79' },
      'a/link': { 'user.ignored': Buffer.from('on a link').toString('hex') },
    });
  });
});
