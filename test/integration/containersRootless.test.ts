// Containers without root: an unprivileged user made by this test (useradd, and a subordinate id
// range given with usermod) builds with RUN, runs, starts, commits and removes a container through
// the CLI, which enters a user namespace by itself (unshare, newuidmap/newgidmap from `uidmap`).
// Its layers are compared file by file with what root makes of the same steps (owners as the image
// sees them). A user without subordinate ranges gets the error that says what to add, and its
// store stays exactly as it was.
//
// Runs as root (CI does), beside others: its users are named after this process, its stores are
// in its own temporary folder, and both go at the end.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, chown, lstat, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { busyboxRootfs } from '../helpers/busybox';
import { CLI, run, runCli, type CliResult } from '../helpers/cli';
import { tempDir } from '../helpers/fixtures';
import { layerFacts, layersOfDockerSave, type EntryFacts } from '../helpers/layerEntries';
import { livePids } from '../helpers/processes';
import { seededRandom } from '../helpers/seed';
import { storeSnapshot } from '../helpers/storeSnapshot';
import { addUser, mustRun as sh, removeUsers } from '../helpers/testUsers';

const SUBORDINATE = { start: 300000, count: 65536 };

const DOCKERFILE = [
  'FROM base:1',
  // Folders, a set-uid file, owners other than root, a symbolic and a hard link, a fifo.
  'RUN mkdir -p /data/sub && echo hello > /data/file && chown 1000:1000 /data/file && chown -R 123:456 /data/sub && echo x > /data/sub/x && chmod 4755 /data/file && ln -s file /data/link && ln /data/file /data/hard && mkfifo /data/fifo && id',
  // A deletion (a whiteout) and a file made as a user other than root.
  'RUN rm /etc/motd && mkdir /home && chown 1234:1234 /home',
  'USER 1234:1234',
  'RUN echo mine > /home/mine && chmod 600 /home/mine && id',
].join('\n');

interface TestUser {
  name: string;
  uid: number;
  gid: number;
  dir: string;
  store: string;
}

