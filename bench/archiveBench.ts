// Goals (issue 4), on the ~1 GB image of peers.md (8 gzip layers of 128 MiB random data plus 8 MiB
// of text each), measured in one run:
//   save: `stevedore save` in at most a third of `podman save`'s time (skopeo copy oci: →
//         docker-archive: shown too);
//   load: `stevedore load` in at most half of `podman load`'s time (docker load shown too), for
//         Stevedore's own archive (gzip layers) and for podman's (uncompressed layers);
//   peak memory of stevedore under 200 MB.
// The image and podman's copy are cached under .cache/bench/archive; dockerd runs for this section
// only, on its own socket, and is stopped by PID at the end.

import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { appendLayer } from '../src/core/archive/appendLayer';
import { tarStream } from '../src/core/archive/tarWriter';
import { importRootfs } from '../src/core/image/importRootfs';
import { FileImageStore } from '../src/core/store/fileImageStore';
import { startDockerd } from '../test/helpers/dockerd';

const CACHE = resolve('.cache/bench/archive');
const CLI = resolve('dist/cli.js');
const REF = 'bench/big:1';
const FULL_REF = `docker.io/${REF}`;
const LAYERS = 8;
const RANDOM_BYTES = 128 * 1024 * 1024;
const TEXT_BYTES = 8 * 1024 * 1024;
const RUNS = 3;

interface Measurement {
  ms: number[];
  /** Peak resident memory of the measured process, in kB (from /usr/bin/time). */
  peakKb: number[];
}

/** The store holding the 1 GB image (REF), built once and cached. */
export async function bigImageStore(): Promise<{ storePath: string; ref: string }> {
  await mkdir(CACHE, { recursive: true });
  const storePath = join(CACHE, 'stevedore-store');
  if (!existsSync(join(CACHE, 'stevedore.done'))) {
    console.log(`building ${REF}: ${LAYERS} layers of 128 MiB random data + 8 MiB text (gzip, a minute or two)…`);
    await buildBigImage(storePath);
    await writeFile(join(CACHE, 'stevedore.done'), '');
  }
  return { storePath, ref: REF };
}

export async function archiveBench(): Promise<void> {
  const { storePath } = await bigImageStore();
  const podmanArgs = ['--root', join(CACHE, 'podman-root'), '--runroot', join(CACHE, 'podman-run'), '--storage-driver', 'vfs', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file'];
  const policy = join(CACHE, 'policy.json');
  await writeFile(policy, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));

  if (!existsSync(join(CACHE, 'podman.done'))) {
    console.log('copying it into a podman store (skopeo)…');
    execFileSync('skopeo', ['--policy', policy, 'copy', `oci:${storePath}:${FULL_REF}`, `containers-storage:[vfs@${join(CACHE, 'podman-root')}+${join(CACHE, 'podman-run')}]${FULL_REF}`], { stdio: 'ignore' });
    await writeFile(join(CACHE, 'podman.done'), '');
  }

  const work = join(CACHE, 'work');
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const ours = join(work, 'stevedore.tar');
  const podmans = join(work, 'podman.tar');
  const skopeos = join(work, 'skopeo.tar');

  console.log(`save (median of ${RUNS}):`);
  const save = {
    stevedore: measure(process.execPath, [CLI, '--store', storePath, 'save', '-o', ours, REF], () => rmSync(ours)),
    podman: measure('podman', [...podmanArgs, 'save', '-o', podmans, REF], () => rmSync(podmans)),
    'skopeo copy': measure('skopeo', ['--policy', policy, 'copy', `oci:${storePath}:${FULL_REF}`, `docker-archive:${skopeos}:${REF}`], () => rmSync(skopeos)),
  };
  print(save, 'podman', 'ratio <= 0.33 (a third of podman save), peak memory < 200 MB');

  const engine = await startDockerd();
  try {
    for (const [label, archive] of [['stevedore\'s archive (gzip layers)', ours], ['podman\'s archive (uncompressed layers)', podmans]] as const) {
      console.log(`load ${label} (median of ${RUNS}):`);
      const freshStore = join(work, 'load-store');
      const freshPodman = ['--root', join(work, 'podman-root'), '--runroot', join(work, 'podman-run'), ...podmanArgs.slice(4)];
      const load = {
        stevedore: measure(process.execPath, [CLI, '--store', freshStore, 'load', '-q', '-i', archive], () => rmSync(freshStore)),
        podman: measure('podman', [...freshPodman, 'load', '-q', '-i', archive], () => {
          rmSync(join(work, 'podman-root'));
          rmSync(join(work, 'podman-run'));
        }),
        docker: measure('/usr/bin/docker', ['-H', engine.host, 'load', '-q', '-i', archive], () => {
          spawnSync('/usr/bin/docker', ['-H', engine.host, 'rmi', '-f', REF], { stdio: 'ignore' });
        }),
      };
      print(load, 'podman', 'ratio <= 0.5 (half of podman load), peak memory < 200 MB');
    }
  } finally {
    await engine.stop();
    await rm(work, { recursive: true, force: true });
  }
}

