// The vfs snapshotter's parts without a runtime: layers unpacked with whiteouts and opaque folders
// honoured and links kept inside the root, and a changed tree's A/C/D changes as Docker lists them.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, lstat, mkdir, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { computeChanges } from '../../src/core/runtime/changeSet';
import { changeTar } from '../../src/core/runtime/changeTar';
import { containerPaths, type ContainerRecord } from '../../src/core/runtime/containerRecord';
import { withRootfs } from '../../src/core/runtime/containerRootfs';
import { StevedoreError } from '../../src/core/errors';
import { storeLayout } from '../../src/core/store/layout';
import { readTree } from '../../src/core/runtime/treeState';
import { unpackLayer } from '../../src/core/runtime/unpackLayer';
import { chunksOf, makeTar, tempDir } from '../helpers/fixtures';
import { layerFacts } from '../helpers/layerEntries';

async function unpack(root: string, files: Parameters<typeof makeTar>[0]): Promise<void> {
  await unpackLayer(chunksOf(await makeTar(files)), root, { what: 'test layer' });
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of source) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

describe('container root filesystems', () => {
  it('unpacks layers honouring whiteouts and opaque folders, owners and modes', async () => {
    const dir = await tempDir();
    try {
      const root = join(dir.path, 'rootfs');
      await mkdir(root);
      await unpack(root, [
        { name: 'a/', type: 'directory' },
        { name: 'a/x', content: 'x' },
        { name: 'a/y', content: 'y' },
        { name: 'b/', type: 'directory' },
        { name: 'b/z', content: 'z', mode: 0o4755, uid: 1000, gid: 1001 },
      ]);
      assert.equal((await lstat(join(root, 'b/z'))).mode & 0o7777, 0o4755);
      assert.equal((await lstat(join(root, 'b/z'))).uid, 1000);
      await unpack(root, [
        { name: 'a/new', content: 'new' },
        { name: 'a/.wh..wh..opq', content: '' },
        { name: '.wh.b', content: '' },
      ]);
      assert.deepEqual(await readdir(join(root, 'a')), ['new']);
      assert.deepEqual((await readdir(root)).sort(), ['a']);
    } finally {
      await dir.cleanup();
    }
  });

  it('keeps links inside the root: an absolute or climbing link in a layer cannot lead a write out', async () => {
    const dir = await tempDir();
    try {
      const root = join(dir.path, 'rootfs');
      const outside = join(dir.path, 'outside');
      await mkdir(root);
      await mkdir(outside);
      await unpack(root, [
        { name: 'abs', type: 'symlink', linkname: outside },
        { name: 'up', type: 'symlink', linkname: '../../../../..' + outside },
        { name: 'abs/one', content: '1' },
        { name: 'up/two', content: '2' },
      ]);
      assert.deepEqual(await readdir(outside), []);
      assert.equal(await readFile(join(root, outside, 'one'), 'utf8'), '1');
      assert.equal(await readFile(join(root, outside, 'two'), 'utf8'), '2');
    } finally {
      await dir.cleanup();
    }
  });

  it("lists changes as docker diff does and writes them as a layer with whiteouts", async () => {
    const dir = await tempDir();
    try {
      const root = join(dir.path, 'rootfs');
      await mkdir(root);
      await unpack(root, [
        { name: 'etc/', type: 'directory' },
        { name: 'etc/deep/', type: 'directory' },
        { name: 'etc/deep/conf', content: 'old' },
        { name: 'etc/gone', content: 'g' },
        { name: 'old/', type: 'directory' },
        { name: 'old/a', content: 'a' },
        { name: 'same', content: 's' },
      ]);
      const base = await readTree(root);
      // Same size, new time: changed, as Docker judges by lstat. Its folders stay as they were, yet
      // are listed as changed because they hold a change.
      await writeFile(join(root, 'etc/deep/conf'), 'new');
      await utimes(join(root, 'etc/deep/conf'), new Date(1e12), new Date(1e12));
      await rm(join(root, 'etc/gone'));
      await rm(join(root, 'old'), { recursive: true });
      await mkdir(join(root, 'added/sub'), { recursive: true });
      await writeFile(join(root, 'added/sub/f'), 'f');
      await chmod(join(root, 'same'), 0o600);
      const changes = await computeChanges(root, base);
      assert.deepEqual(
        changes.map((c) => `${c.kind} /${c.path}`),
        ['A /added', 'A /added/sub', 'A /added/sub/f', 'C /etc', 'C /etc/deep', 'C /etc/deep/conf', 'D /etc/gone', 'D /old', 'C /same'],
      );
      const facts = await layerFacts(await collect(changeTar(root, changes)));
      assert.deepEqual(
        facts.map((f) => `${f.path} ${f.type} ${f.mode}`),
        ['.wh.old file 0', 'added directory 755', 'added/sub directory 755', 'added/sub/f file 644', 'etc directory 755', 'etc/.wh.gone file 0', 'etc/deep directory 755', 'etc/deep/conf file 644', 'same file 600'],
      );
    } finally {
      await dir.cleanup();
    }
  });
});

describe('a container another process is running', () => {
  it('is not mounted a second time: withRootfs refuses while its owner lives and its overlay is not visible here', async () => {
    const dir = await tempDir();
    // A live process that is not this one stands for the `run` that owns the container.
    const owner = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    try {
      const layout = storeLayout(dir.path);
      const record = {
        Id: 'c'.repeat(64),
        Name: 'busy_one',
        Driver: 'overlay',
        Lowers: [],
        State: { Status: 'running', ExitCode: 0, OwnerPid: owner.pid },
      } as unknown as ContainerRecord;
      let called = false;
      await assert.rejects(
        withRootfs(layout, record, async () => {
          called = true;
        }),
        (err: unknown) => err instanceof StevedoreError && err.code === 'CONTAINER_CONFLICT' && /busy_one is running in another process/.test(err.message),
      );
      assert.equal(called, false);
      // Nothing was made for a mount either.
      assert.equal(await lstat(containerPaths(layout, record.Id).rootfs).catch(() => null), null);
    } finally {
      owner.kill('SIGKILL');
      await dir.cleanup();
    }
  });
});
