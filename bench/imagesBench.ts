// Goal (issue 2): `stevedore images` on 1,000 tagged images no slower than `podman images` on
// 1,000 images, measured in the same run. The stores are cached under .cache/bench so reruns skip
// the slow fill.

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { FileImageStore } from '../src/core/store/fileImageStore';
import { importBuffer, makeTar } from '../test/helpers/fixtures';
import { startDockerd } from '../test/helpers/dockerd';
import { measureShort, printRuns, type Measured } from './cpuTimes';
import { report, timeCommand } from './timing';

const COUNT = 1000;
const CACHE = resolve('.cache/bench/images');
const CLI = resolve('dist/cli.js');

export async function imagesBench(): Promise<void> {
  await mkdir(CACHE, { recursive: true });
  const storePath = join(CACHE, 'stevedore-store');
  const podmanRoot = join(CACHE, 'podman-root');
  const podmanArgs = ['--root', podmanRoot, '--runroot', join(CACHE, 'podman-run'), '--storage-driver', 'vfs', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file'];

  if (!existsSync(join(CACHE, 'stevedore.done'))) {
    console.log(`filling a Stevedore store with ${COUNT} images…`);
    const store = await FileImageStore.open(storePath);
    for (let i = 0; i < COUNT; i++) {
      await importBuffer(store, await makeTar([{ name: `file${i}`, content: `image ${i}\n` }]), `bench/app${i % 50}:v${i}`, { changes: [`LABEL index=${i}`] });
    }
    await writeFile(join(CACHE, 'stevedore.done'), '');
  }
  if (!existsSync(join(CACHE, 'podman.done'))) {
    console.log(`filling a podman store with ${COUNT} images (podman import, a few minutes)…`);
    const tarPath = join(CACHE, 'file.tar');
    for (let i = 0; i < COUNT; i++) {
      await writeFile(tarPath, await makeTar([{ name: `file${i}`, content: `image ${i}\n` }]));
      execFileSync('podman', [...podmanArgs, 'import', '--quiet', tarPath, `bench/app${i % 50}:v${i}`], { stdio: 'ignore' });
    }
    await writeFile(join(CACHE, 'podman.done'), '');
  }

  // dist/cli.js run as a program, as the `stevedore` command is (its sh line starts Node: scripts/build.mjs).
  const ours = timeCommand(CLI, ['--store', storePath, 'images'], 7);
  const podman = timeCommand('podman', [...podmanArgs, 'images'], 7);
  report(`images (${COUNT} images)`, ours, { podman }, 'ratio <= 1.0 (no slower than podman)');
  await againstDocker(storePath);
}

/**
 * Goal (issue 10): `stevedore images` no slower than `docker images` on the same 1,000 images, given
 * to a private dockerd with one `docker load` of Stevedore's archive of them. Runs alternate, and
 * user+sys CPU is printed beside wall time (docker's client asks its daemon, whose CPU is not counted).
 */
export async function againstDocker(storePath: string): Promise<void> {
  const archive = join(CACHE, 'all.tar');
  if (!existsSync(archive)) {
    const refs = Array.from({ length: COUNT }, (_, i) => `bench/app${i % 50}:v${i}`);
    execFileSync(process.execPath, [CLI, '--store', storePath, 'save', '-o', archive, ...refs], { stdio: 'ignore' });
  }
  const engine = await startDockerd();
  try {
    console.log(`loading the ${COUNT} images into a private dockerd…`);
    const loaded = await engine.docker(['load', '-q', '-i', archive]);
    if (loaded.code !== 0) throw new Error(`docker load failed: ${loaded.stderr}`);
    // Node's own start beside them: the floor under every Stevedore command on this machine.
    const runs: Record<string, Measured[]> = { stevedore: [], 'docker images': [], 'node -e 0': [] };
    measureShort(CLI, ['--store', storePath, 'images']);
    for (let i = 0; i < 9; i++) {
      runs.stevedore!.push(measureShort(CLI, ['--store', storePath, 'images']));
      runs['docker images']!.push(measureShort('/usr/bin/docker', ['-H', engine.host, 'images']));
      runs['node -e 0']!.push(measureShort(process.execPath, ['-e', '0']));
    }
    printRuns(`images (${COUNT} images) against docker`, runs, 'ratio stevedore/docker images <= 1.0');
    // Node 20 reads and parses every certificate of NODE_EXTRA_CA_CERTS before any JavaScript runs
    // (~40 ms of CPU for a system bundle of ~150 here); the `stevedore` executable starts Node
    // without it and reads it only for a verified TLS connection (core/http/deferredCas.ts).
    if (process.env.NODE_EXTRA_CA_CERTS) console.log(`  note: NODE_EXTRA_CA_CERTS is set (${process.env.NODE_EXTRA_CA_CERTS}): node -e 0 parses it at start, stevedore defers it`);
  } finally {
    await engine.stop();
  }
}