/** Runs the command RUNS times under /usr/bin/time, after `prepare` (not timed) each time. */
export function measure(cmd: string, args: string[], prepare: () => void): Measurement {
  const result: Measurement = { ms: [], peakKb: [] };
  for (let i = 0; i < RUNS; i++) {
    prepare();
    const start = process.hrtime.bigint();
    const run = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 16 * 1024 * 1024 });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    const stderr = run.stderr.toString();
    if (run.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${stderr}`);
    result.ms.push(ms);
    result.peakKb.push(Number(stderr.trim().split('\n').pop()));
  }
  return result;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export function print(results: Record<string, Measurement>, baseline: string, goal: string): void {
  const base = median(results[baseline]!.ms);
  for (const [name, m] of Object.entries(results)) {
    const t = median(m.ms);
    const ratio = name === 'stevedore' ? `  ratio stevedore/${baseline} = ${(t / base).toFixed(2)}` : '';
    console.log(`  ${name.padEnd(12)} ${(t / 1000).toFixed(2).padStart(6)} s   peak ${(Math.max(...m.peakKb) / 1024).toFixed(0).padStart(5)} MB${ratio}`);
  }
  console.log(`  goal: ${goal}`);
}

export function rmSync(path: string): void {
  spawnSync('rm', ['-rf', path]);
}

async function buildBigImage(storePath: string): Promise<void> {
  const store = await FileImageStore.open(storePath);
  const created = new Date('2026-01-01T00:00:00Z');
  for (let i = 0; i < LAYERS; i++) {
    const source = layerTar(i);
    if (i === 0) {
      await importRootfs(store, { source, sourceName: 'layer0.tar', reference: `${REF}-0`, created });
    } else {
      await appendLayer(store, { base: `${REF}-${i - 1}`, source: { kind: 'tarball', name: `layer${i}.tar`, bytes: source }, reference: i === LAYERS - 1 ? REF : `${REF}-${i}`, created });
    }
  }
}

function layerTar(index: number): AsyncGenerator<Uint8Array> {
  const mtime = new Date('2026-01-01T00:00:00Z');
  return tarStream(async (writer) => {
    await writer.add({ name: `layer${index}/`, type: 'directory', mode: 0o755, mtime });
    await writer.addStream({ name: `layer${index}/random.bin`, type: 'file', mode: 0o644, mtime, size: RANDOM_BYTES }, randomChunks(RANDOM_BYTES));
    await writer.addStream({ name: `layer${index}/text.txt`, type: 'file', mode: 0o644, mtime, size: TEXT_BYTES }, textChunks(TEXT_BYTES, index));
  });
}

async function* randomChunks(total: number): AsyncGenerator<Uint8Array> {
  for (let done = 0; done < total; done += 1024 * 1024) yield randomBytes(Math.min(1024 * 1024, total - done));
}

async function* textChunks(total: number, seed: number): AsyncGenerator<Uint8Array> {
  let line = 0;
  let pending = Buffer.alloc(0);
  for (let done = 0; done < total; ) {
    while (pending.length < 64 * 1024) {
      pending = Buffer.concat([pending, Buffer.from(`layer ${seed} line ${line++}: the quick brown fox jumps over the lazy dog ${line * 7919 % 10007}\n`)]);
    }
    const take = Math.min(pending.length, total - done);
    yield pending.subarray(0, take);
    pending = pending.subarray(take);
    done += take;
  }
}
