// Issue 12's build goal: a Dockerfile of 5 RUN and 2 COPY steps on the debootstrap Debian base,
// built fresh (the base already in each tool's store, nothing else) by `stevedore build`, by
// `docker build` (classic builder, a private dockerd on vfs, --no-cache), by `buildah bud` (vfs,
// chroot isolation) and by `podman build` (vfs, chroot isolation: podman's own runtime, crun,
// cannot set its rlimits here). Goal: ≤ 0.5× docker build and ≤ 1.0× buildah. The tools take turns run
// by run; the built image is removed between runs (the base stays, as each tool keeps it), and
// every fresh run is --no-cache. Then the fully cached run: after one build that fills each tool's
// cache (buildah with --layers, its cache), the same build again, every step taken from the cache.
// Goal: cached ≤ 0.3× docker build (cached too).

import { spawnSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { debianRootfsTarball } from '../test/helpers/debianRootfs';
import { startDockerd } from '../test/helpers/dockerd';
import { median, timeCommand } from './timing';

const CACHE = resolve('.cache/bench/run-build');
const CLI = resolve('dist/cli.js');
const RUNS = 3;

export const DOCKERFILE = `ARG BASE
FROM $BASE
COPY app/ /opt/app/
RUN mkdir -p /srv/data && cp -a /opt/app /srv/data/ && chmod -R go-w /srv/data
RUN useradd --create-home --uid 1000 app
RUN echo "built" > /etc/built && rm -f /etc/motd
RUN find /usr/share/doc -name copyright | head -100 | xargs cat > /srv/data/licences.txt
COPY config.txt /etc/app.conf
RUN chown -R app:app /srv/data
`;

/** The build context of this section (and of the rootless one): 200 small files, a config file and the Dockerfile. */
export async function writeBuildContext(context: string): Promise<void> {
  await mkdir(join(context, 'app'), { recursive: true });
  for (let i = 0; i < 200; i++) await writeFile(join(context, 'app', `file-${i}.txt`), `line ${i}\n`.repeat(100));
  await writeFile(join(context, 'config.txt'), 'key=value\n');
  await writeFile(join(context, 'Dockerfile'), DOCKERFILE);
}

const once = (cmd: string, args: string[]): number => timeCommand(cmd, args, 1).medianMs;

export async function runBuildBench(): Promise<void> {
  const tarball = await debianRootfsTarball((line) => console.log(line));
  await rm(CACHE, { recursive: true, force: true });
  const context = join(CACHE, 'context');
  await writeBuildContext(context);
  const store = join(CACHE, 'store');
  const must = (result: ReturnType<typeof spawnSync>, what: string): void => {
    if (result.status !== 0) throw new Error(`${what} failed: ${String(result.stderr)}`);
  };
  must(spawnSync(process.execPath, [CLI, '--store', store, 'import', '-c', 'CMD ["bash"]', tarball, 'bench/debian:base']), 'stevedore import');
  const archive = join(CACHE, 'base.tar');
  must(spawnSync(process.execPath, [CLI, '--store', store, 'save', '-o', archive, 'bench/debian:base']), 'stevedore save');
  const buildah = ['--root', join(CACHE, 'buildah-root'), '--runroot', join(CACHE, 'buildah-run'), '--storage-driver', 'vfs'];
  const pulled = spawnSync('buildah', [...buildah, 'pull', '-q', `docker-archive:${archive}`], { encoding: 'utf8' });
  must(pulled, 'buildah pull');
  const buildahBase = pulled.stdout.trim();
  const podman = ['--root', join(CACHE, 'podman-root'), '--runroot', join(CACHE, 'podman-run'), '--storage-driver', 'vfs', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file'];
  const podmanLoaded = spawnSync('podman', [...podman, 'load', '-q', '-i', archive], { encoding: 'utf8' });
  must(podmanLoaded, 'podman load');
  const engine = await startDockerd();
  try {
    const loaded = await engine.docker(['load', '-i', archive]);
    if (loaded.code !== 0) throw new Error(`docker load failed: ${loaded.stderr}`);
    const ours: number[] = [];
    const docker: number[] = [];
    const buildahs: number[] = [];
    const podmans: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      ours.push(once(process.execPath, [CLI, '--store', store, 'build', '-q', '--no-cache', '--build-arg', 'BASE=bench/debian:base', '-t', 'bench/run:1', context]));
      must(spawnSync(process.execPath, [CLI, '--store', store, 'rmi', 'bench/run:1']), 'stevedore rmi');
      const start = process.hrtime.bigint();
      const built = await engine.docker(['build', '-q', '--no-cache', '--build-arg', 'BASE=bench/debian:base', '-t', 'bench/run:1', context]);
      if (built.code !== 0) throw new Error(`docker build failed: ${built.stderr}`);
      docker.push(Number(process.hrtime.bigint() - start) / 1e6);
      await engine.docker(['rmi', 'bench/run:1']);
      buildahs.push(once('buildah', [...buildah, 'bud', '-q', '--isolation', 'chroot', '--build-arg', `BASE=${buildahBase}`, '-t', 'bench/run:1', context]));
      spawnSync('buildah', [...buildah, 'rmi', 'bench/run:1'], { stdio: 'ignore' });
      podmans.push(once('podman', [...podman, 'build', '-q', '--no-cache', '--isolation', 'chroot', '--build-arg', 'BASE=bench/debian:base', '-t', 'bench/run:1', context]));
      spawnSync('podman', [...podman, 'rmi', 'bench/run:1'], { stdio: 'ignore' });
    }
    const m = median(ours);
    console.log(`build, 5 RUN + 2 COPY on Debian bookworm minbase: stevedore ${(m / 1000).toFixed(2)} s (median of ${RUNS}: ${ours.map((t) => (t / 1000).toFixed(2)).join(' ')})`);
    for (const [name, runs, goal] of [['docker build (classic, vfs)', docker, 0.5], ['buildah bud (vfs, chroot)', buildahs, 1.0], ['podman build (vfs, chroot)', podmans, undefined]] as const) {
      const t = median(runs);
      console.log(`  ${name}: ${(t / 1000).toFixed(2)} s (median of ${RUNS}: ${runs.map((r) => (r / 1000).toFixed(2)).join(' ')}) — ratio stevedore/${name.split(' ')[0]} = ${(m / t).toFixed(2)}${goal ? ` (goal ≤ ${goal})` : ''}`);
    }
    await cachedRuns(store, context, engine, buildah, buildahBase, podman, must);
  } finally {
    await engine.stop();
    spawnSync('buildah', [...buildah, 'rm', '--all'], { stdio: 'ignore' });
    spawnSync('podman', [...podman, 'system', 'reset', '-f'], { stdio: 'ignore' });
    await rm(CACHE, { recursive: true, force: true });
  }
}

/** The same build again with every step in each tool's cache: one unmeasured build fills it. */
async function cachedRuns(
  store: string,
  context: string,
  engine: Awaited<ReturnType<typeof startDockerd>>,
  buildah: string[],
  buildahBase: string,
  podman: string[],
  must: (result: ReturnType<typeof spawnSync>, what: string) => void,
): Promise<void> {
  const oursArgs = [CLI, '--store', store, 'build', '-q', '--build-arg', 'BASE=bench/debian:base', '-t', 'bench/cached:1', context];
  const dockerArgs = ['build', '-q', '--build-arg', 'BASE=bench/debian:base', '-t', 'bench/cached:1', context];
  const buildahArgs = [...buildah, 'bud', '-q', '--layers', '--isolation', 'chroot', '--build-arg', `BASE=${buildahBase}`, '-t', 'bench/cached:1', context];
  must(spawnSync(process.execPath, oursArgs), 'stevedore build (filling the cache)');
  if ((await engine.docker(dockerArgs)).code !== 0) throw new Error('docker build (filling the cache) failed');
  must(spawnSync('buildah', buildahArgs), 'buildah bud (filling the cache)');
  const podmanArgs = [...podman, 'build', '-q', '--layers', '--isolation', 'chroot', '--build-arg', 'BASE=bench/debian:base', '-t', 'bench/cached:1', context];
  must(spawnSync('podman', podmanArgs), 'podman build (filling the cache)');
  const ours: number[] = [];
  const docker: number[] = [];
  const buildahs: number[] = [];
  const podmans: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    ours.push(once(process.execPath, oursArgs));
    const start = process.hrtime.bigint();
    if ((await engine.docker(dockerArgs)).code !== 0) throw new Error('docker build (cached) failed');
    docker.push(Number(process.hrtime.bigint() - start) / 1e6);
    buildahs.push(once('buildah', buildahArgs));
    podmans.push(once('podman', podmanArgs));
  }
  const m = median(ours);
  console.log(`build again, every step cached: stevedore ${(m / 1000).toFixed(2)} s (median of ${RUNS}: ${ours.map((t) => (t / 1000).toFixed(2)).join(' ')})`);
  for (const [name, runs, goal] of [['docker build (classic, vfs, cached)', docker, 0.3], ['buildah bud (vfs, chroot, --layers, cached)', buildahs, undefined], ['podman build (vfs, chroot, cached)', podmans, undefined]] as const) {
    const t = median(runs);
    console.log(`  ${name}: ${(t / 1000).toFixed(2)} s (median of ${RUNS}: ${runs.map((r) => (r / 1000).toFixed(2)).join(' ')}) — ratio stevedore/${name.split(' ')[0]} = ${(m / t).toFixed(2)}${goal ? ` (goal ≤ ${goal})` : ''}`);
  }
}
