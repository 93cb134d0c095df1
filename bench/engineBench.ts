// Goal (issue 11), on the ~1 GB image of the archives section, with a private dockerd (vfs):
//   store → Docker: `stevedore copy IMAGE docker-daemon:IMAGE` within 1.1× of `docker load` of the
//                   same image's `docker save` archive (the engine's own load is the floor);
//   Docker → store: `stevedore copy docker-daemon:IMAGE IMAGE` within 1.1× of `docker save -o FILE`;
//   peak memory of stevedore under 200 MB.
// dockerd runs for this section only, on its own socket, and is stopped by PID at the end.

import { spawnSync } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { startDockerd } from '../test/helpers/dockerd';
import { bigImageStore, measure, print, rmSync } from './archiveBench';

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
    print(
      {
        stevedore: measure(process.execPath, [CLI, '--store', freshStore, 'copy', `docker-daemon:${ref}`, ref, '-H', engine.host], () => rmSync(freshStore)),
        'docker save': measure('/usr/bin/docker', ['-H', engine.host, 'save', '-o', out, ref], () => rmSync(out)),
      },
      'docker save',
      'ratio <= 1.1 (the engine is the floor), peak memory < 200 MB',
    );
  } finally {
    await engine.stop();
    await rm(WORK, { recursive: true, force: true });
  }
}
