// `build` (no issue sets a goal; measured so that it stays honest): one Dockerfile with no RUN,
// FROM scratch with two COPY layers (8 files of 32 MiB random data, and 2,000 small text files) plus
// config steps, built from scratch each time by `stevedore build` (a fresh store per run), by
// `docker build` (the classic builder of a private dockerd on vfs, --no-cache) and by
// `podman build` (vfs, --no-cache). The context is made once under .cache/bench/build.

import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { startDockerd } from '../test/helpers/dockerd';
import { median, timeCommand } from './timing';

/** One timed run, so that the tools alternate run by run. */
const once = (cmd: string, args: string[]): number => timeCommand(cmd, args, 1).medianMs;

const CACHE = resolve('.cache/bench/build');
const CONTEXT = join(CACHE, 'context');
const CLI = resolve('dist/cli.js');
const RUNS = 3;

export async function buildBench(): Promise<void> {
  if (!existsSync(join(CACHE, 'context.done'))) {
    console.log('making the build context: 8 × 32 MiB random files and 2,000 small text files (once; cached)…');
    await rm(CONTEXT, { recursive: true, force: true });
    await mkdir(join(CONTEXT, 'big'), { recursive: true });
    await mkdir(join(CONTEXT, 'small'), { recursive: true });
    for (let i = 0; i < 8; i++) await writeFile(join(CONTEXT, 'big', `data-${i}.bin`), randomBytes(32 * 1024 * 1024));
    for (let i = 0; i < 2000; i++) await writeFile(join(CONTEXT, 'small', `file-${i}.txt`), `line ${i}\n`.repeat(50));
    await writeFile(join(CONTEXT, 'Dockerfile'), 'FROM scratch\nCOPY big/ /data/big/\nCOPY small/ /data/small/\nENV APP=bench\nWORKDIR /data\nCMD ["/data/run"]\n');
    await writeFile(join(CACHE, 'context.done'), '');
  }
  const work = join(CACHE, 'work');
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const engine = await startDockerd();
  const podman = ['--root', join(work, 'podman-root'), '--runroot', join(work, 'podman-run'), '--storage-driver', 'vfs', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file'];
  try {
    const ours: number[] = [];
    const docker: number[] = [];
    const podmans: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      ours.push(once(process.execPath, [CLI, '--store', join(work, `store-${i}`), 'build', '-q', '-t', 'bench/build:1', CONTEXT]));
      await rm(join(work, `store-${i}`), { recursive: true, force: true });
      const start = process.hrtime.bigint();
      const built = await engine.docker(['build', '-q', '--no-cache', '-t', `bench/build:${i}`, CONTEXT]);
      if (built.code !== 0) throw new Error(`docker build failed: ${built.stderr}`);
      docker.push(Number(process.hrtime.bigint() - start) / 1e6);
      podmans.push(once('podman', [...podman, 'build', '-q', '--no-cache', '-t', `bench/build:${i}`, CONTEXT]));
    }
    const m = median(ours);
    console.log(`build, 2 COPY layers (256 MiB + 2,000 files): stevedore ${(m / 1000).toFixed(2)} s (median of ${RUNS}: ${ours.map((t) => (t / 1000).toFixed(2)).join(' ')})`);
    for (const [name, runs] of [['docker build (classic, vfs)', docker], ['podman build (vfs)', podmans]] as const) {
      const t = median(runs);
      console.log(`  ${name}: ${(t / 1000).toFixed(2)} s (median of ${RUNS}: ${runs.map((r) => (r / 1000).toFixed(2)).join(' ')}) — ratio stevedore/${name.split(' ')[0]} = ${(m / t).toFixed(2)}`);
    }
    console.log('  no goal: shown so that build stays measured');
  } finally {
    await engine.stop();
    spawnSync('podman', [...podman, 'system', 'reset', '-f'], { stdio: 'ignore' });
    await rm(work, { recursive: true, force: true });
  }
}
