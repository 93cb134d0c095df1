// Data safety through the CLI as users run it: prune's until= never silently widened to "every
// image", Docker's rmi rules, output files that would land in the store, and system errors (a
// store path that is a file, a read-only store, a full disk) each with its own message. Disks that
// are read-only or full are small tmpfs mounts made here (CI runs as root) and unmounted after.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { FileImageStore } from '../../src/core/store/fileImageStore';
import { tagImage } from '../../src/core/store/tagImage';
import { runCli } from '../helpers/cli';
import { importBuffer, makeTar, randomRootfs, tempDir } from '../helpers/fixtures';
import { storeSnapshot } from '../helpers/storeSnapshot';

const exec = promisify(execFile);

async function mountTmpfs(path: string, size: string): Promise<() => Promise<void>> {
  await mkdir(path, { recursive: true });
  await exec('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', path]);
  return async () => {
    await exec('umount', [path]);
  };
}

describe('stevedore CLI: data safety', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  before(async () => {
    dir = await tempDir();
  });
  after(() => dir.cleanup());

  it('image prune -a --filter until=1h removes only images older than an hour; an unreadable until is an error and removes nothing', async () => {
    const storePath = join(dir.path, 'prune');
    const store = await FileImageStore.open(storePath);
    const old = await importBuffer(store, await randomRootfs(), 'old:1', { created: new Date(Date.now() - 3 * 3600_000) });
    const fresh = await importBuffer(store, await randomRootfs(), 'fresh:1', { created: new Date(Date.now() + 3600_000) });
    const before = await storeSnapshot(storePath);
    for (const bad of ['bogus', '1d', '']) {
      const out = await runCli(storePath, ['image', 'prune', '-a', '-f', '--filter', `until=${bad}`]);
      assert.equal(out.code, 1, `until=${bad}`);
      assert.equal(out.stderr, `Error: failed to parse value as time or duration: "${bad}"\n`);
      assert.equal(out.stdout, '');
    }
    const two = await runCli(storePath, ['image', 'prune', '-a', '-f', '--filter', 'until=1h', '--filter', 'until=2h']);
    assert.equal(two.stderr, 'Error: more than one until filter specified\n');
    const unknown = await runCli(storePath, ['image', 'prune', '-a', '-f', '--filter', 'foo=bar']);
    assert.equal(unknown.stderr, "Error: invalid filter 'foo'\n");
    assert.deepEqual(await storeSnapshot(storePath), before);

    const out = await runCli(storePath, ['image', 'prune', '-a', '-f', '--filter', 'until=1h30m']);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, new RegExp(`^Deleted Images:\nuntagged: old:1\ndeleted: ${old.id}\n`));
    const left = await store.list();
    assert.deepEqual(left.map((r) => r.id), [fresh.id]);
  });

  it('rmi by ID refuses an image with two tags in one repository, with Docker\'s message, and -f removes it', async () => {
    const storePath = join(dir.path, 'rmi-id');
    const store = await FileImageStore.open(storePath);
    const record = await importBuffer(store, await randomRootfs(), 'one:a');
    await tagImage(store, 'one:a', 'one:b');
    const before = await storeSnapshot(storePath);
    const refused = await runCli(storePath, ['rmi', record.id.slice(7, 19)]);
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr, `Error: conflict: unable to delete ${record.id.slice(7, 19)} (must be forced) - image is referenced in multiple repositories\n`);
    assert.deepEqual(await storeSnapshot(storePath), before);
    const forced = await runCli(storePath, ['rmi', '-f', record.id.slice(7, 19)]);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stdout, new RegExp(`^Untagged: one:a\nUntagged: one:b\nDeleted: ${record.id}\n`));
    assert.deepEqual(await store.list(), []);
  });

  it('rmi by repo digest twice: the digest leaves the listing, the second attempt is "No such image"', async () => {
    const storePath = join(dir.path, 'rmi-digest');
    const store = await FileImageStore.open(storePath);
    const record = await importBuffer(store, await randomRootfs(), 'localhost:5000/app:1');
    const repoDigest = `localhost:5000/app@${record.manifestDigest}`;
    await store.addImage({ mediaType: record.manifestMediaType, digest: record.manifestDigest, size: record.manifestSize }, [], { repoDigests: [repoDigest] });
    const digests = async (): Promise<string> => (await runCli(storePath, ['images', '--digests', '--format', '{{.Repository}} {{.Tag}} {{.Digest}}'])).stdout;
    assert.equal(await digests(), `localhost:5000/app 1 ${record.manifestDigest}\n`);
    const first = await runCli(storePath, ['rmi', repoDigest]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, `Untagged: ${repoDigest}\n`);
    assert.equal(await digests(), 'localhost:5000/app 1 <none>\n');
    const second = await runCli(storePath, ['rmi', repoDigest]);
    assert.equal(second.code, 1);
    assert.equal(second.stdout, '');
    assert.equal(second.stderr, `Error: No such image: ${repoDigest}\n`);
  });

  it('save -o never writes into the store: its files, a blob, a new name in a store folder, or through a symlink', async () => {
    const storePath = join(dir.path, 'save');
    const store = await FileImageStore.open(storePath);
    const record = await importBuffer(store, await randomRootfs(), 'app:1');
    const link = join(dir.path, 'into-store');
    await symlink(join(storePath, 'stevedore'), link);
    const before = await storeSnapshot(storePath);
    const targets = [
      join(storePath, 'index.json'),
      join(storePath, 'blobs', 'sha256', record.manifestDigest.slice(7)),
      join(storePath, 'stevedore', 'not-yet-there.tar'),
      join(storePath, 'stevedore', 'metadata.json'),
      join(link, 'metadata.json'),
      join(link, 'new.tar'),
      storePath,
    ];
    for (const target of targets) {
      const out = await runCli(storePath, ['save', '-o', target, 'app:1']);
      assert.equal(out.code, 1, target);
      assert.match(out.stderr, /^Error: the output file ".*" is inside the image store \(.*\); writing it there would damage the store\. Choose a path outside the store\.\n$/, target);
    }
    assert.deepEqual(await storeSnapshot(storePath), before);
    assert.deepEqual((await readdir(join(storePath, 'stevedore'))).filter((n) => n.includes('.tar')), []);
    const ok = await runCli(storePath, ['save', '-o', join(dir.path, 'app.tar'), 'app:1']);
    assert.equal(ok.code, 0, ok.stderr);
  });

  it('--store naming a file, or a path under a file, says so instead of ENOTDIR', async () => {
    const file = join(dir.path, 'a-file');
    await writeFile(file, 'not a store');
    for (const storePath of [file, join(file, 'sub')]) {
      const out = await runCli(storePath, ['images']);
      assert.equal(out.code, 1);
      assert.equal(out.stderr, `Error: The image store path ${storePath} is not a folder: ${file} is a file. Point --store (or STEVEDORE_STORE, or the stevedore.storePath setting) at a folder.\n`);
    }
  });

  it('a read-only store: listing works, writing says the store is not writable', async () => {
    const mount = join(dir.path, 'ro');
    const unmount = await mountTmpfs(mount, '4m');
    try {
      const storePath = join(mount, 'store');
      const store = await FileImageStore.open(storePath);
      await importBuffer(store, await randomRootfs(), 'app:1');
      await exec('mount', ['-o', 'remount,ro', mount]);
      const list = await runCli(storePath, ['images', '--format', '{{.Repository}}:{{.Tag}}']);
      assert.equal(list.stdout, 'app:1\n', list.stderr);
      for (const args of [['rmi', 'app:1'], ['tag', 'app:1', 'app:2'], ['image', 'prune', '-a', '-f']]) {
        const out = await runCli(storePath, args);
        assert.equal(out.code, 1, args.join(' '));
        assert.match(out.stderr, new RegExp(`^Error: The image store ${storePath} is not writable: it is on a read-only file system \\(.*\\)\\. Make it writable, or use a store you can write to`), args.join(' '));
      }
      const fresh = await runCli(join(mount, 'new-store'), ['images']);
      assert.match(fresh.stderr, /is not writable: it is on a read-only file system/);
    } finally {
      await unmount();
    }
  });

  it('a full disk during import and load says the disk is full, not that the input is bad, and leaves no damage', async () => {
    const mount = join(dir.path, 'full');
    const unmount = await mountTmpfs(mount, '1m');
    try {
      const storePath = join(mount, 'store');
      // Random bytes do not compress: the layer needs about 3 MB on a 1 MB disk.
      const tarPath = join(dir.path, 'big.tar');
      await writeFile(tarPath, await makeTar([{ name: 'big.bin', content: randomBytes(3_000_000) }]));
      const imported = await runCli(storePath, ['import', tarPath, 'big:1']);
      assert.equal(imported.code, 1);
      assert.match(imported.stderr, /^Error: The disk is full.*Free some space on it, then try again\.\n$/);
      assert.doesNotMatch(imported.stderr, /tar archive|ENOSPC/);

      const elsewhere = join(dir.path, 'full-source');
      assert.equal((await runCli(elsewhere, ['import', tarPath, 'big:1'])).code, 0);
      const archive = join(dir.path, 'big-image.tar');
      assert.equal((await runCli(elsewhere, ['save', '-o', archive, 'big:1'])).code, 0);
      const loaded = await runCli(storePath, ['load', '-i', archive]);
      assert.equal(loaded.code, 1);
      assert.match(loaded.stderr, /^Error: The disk is full.*Free some space on it, then try again\.\n$/);

      const check = await runCli(storePath, ['system', 'check']);
      assert.equal(check.code, 0, check.stdout + check.stderr);
      assert.match(check.stdout, /No problems found/);
    } finally {
      await unmount();
    }
  });
});
