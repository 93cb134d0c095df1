// Layer snapshots (the unpacked lower layers of overlay containers) are removed once no image and
// no container uses them: by the garbage collection after rmi / image prune, and by `system check
// --repair`; those of images still in the store stay for the next run. Real runc and overlayfs, as
// root.
//
// Runs beside others: its own temporary store.

import assert from 'node:assert/strict';
import { cp, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { busyboxRootfs } from '../helpers/busybox';
import { runCli } from '../helpers/cli';
import { tempDir } from '../helpers/fixtures';

const OVERLAY = { env: { STEVEDORE_SNAPSHOTTER: 'overlay' } };

describe('layer snapshots no image or container uses', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let store: string;
  let snapshots: string;
  let rootfs: string;

  const cli = async (args: string[]): Promise<string> => {
    const result = await runCli(store, args, OVERLAY);
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stdout}${result.stderr}`);
    return result.stdout;
  };
  const snapshotNames = async (): Promise<string[]> => (await readdir(snapshots).catch(() => [] as string[])).sort();

  before(async () => {
    dir = await tempDir();
    store = join(dir.path, 'store');
    snapshots = join(store, 'stevedore', 'snapshots');
    rootfs = join(dir.path, 'rootfs.tar');
    await writeFile(rootfs, await busyboxRootfs());
  });
  after(async () => {
    await dir?.cleanup();
  });

  it('stay while their image is in the store, go with the image (rmi)', async () => {
    await cli(['import', rootfs, 'snap:1']);
    await cli(['run', '--rm', 'snap:1', 'true']);
    const made = await snapshotNames();
    assert.equal(made.length, 1, `one layer, one snapshot: ${made.join(', ')}`);
    await cli(['run', '--rm', 'snap:1', 'true']);
    assert.deepEqual(await snapshotNames(), made, 'the second run reuses the snapshot');
    await cli(['rmi', 'snap:1']);
    assert.deepEqual(await snapshotNames(), []);
    assert.match(await cli(['system', 'check']), /No problems found/);
  });

  it('stay while a container uses them, also after rmi -f; go with image prune once the container is removed', async () => {
    await cli(['import', rootfs, 'snap:2']);
    await cli(['run', '--name', 'keeper', 'snap:2', 'sh', '-c', 'echo hi > /file']);
    const made = await snapshotNames();
    assert.equal(made.length, 1);
    await cli(['rmi', '-f', 'snap:2']);
    assert.deepEqual(await snapshotNames(), made, 'the container still stacks it');
    assert.equal((await cli(['diff', 'keeper'])).trim(), 'A /file');
    await cli(['image', 'prune', '-f']);
    assert.deepEqual(await snapshotNames(), made, 'prune keeps an image a container uses');
    await cli(['rm', 'keeper']);
    await cli(['image', 'prune', '-f']);
    assert.deepEqual(await snapshotNames(), []);
  });

  it('system check reports a snapshot nothing uses and --repair removes it, keeping those in use', async () => {
    await cli(['import', rootfs, 'snap:3']);
    await cli(['run', '--rm', 'snap:3', 'true']);
    const [used] = await snapshotNames();
    assert.ok(used);
    // As an older Stevedore (or a killed build's intermediate layer) leaves one: a snapshot of a chain no image has.
    const orphan = 'f'.repeat(64);
    await cp(join(snapshots, used), join(snapshots, orphan), { recursive: true, verbatimSymlinks: true });
    const check = await runCli(store, ['system', 'check']);
    assert.match(check.stdout, new RegExp(`layer snapshot ${'f'.repeat(12)} is used by no image and no container`));
    assert.doesNotMatch(check.stdout, new RegExp(used.slice(0, 12)));
    const repair = await cli(['system', 'check', '--repair']);
    assert.match(repair, new RegExp(`removed layer snapshot .*${orphan}`));
    assert.deepEqual(await snapshotNames(), [used]);
    assert.match(await cli(['system', 'check']), /No problems found/);
  });
});
