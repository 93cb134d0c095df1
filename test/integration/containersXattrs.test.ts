// Extended attributes in layers reach the container's root filesystem byte for byte: a file
// capability (binary, with bytes tar-stream's UTF-8 PAX decoding would mangle) and user.*
// attributes, written by GNU tar as Docker writes them (PAX SCHILY.xattr.*), with either
// snapshotter. Real runc, overlayfs, setcap/getfattr, as root.
//
// Runs beside others: its own temporary store.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, readdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli';
import { tempDir } from '../helpers/fixtures';

/** `getfattr -d -m - -e hex` of a file: NAME → hex value, every namespace. */
function xattrsOf(path: string): Record<string, string> {
  const out = execFileSync('getfattr', ['-d', '-m', '-', '-e', 'hex', '--absolute-names', path], { encoding: 'utf8' });
  const found: Record<string, string> = {};
  for (const line of out.split('\n')) {
    const m = /^([^#=][^=]*)=0x([0-9a-f]*)$/.exec(line.trim());
    if (m) found[m[1]!] = m[2]!;
  }
  return found;
}

describe('extended attributes in layers', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let store: string;
  let expected: Record<string, string>;

  before(async () => {
    dir = await tempDir();
    store = join(dir.path, 'store');
    const rootfs = join(dir.path, 'rootfs');
    await mkdir(join(rootfs, 'bin'), { recursive: true });
    await copyFile('/bin/busybox', join(rootfs, 'bin', 'busybox'));
    await symlink('busybox', join(rootfs, 'bin', 'sh'));
    const tool = join(rootfs, 'bin', 'tool');
    await copyFile('/bin/busybox', tool);
    // cap_setuid is bit 7: the capability's bytes include 0x80, which is not UTF-8.
    execFileSync('setcap', ['cap_setuid,cap_net_bind_service+ep', tool]);
    execFileSync('setfattr', ['-n', 'user.note', '-v', 'made by the test', tool]);
    execFileSync('setfattr', ['-n', 'user.binary', '-v', '0xff00fe80', tool]);
    expected = xattrsOf(tool);
    assert.ok(expected['security.capability']?.includes('80'), `the fixture's capability has a 0x80 byte: ${JSON.stringify(expected)}`);
    execFileSync('tar', ['--xattrs', '--xattrs-include=*', '--numeric-owner', '-C', rootfs, '-cf', join(dir.path, 'layer.tar'), '.']);
    const imported = await runCli(store, ['import', join(dir.path, 'layer.tar'), 'xattrs:1']);
    assert.equal(imported.code, 0, imported.stderr);
  });
  after(async () => {
    await dir?.cleanup();
  });

  for (const snapshotter of ['vfs', 'overlay']) {
    it(`restores security.capability and user.* byte for byte (${snapshotter})`, async () => {
      const name = `x-${snapshotter}`;
      const ran = await runCli(store, ['run', '--name', name, 'xattrs:1', '/bin/sh', '-c', 'exit 0'], { env: { STEVEDORE_SNAPSHOTTER: snapshotter } });
      assert.equal(ran.code, 0, ran.stderr);
      const containers = join(store, 'stevedore', 'containers');
      const [id] = await readdir(containers);
      assert.ok(id);
      // vfs: the container's own copy; overlay: the shared layer snapshot it stacks.
      let file = join(containers, id, 'rootfs', 'bin', 'tool');
      if (snapshotter === 'overlay') {
        const snapshots = join(store, 'stevedore', 'snapshots');
        const [snapshot] = (await readdir(snapshots)).filter((n) => /^[a-f0-9]{64}$/.test(n));
        file = join(snapshots, snapshot!, 'fs', 'bin', 'tool');
      }
      const found = xattrsOf(file);
      assert.deepEqual(
        { cap: found['security.capability'], note: found['user.note'], binary: found['user.binary'] },
        { cap: expected['security.capability'], note: expected['user.note'], binary: expected['user.binary'] },
      );
      assert.equal((await runCli(store, ['rm', name])).code, 0);
    });
  }
});
