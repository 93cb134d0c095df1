// Issue 12, without root: the run-build section's Dockerfile (5 RUN and 2 COPY steps on the
// debootstrap Debian base) built fresh by an unprivileged user, beside the same build by root. The
// user's `stevedore build` runs itself again inside a user namespace (unshare, newuidmap) with
// overlay root filesystems (userxattr), and once more with vfs copies (STEVEDORE_SNAPSHOTTER=vfs),
// the only choice where the kernel has no overlay in user namespaces; `buildah bud` as the same
// user (vfs, chroot isolation) does the same in its own user namespace, and buildah as root is
// printed too, so that the price of the namespace is seen for both tools. Runs take turns; each build is --no-cache and its image is removed
// before the next. Needs root, to make the user (with a subordinate id range) it removes at the end.

import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmod, chown, copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { debianRootfsTarball } from '../test/helpers/debianRootfs';
import { writeBuildContext } from './runBuildBench';
import { median } from './timing';

const CLI = resolve('dist/cli.js');
const RUNS = 3;
const SUBORDINATE = '700000-765535';

interface Who {
  uid: number;
  gid: number;
  env: NodeJS.ProcessEnv;
}

export async function rootlessBuildBench(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.log('not measured: this section makes an unprivileged user with subordinate ids, which needs root (run npm run bench as root)');
    return;
  }
  const tarball = await debianRootfsTarball((line) => console.log(line));
  const name = `stvbench${process.pid % 100000}`;
  const dir = await mkdtemp(join(tmpdir(), 'stevedore-rootless-bench-'));
  let made = false;
  try {
    must(spawnSync('useradd', ['-M', '-K', 'SUB_UID_COUNT=0', '-K', 'SUB_GID_COUNT=0', name]), 'useradd');
    made = true;
    must(spawnSync('usermod', ['--add-subuids', SUBORDINATE, '--add-subgids', SUBORDINATE, name]), 'usermod');
    const uid = Number(must(spawnSync('id', ['-u', name], { encoding: 'utf8' }), 'id').stdout.trim());
    const gid = Number(must(spawnSync('id', ['-g', name], { encoding: 'utf8' }), 'id').stdout.trim());
    await chmod(dir, 0o755);
    const context = join(dir, 'context');
    await writeBuildContext(context);
    const base = join(dir, 'base.tar');
    await copyFile(tarball, base);
    await chownTree(dir, uid, gid);
    const root: Who = { uid: 0, gid: 0, env: process.env };
    const user: Who = { uid, gid, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, XDG_RUNTIME_DIR: join(dir, 'run') } };
    must(spawnSync('mkdir', ['-m', '700', join(dir, 'run')], { uid, gid }), 'mkdir run');

    const rootStore = join(dir, 'root-store');
    const userStore = join(dir, 'user-store');
    const stevedore = (store: string, args: string[]): string[] => [CLI, '--store', store, ...args];
    must(spawnSync(process.execPath, stevedore(rootStore, ['import', '-c', 'CMD ["bash"]', base, 'bench/debian:base'])), 'stevedore import (root)');
    must(spawnSync(process.execPath, stevedore(userStore, ['import', '-c', 'CMD ["bash"]', base, 'bench/debian:base']), { ...as(user) }), 'stevedore import (user)');
    const archive = join(dir, 'base-docker.tar');
    must(spawnSync(process.execPath, stevedore(userStore, ['save', '-o', archive, 'bench/debian:base']), { ...as(user) }), 'stevedore save');
    const buildahRoot = (who: string): string[] => ['--root', join(dir, `buildah-${who}`), '--runroot', join(dir, `buildah-run-${who}`), '--storage-driver', 'vfs'];
    const buildahBase = (who: Who, label: string): string => must(spawnSync('buildah', [...buildahRoot(label), 'pull', '-q', `docker-archive:${archive}`], { ...as(who), encoding: 'utf8' }), `buildah pull (${label})`).stdout.trim();
    const bases = { root: buildahBase(root, 'root'), user: buildahBase(user, 'user') };

    const build = ['build', '-q', '--no-cache', '--build-arg', 'BASE=bench/debian:base', '-t', 'bench/run:1', context];
    const bud = (label: 'root' | 'user'): string[] => [...buildahRoot(label), 'bud', '-q', '--isolation', 'chroot', '--build-arg', `BASE=${bases[label]}`, '-t', 'bench/run:1', context];
    const times = { rootless: [] as number[], rootlessVfs: [] as number[], root: [] as number[], buildahRootless: [] as number[], buildahRoot: [] as number[] };
    const userVfs: Who = { ...user, env: { ...user.env, STEVEDORE_SNAPSHOTTER: 'vfs' } };
    for (let i = 0; i < RUNS; i++) {
      times.rootless.push(timed(process.execPath, stevedore(userStore, build), user, 'stevedore build (rootless)'));
      must(spawnSync(process.execPath, stevedore(userStore, ['rmi', 'bench/run:1']), { ...as(user) }), 'stevedore rmi (rootless)');
      times.rootlessVfs.push(timed(process.execPath, stevedore(userStore, build), userVfs, 'stevedore build (rootless, vfs)'));
      must(spawnSync(process.execPath, stevedore(userStore, ['rmi', 'bench/run:1']), { ...as(user) }), 'stevedore rmi (rootless, vfs)');
      times.root.push(timed(process.execPath, stevedore(rootStore, build), root, 'stevedore build (root)'));
      must(spawnSync(process.execPath, stevedore(rootStore, ['rmi', 'bench/run:1'])), 'stevedore rmi (root)');
      times.buildahRootless.push(timed('buildah', bud('user'), user, 'buildah bud (rootless)'));
      spawnSync('buildah', [...buildahRoot('user'), 'rmi', 'bench/run:1'], { ...as(user), stdio: 'ignore' });
      times.buildahRoot.push(timed('buildah', bud('root'), root, 'buildah bud (root)'));
      spawnSync('buildah', [...buildahRoot('root'), 'rmi', 'bench/run:1'], { stdio: 'ignore' });
    }
    const line = (runs: number[]): string => `${(median(runs) / 1000).toFixed(2)} s (median of ${RUNS}: ${runs.map((t) => (t / 1000).toFixed(2)).join(' ')})`;
    const m = median(times.rootless);
    const vfs = median(times.rootlessVfs);
    console.log(`build without root, 5 RUN + 2 COPY on Debian bookworm minbase: stevedore as a user (user namespace, overlay) ${line(times.rootless)}`);
    console.log(`  stevedore as root (overlay): ${line(times.root)} — ratio rootless/root = ${(m / median(times.root)).toFixed(2)}`);
    console.log(`  stevedore as the user with vfs copies: ${line(times.rootlessVfs)} — ratio overlay/vfs = ${(m / vfs).toFixed(2)}`);
    console.log(`  buildah bud as the user (vfs, chroot): ${line(times.buildahRootless)} — ratio stevedore/buildah, both rootless = ${(m / median(times.buildahRootless)).toFixed(2)} (issue 12's goal for root: ≤ 1.0); with vfs both = ${(vfs / median(times.buildahRootless)).toFixed(2)}`);
    console.log(`  buildah bud as root (vfs, chroot): ${line(times.buildahRoot)} — buildah's own rootless/root = ${(median(times.buildahRootless) / median(times.buildahRoot)).toFixed(2)}`);
  } finally {
    // Root removes the files of the user's subordinate ids too (buildah's and the store's).
    await rm(dir, { recursive: true, force: true });
    if (made) spawnSync('userdel', [name], { stdio: 'ignore' });
  }
}

function as(who: Who): { uid: number; gid: number; env: NodeJS.ProcessEnv; cwd?: string } {
  return who.uid === 0 ? { uid: 0, gid: 0, env: who.env } : { uid: who.uid, gid: who.gid, env: who.env, ...(who.env.HOME ? { cwd: who.env.HOME } : {}) };
}

function timed(cmd: string, args: string[], who: Who, what: string): number {
  const start = process.hrtime.bigint();
  must(spawnSync(cmd, args, { ...as(who), stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 * 1024 * 1024 }), what);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function must<T extends SpawnSyncReturns<string | Buffer>>(result: T, what: string): T {
  if (result.status !== 0) throw new Error(`${what} failed: ${String(result.stderr ?? result.error ?? '')}`);
  return result;
}

async function chownTree(path: string, uid: number, gid: number): Promise<void> {
  await chown(path, uid, gid);
  for (const entry of await readdir(path, { withFileTypes: true })) {
    if (entry.isDirectory()) await chownTree(join(path, entry.name), uid, gid);
    else await chown(join(path, entry.name), uid, gid);
  }
}
