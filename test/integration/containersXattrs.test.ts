// Extended attributes in layers reach the container's root filesystem byte for byte: a file
// capability (binary, with bytes tar-stream's UTF-8 PAX decoding would mangle) and user.*
// attributes, written by GNU tar as Docker writes them (PAX SCHILY.xattr.*), with either
// snapshotter. And back: attributes a container sets or removes (setfattr, setcap inside it) make
// the file `C` in diff, and the committed layer's entry carries them as PAX records; a capability
// set in a container gives the layer entry `docker commit` writes for the same command (a private
// dockerd). Real runc, overlayfs, setcap/getfattr, as root.
//
// Runs beside others: its own temporary store.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, readdir, realpath, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli';
import { startDockerd } from '../helpers/dockerd';
import { tempDir } from '../helpers/fixtures';
import { lastLayerOfDockerSave, layerFacts, layerXattrs } from '../helpers/layerEntries';

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
  let netRaw: string;

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
    // For the containers to change attributes: the host's setfattr and setcap, with the libraries
    // and loader they need, where ldd finds them.
    for (const program of ['/usr/bin/setfattr', '/usr/sbin/setcap']) {
      await copyFile(program, join(rootfs, 'bin', program.split('/').at(-1)!));
      for (const m of execFileSync('ldd', [program], { encoding: 'utf8' }).matchAll(/(\/\S+) \(0x/g)) {
        const target = join(rootfs, m[1]!);
        await mkdir(dirname(target), { recursive: true });
        await copyFile(await realpath(m[1]!), target);
      }
    }
    await copyFile('/bin/busybox', join(rootfs, 'bin', 'other'));
    await mkdir(join(rootfs, 'etc'));
    await writeFile(join(rootfs, 'etc', 'conf'), 'key=value\n');
    execFileSync('setfattr', ['-n', 'user.keep', '-v', 'kept', join(rootfs, 'etc', 'conf')]);
    await writeFile(join(rootfs, 'etc', 'untouched'), 'same\n');
    execFileSync('setfattr', ['-n', 'user.same', '-v', 'same', join(rootfs, 'etc', 'untouched')]);
    // What setcap writes for cap_net_raw+ep, as root outside any user namespace (version 2).
    const probe = join(dir.path, 'probe');
    await copyFile('/bin/busybox', probe);
    execFileSync('setcap', ['cap_net_raw+ep', probe]);
    netRaw = xattrsOf(probe)['security.capability']!;
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

    it(`a container's attribute changes are C in diff and PAX records in the committed layer (${snapshotter})`, async () => {
      const name = `changed-${snapshotter}`;
      const script = [
        'setfattr -n user.foo -v bar /etc/conf',
        'setcap cap_net_raw+ep /bin/other',
        'setfattr -x user.note /bin/tool',
        'echo new > /new && setfattr -n user.new -v 0x00ff /new',
      ].join(' && ');
      const env = { STEVEDORE_SNAPSHOTTER: snapshotter };
      const ran = await runCli(store, ['run', '--name', name, 'xattrs:1', '/bin/sh', '-c', script], { env });
      assert.equal(ran.code, 0, ran.stderr);
      const diff = await runCli(store, ['diff', name], { env });
      assert.equal(diff.stdout, 'C /bin\nC /bin/other\nC /bin/tool\nC /etc\nC /etc/conf\nA /new\n', diff.stderr);
      assert.equal((await runCli(store, ['commit', name, `committed:${snapshotter}`], { env })).code, 0);
      const archive = join(dir.path, `committed-${snapshotter}.tar`);
      assert.equal((await runCli(store, ['save', '-o', archive, `committed:${snapshotter}`])).code, 0);
      const xattrs = await layerXattrs(await lastLayerOfDockerSave(archive));
      assert.deepEqual(Object.fromEntries(xattrs), {
        // The whole set the file has now: the attribute it kept as well as the new one.
        'etc/conf': { 'user.foo': Buffer.from('bar').toString('hex'), 'user.keep': Buffer.from('kept').toString('hex') },
        'bin/other': { 'security.capability': netRaw },
        // user.note removed: the rest stays, byte for byte.
        'bin/tool': { 'security.capability': expected['security.capability'], 'user.binary': expected['user.binary'] },
        new: { 'user.new': '00ff' },
      });
      assert.equal((await runCli(store, ['rm', name])).code, 0);
    });
  }

  it('setcap in a container: the committed layer is docker commit\'s, entries and capability bytes', async () => {
    const engine = await startDockerd();
    try {
      const script = 'setcap cap_net_raw+ep /bin/other';
      const imported = await engine.docker(['import', join(dir.path, 'layer.tar'), 'xattrs:1']);
      assert.equal(imported.code, 0, imported.stderr);
      const ran = await engine.docker(['run', '--name', 'cap', 'xattrs:1', '/bin/sh', '-c', script]);
      assert.equal(ran.code, 0, ran.stderr);
      assert.equal((await engine.docker(['commit', 'cap', 'cap:1'])).code, 0);
      const theirs = join(dir.path, 'docker-cap.tar');
      assert.equal((await engine.docker(['save', '-o', theirs, 'cap:1'])).code, 0);

      assert.equal((await runCli(store, ['run', '--name', 'cap', 'xattrs:1', '/bin/sh', '-c', script])).code, 0);
      assert.equal((await runCli(store, ['commit', 'cap', 'cap:1'])).code, 0);
      const ours = join(dir.path, 'ours-cap.tar');
      assert.equal((await runCli(store, ['save', '-o', ours, 'cap:1'])).code, 0);

      const [theirLayer, ourLayer] = [await lastLayerOfDockerSave(theirs), await lastLayerOfDockerSave(ours)];
      assert.deepEqual(await layerFacts(ourLayer), await layerFacts(theirLayer));
      assert.deepEqual(Object.fromEntries(await layerXattrs(ourLayer)), Object.fromEntries(await layerXattrs(theirLayer)));
      assert.deepEqual(Object.fromEntries(await layerXattrs(ourLayer)), { 'bin/other': { 'security.capability': netRaw } });
      assert.equal((await runCli(store, ['rm', 'cap'])).code, 0);
    } finally {
      await engine.stop();
    }
  });
});