describe('containers without root (a user namespace with the user\'s subordinate ids)', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let rootStore: string;
  let context: string;
  let mapped: TestUser;
  let unmapped: TestUser;
  const made: string[] = [];

  const makeUser = async (name: string, ranges: boolean): Promise<TestUser> => {
    const { uid, gid } = await addUser(made, name, ranges ? SUBORDINATE : undefined);
    const home = join(dir.path, name);
    await mkdir(home);
    await chown(home, uid, gid);
    return { name, uid, gid, dir: home, store: join(home, 'store') };
  };

  /** The CLI as `user`, with nothing of root's environment but PATH (and `env`'s). */
  const asUser = (user: TestUser, args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> =>
    run('runuser', ['-u', user.name, '--', 'env', '-i', `PATH=${process.env.PATH ?? '/usr/bin:/bin'}`, `HOME=${user.dir}`, ...Object.entries(env).map(([k, v]) => `${k}=${v}`), process.execPath, CLI, '--store', user.store, ...args], { cwd: user.dir });

  const ok = async (result: Promise<CliResult>, what: string): Promise<string> => {
    const done = await result;
    assert.equal(done.code, 0, `${what}: ${done.stdout}${done.stderr}`);
    return done.stdout;
  };

  /** Each layer of an image as facts, bottom first, read from a `save` of it. */
  const layersOf = async (save: (archive: string) => Promise<CliResult>, where: string, name: string): Promise<EntryFacts[][]> => {
    const archive = join(where, `${name}.tar`);
    await ok(save(archive), `save ${name}`);
    return Promise.all((await layersOfDockerSave(archive)).map((layer) => layerFacts(layer)));
  };

  before(async () => {
    dir = await tempDir();
    await chmod(dir.path, 0o755);
    rootStore = join(dir.path, 'root-store');
    context = join(dir.path, 'context');
    await mkdir(context);
    await writeFile(join(context, 'Dockerfile'), `${DOCKERFILE}\n`);
    const tag = `${process.pid % 100000}`;
    mapped = await makeUser(`stvrl${tag}`, true);
    unmapped = await makeUser(`stvnr${tag}`, false);
    // The base: busybox with its applets for mkdir, chown, ln, mkfifo, id, and an /etc/motd to delete.
    const base = join(dir.path, 'base.tar');
    await writeFile(base, await busyboxRootfs());
    const extra = join(dir.path, 'extra');
    await mkdir(join(extra, 'etc'), { recursive: true });
    await writeFile(join(extra, 'etc', 'motd'), 'welcome\n');
    for (const user of [mapped, unmapped]) {
      await ok(asUser(user, ['import', base, 'base:0']), `import as ${user.name}`);
      await ok(asUser(user, ['commit', 'base:0', extra, 'base:1']), `append as ${user.name}`);
    }
    await ok(runCli(rootStore, ['import', base, 'base:0']), 'import as root');
    await ok(runCli(rootStore, ['commit', 'base:0', extra, 'base:1']), 'append as root');
  });

  after(async () => {
    // userdel also takes the user's lines out of /etc/subuid and /etc/subgid.
    await removeUsers(made);
    await dir?.cleanup();
  });

  // overlay in the user namespace (userxattr, the namespace's own mount namespace), the default
  // where the kernel allows it; and vfs copies, where it does not.
  for (const snapshotter of ['overlay', 'vfs']) {
    it(`build with RUN as the user gives the layers root builds, file by file, owners included (${snapshotter})`, async () => {
      const tag = `built-${snapshotter}:1`;
      const ours = await ok(asUser(mapped, ['build', '--no-cache', '-t', tag, context], snapshotter === 'vfs' ? { STEVEDORE_SNAPSHOTTER: 'vfs' } : {}), 'rootless build');
      // In the namespace the build's commands run as root, then as USER 1234.
      assert.match(ours, /^uid=0\(root\) gid=0/m);
      assert.match(ours, /^uid=1234 gid=1234/m);
      const snapshots = await readdir(join(mapped.store, 'stevedore', 'snapshots')).catch(() => [] as string[]);
      if (snapshotter === 'overlay') assert.ok(snapshots.some((n) => /^[a-f0-9]{64}$/.test(n)), `the layers were unpacked once as overlay snapshots: ${snapshots.join(' ')}`);
      await ok(runCli(rootStore, ['build', '-t', 'built:1', context]), 'root build');

      const rootless = await layersOf((a) => asUser(mapped, ['save', '-o', a, tag]), mapped.dir, `rootless-build-${snapshotter}`);
      const root = await layersOf((a) => runCli(rootStore, ['save', '-o', a, 'built:1']), dir.path, 'root-build');
      assert.equal(rootless.length, 5, 'two base layers and three RUN layers');
      const first = rootless[2]!;
      const fact = (path: string): EntryFacts | undefined => first.find((f) => f.path === path);
      assert.equal(fact('data/file')?.owner, '1000:1000');
      assert.equal(fact('data/file')?.mode, '4755');
      assert.equal(fact('data/sub')?.owner, '123:456');
      assert.equal(fact('data/sub/x')?.owner, '0:0');
      assert.equal(fact('data/fifo')?.type, 'fifo');
      assert.ok(rootless[3]!.some((f) => f.path === 'etc/.wh.motd'), 'the deletion is a whiteout');
      assert.equal(rootless[4]!.find((f) => f.path === 'home/mine')?.owner, '1234:1234');
      assert.deepEqual(rootless, root);
      if (snapshotter === 'overlay') {
        // A run unpacks the image's layers as snapshots, with folders of the user's subordinate
        // ids (data/sub is 123:456); rmi runs outside the namespace and still removes them.
        const snapshotsDir = join(mapped.store, 'stevedore', 'snapshots');
        await ok(asUser(mapped, ['run', '--rm', tag, 'true']), 'run of the built image');
        const withImage = await readdir(snapshotsDir);
        await ok(asUser(mapped, ['rmi', tag]), 'rmi as the user');
        const left = await readdir(snapshotsDir);
        assert.equal(left.length, withImage.length - 3, `the three RUN layers' snapshots went: ${withImage.join(' ')} → ${left.join(' ')}`);
        assert.match(await ok(asUser(mapped, ['system', 'check']), 'system check'), /No problems found/);
      }
    });
  }

  it('run, start, diff, commit and rm as the user: the container\'s files are the user\'s subordinate ids outside, the image\'s owners inside', async () => {
    const script = 'echo hi > /hi && chown 42:43 /hi && mkdir /d && chmod 700 /d && id -u';
    assert.equal(await ok(asUser(mapped, ['run', '--name', 'c1', 'base:1', 'sh', '-c', script]), 'rootless run'), '0\n');
    const [id] = await readdir(join(mapped.store, 'stevedore', 'containers'));
    const record = JSON.parse(await readFile(join(mapped.store, 'stevedore', 'containers', id!, 'container.json'), 'utf8')) as { Driver: string };
    assert.equal(record.Driver, 'overlay', 'overlay in the user namespace');
    // Mounted only in the namespace of the command that runs or diffs it: outside, its upper folder.
    assert.deepEqual(await readdir(join(mapped.store, 'stevedore', 'containers', id!, 'rootfs')), []);
    const outside = await lstat(join(mapped.store, 'stevedore', 'containers', id!, 'upper', 'hi'));
    assert.deepEqual([outside.uid, outside.gid], [SUBORDINATE.start + 41, SUBORDINATE.start + 42], 'inside 42:43 is subordinate id 42:43 outside');
    assert.equal((await lstat(join(mapped.store, 'index.json'))).uid, mapped.uid, "the store's own files are the user's");
    assert.equal(await ok(asUser(mapped, ['diff', 'c1']), 'diff'), 'A /d\nA /hi\n');
    await ok(asUser(mapped, ['commit', '-m', 'hi file', 'c1', 'ran:1']), 'rootless commit');
    // start runs the command again in the same root filesystem: /d is there now, so it fails.
    const again = await asUser(mapped, ['start', '-a', 'c1']);
    assert.equal(again.code, 1, again.stdout + again.stderr);
    assert.match(again.stderr, /mkdir: can't create directory '\/d': File exists/);
    await ok(asUser(mapped, ['rm', 'c1']), 'rm');
    // --network none: a network namespace of its own, so a sysfs of its own (loopback only).
    assert.equal(await ok(asUser(mapped, ['run', '--rm', '--network', 'none', 'base:1', 'ls', '/sys/class/net']), 'run --network none'), 'lo\n');
    // The host's network: the host's /sys, bound read-only.
    const hostNet = await ok(asUser(mapped, ['run', '--rm', 'base:1', 'ls', '/sys/class/net']), 'run, host network');
    assert.deepEqual(hostNet.trim().split(/\s+/).sort(), (await readdir('/sys/class/net')).sort());
    assert.deepEqual(await readdir(join(mapped.store, 'stevedore', 'containers')), []);
    assert.match(await ok(asUser(mapped, ['system', 'check']), 'system check'), /No problems found/);

    await ok(runCli(rootStore, ['run', '--name', 'c1', 'base:1', 'sh', '-c', script]), 'root run');
    await ok(runCli(rootStore, ['commit', '-m', 'hi file', 'c1', 'ran:1']), 'root commit');
    await ok(runCli(rootStore, ['rm', 'c1']), 'root rm');
    const rootless = await layersOf((a) => asUser(mapped, ['save', '-o', a, 'ran:1']), mapped.dir, 'rootless-commit');
    const root = await layersOf((a) => runCli(rootStore, ['save', '-o', a, 'ran:1']), dir.path, 'root-commit');
    assert.equal(rootless.at(-1)!.find((f) => f.path === 'hi')?.owner, '42:43');
    assert.deepEqual(rootless.at(-1), root.at(-1));
  });

  it('kill -9 of the command the user started ends the run inside the namespace too: the container goes, nothing keeps running', async () => {
    const started = spawn('runuser', ['-u', mapped.name, '--', 'env', '-i', `PATH=${process.env.PATH ?? '/usr/bin:/bin'}`, `HOME=${mapped.dir}`, process.execPath, CLI, '--store', mapped.store, 'run', '--name', 'k1', 'base:1', 'sh', '-c', 'echo started; sleep 1000'], { cwd: mapped.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<void>((resolve) => started.once('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      started.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('started')) resolve();
      });
      started.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
      started.once('exit', () => reject(new Error(`run ended before its container started: ${out}`)));
    });
    // The CLI process runuser started (the one the user sees), not the one inside the namespace.
    const outer = (await sh('pgrep', ['-P', String(started.pid), '-f', CLI])).stdout.trim().split('\n');
    assert.equal(outer.length, 1, outer.join(' '));
    process.kill(Number(outer[0]), 'SIGKILL');
    await exited;
    // The command inside sees the pipe from the killed process close and cancels the run.
    while ((await run('pgrep', ['-u', mapped.name])).code === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(await readdir(join(mapped.store, 'stevedore', 'containers')), []);
    assert.match(await ok(asUser(mapped, ['system', 'check']), 'system check'), /No problems found/);
  });

  it('kill -9 of the user\'s run or build at random moments, ten times: system check --repair as the user leaves a clean check, no process of the user and no mount', async () => {
    const random = seededRandom('rootless kill moments');
    // The ids the user's processes can have outside: its own, and its subordinate range.
    const usersIds = (uid: number): boolean => uid === mapped.uid || (uid >= SUBORDINATE.start && uid < SUBORDINATE.start + SUBORDINATE.count);
    for (let round = 0; round < 10; round++) {
      const marker = `stevedore-rlkill-${random.seed}-${round}`;
      const script = `echo ${marker} > /m; busybox sleep 600; echo ${marker}`;
      // Rounds take turns: run, build with RUN steps, run --rm.
      const kind = round % 3;
      let args = ['run', ...(kind === 2 ? ['--rm'] : []), 'base:1', 'sh', '-c', script];
      if (kind === 1) {
        const context = join(mapped.dir, `kill-context-${round}`);
        await mkdir(context);
        await writeFile(join(context, 'Dockerfile'), `FROM base:1\nRUN echo ${marker} > /first\nRUN ${script}\n`);
        await chown(context, mapped.uid, mapped.gid);
        args = ['build', '-t', `killed:${round}`, context];
      }
      // Started as the user directly (no runuser in between), so the process killed is the CLI the
      // user started, the one that waits for its copy inside the namespace.
      const child = spawn(process.execPath, [CLI, '--store', mapped.store, ...args], {
        uid: mapped.uid,
        gid: mapped.gid,
        cwd: mapped.dir,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: mapped.dir },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      const closed = new Promise((resolve) => child.once('close', resolve));
      const delay = random.below(2500);
      await new Promise((resolve) => setTimeout(resolve, delay));
      child.kill('SIGKILL');
      await closed;
      const what = `round ${round} (${args[0]}, kill after ${delay} ms)`;
      assert.equal(child.signalCode, 'SIGKILL', `${what}: ended before it was killed: ${stderr}`);
      // The copy inside the namespace sees its parent's pipe close and cancels; it ends by itself.
      const innerCli = (cmdline: string): boolean => cmdline.includes(CLI) && cmdline.includes(mapped.store);
      while ((await livePids(innerCli)).length) await new Promise((resolve) => setTimeout(resolve, 100));

      const repair = await asUser(mapped, ['system', 'check', '--repair']);
      assert.equal(repair.code, 0, `${what}: ${repair.stdout}${repair.stderr}`);
      const check = await asUser(mapped, ['system', 'check']);
      assert.match(check.stdout, /No problems found/, `${what}: ${check.stdout}${check.stderr}`);
      assert.deepEqual(await livePids((_cmdline, uid) => usersIds(uid)), [], `${what}: a process of the user outlived the repair`);
      assert.deepEqual(await livePids((cmdline) => cmdline.includes(marker)), [], `${what}: the container's process outlived the repair`);
      const mounts = await readFile('/proc/self/mountinfo', 'utf8');
      assert.ok(!mounts.includes(mapped.store), `${what}: a mount is left below the user's store`);
      assert.equal((await ok(asUser(mapped, ['images', '-q', `killed:${round}`]), 'images')), '', `${what}: a killed build stored an image`);
      // Whatever is left is a stopped container that `ps -a` shows and `rm` removes.
      const ps = await ok(asUser(mapped, ['ps', '-a', '--format', '{{.Names}} {{.Status}}']), 'ps');
      for (const line of ps.split('\n').filter(Boolean)) {
        assert.match(line, / (Exited \(\d+\)|Created)/, `${what}: ${ps}`);
        await ok(asUser(mapped, ['rm', line.split(' ')[0]!]), `rm ${line}`);
      }
    }
  });

  it('a user without subordinate ranges is told what to add, and run and build leave the store as it was', async () => {
    const before = await storeSnapshot(unmapped.store);
    const ran = await asUser(unmapped, ['run', 'base:1', 'true']);
    assert.equal(ran.code, 125, ran.stdout + ran.stderr);
    for (const file of ['subuid', 'subgid']) {
      assert.match(ran.stderr, new RegExp(`subordinate (user|group) ids for ${unmapped.name} in /etc/${file}: add a line such as "${unmapped.name}:100000:65536"`));
    }
    assert.doesNotMatch(ran.stderr, /uidmap/, 'newuidmap is there: only what is missing is named');
    assert.deepEqual(await storeSnapshot(unmapped.store), before);
    const built = await asUser(unmapped, ['build', '-t', 'never:1', context]);
    assert.equal(built.code, 1, built.stdout + built.stderr);
    assert.match(built.stderr, /Running a container needs root, or a user namespace with subordinate ids/);
    assert.deepEqual(await storeSnapshot(unmapped.store), before);
  });
});
