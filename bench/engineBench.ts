// Goal (issue 11), on the ~1 GB image of the archives section, with a private dockerd (vfs):
//   store → Docker: `stevedore copy IMAGE docker-daemon:IMAGE` within 1.1× of `docker load` of the
//                   same image's `docker save` archive (the engine's own load is the floor);
//   Docker → store: `stevedore copy docker-daemon:IMAGE IMAGE` within 1.1× of `docker save -o FILE`;
//   peak memory of stevedore under 200 MB.
// Docker → store also prints what its wall times are made of: the engine's export read and dropped
// (Docker 20.10 writes the whole export to a folder of its own before its first byte, the same for
// `docker save`), and stevedore's user+sys CPU, which the machine's load moves far less than wall time.
// dockerd runs for this section only, on its own socket, and is stopped by PID at the end.

import { spawnSync } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { startDockerd } from '../test/helpers/dockerd';
import { streamedGet } from '../src/core/engine/streamedGet';
import { bigImageStore, measure, print, rmSync } from './archiveBench';
import { measure as measureCpu, medianOf } from './cpuTimes';

const CLI = resolve('dist/cli.js');
const WORK = resolve('.cache/bench/engine');

export async function engineBench(): Promise<void> {
  const { storePath, ref } = await bigImageStore();
  await rm(WORK, { recursive: true, force: true });
  await mkdir(WORK, { recursive: true });
  const engine = await startDockerd();
  const docker = (args: string[]): void => {
    const run = spawnSync('/usr/bin/docker', ['-H', engine.host, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    if (run.status !== 0) throw new Error(`docker ${args.join(' ')} failed: ${run.stderr.toString()}`);
  };
  const env = { DOCKER_HOST: engine.host };
  try {
    // The engine's own archive of the image, for `docker load` to read.
    spawnSync(process.execPath, [CLI, '--store', storePath, 'copy', ref, `docker-daemon:${ref}`], { env: { ...process.env, ...env }, stdio: 'inherit' });
    const saved = join(WORK, 'docker-saved.tar');
    docker(['save', '-o', saved, ref]);

    console.log('store → Docker (median of 3):');
    const removeFromDocker = (): void => void spawnSync('/usr/bin/docker', ['-H', engine.host, 'rmi', '-f', ref], { stdio: 'ignore' });
    print(
      {
        stevedore: measure(process.execPath, [CLI, '--store', storePath, 'copy', ref, `docker-daemon:${ref}`, '-H', engine.host], removeFromDocker),
        'docker load': measure('/usr/bin/docker', ['-H', engine.host, 'load', '-q', '-i', saved], removeFromDocker),
      },
      'docker load',
      'ratio <= 1.1 (the engine is the floor), peak memory < 200 MB',
    );

    console.log('Docker → store (median of 3):');
    const freshStore = join(WORK, 'store');
    const out = join(WORK, 'docker-save.tar');
    const cpu: number[] = [];
    const copyToStore = { ms: [] as number[], peakKb: [] as number[] };
    for (let i = 0; i < 3; i++) {
      rmSync(freshStore);
      const run = measureCpu(process.execPath, [CLI, '--store', freshStore, 'copy', `docker-daemon:${ref}`, ref, '-H', engine.host]);
      copyToStore.ms.push(run.ms);
      copyToStore.peakKb.push(run.peakKb);
      cpu.push(run.userMs + run.sysMs);
    }
    print(
      {
        stevedore: copyToStore,
        'docker save': measure('/usr/bin/docker', ['-H', engine.host, 'save', '-o', out, ref], () => rmSync(out)),
      },
      'docker save',
      'ratio <= 1.1 (the engine is the floor), peak memory < 200 MB',
    );
    const exports = [];
    for (let i = 0; i < 3; i++) exports.push(await exportOnly(engine.socket, ref));
    console.log(`  stevedore user+sys CPU ${(medianOf(cpu) / 1000).toFixed(2)} s; the engine's export read and dropped ${(medianOf(exports.map((e) => e.ms)) / 1000).toFixed(2)} s, its first byte after ${(medianOf(exports.map((e) => e.firstMs)) / 1000).toFixed(2)} s (medians of 3)`);
  } finally {
    await engine.stop();
    await rm(WORK, { recursive: true, force: true });
  }
}

/** The engine's export of `ref` read off its socket and dropped: how long, and how long until its first byte. */
async function exportOnly(socketPath: string, ref: string): Promise<{ ms: number; firstMs: number }> {
  const start = performance.now();
  const body = await streamedGet({ socketPath, path: `/images/get?names=${encodeURIComponent(ref)}`, reusePieces: true });
  if (!body) throw new Error('the engine refused the export');
  let firstMs = 0;
  for await (const _piece of body) firstMs ||= performance.now() - start;
  return { ms: performance.now() - start, firstMs };
}
