// Goals (issue 3), on a ~1 GB image of 8 gzip layers (128 MiB of random data plus 8 MiB of text
// each) in a real docker-registry on loopback, measured in one run:
//   pull: `stevedore pull` into an empty store in at most half of `skopeo copy docker://… oci:DIR`'s
//         time (`podman pull` shown too);
//   push: `stevedore push` to an empty registry no slower than `skopeo copy oci:DIR docker://…`;
//         and a push when every blob is already there;
//   peak memory of stevedore under 200 MB, whatever the image size.
// The image is built once into an OCI layout under .cache/bench/pullpush. Every push goes to a
// fresh registry with its own storage (skopeo would otherwise mount from its blob-info cache).
// Registries are started here and stopped by PID at the end.

import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, constants as fsConstants, createWriteStream, existsSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { cpus } from 'node:os';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { createGzip } from 'node:zlib';
import * as tar from 'tar-stream';
import { BufferPool } from '../src/core/store/bufferPool';
import { startRegistry, type RunningRegistry } from '../test/helpers/registry';
import { median } from './timing';

const CACHE = resolve('.cache/bench/pullpush');
const LAYOUT = join(CACHE, 'image-oci');
const CLI = resolve('dist/cli.js');
const LAYERS = 8;
const RANDOM_BYTES = 128 * 1024 * 1024;
const TEXT_BYTES = 8 * 1024 * 1024;
// Five runs each: the median of three swung by ±0.04 in the pull ratio on this shared 2-core machine.
const RUNS = 5;
const REPO = 'bench/big';

interface Run {
  ms: number;
  /** Peak resident memory in kB, from /usr/bin/time. */
  peakKb: number;
  /** CPU seconds in user and kernel mode, from /usr/bin/time. */
  user: number;
  sys: number;
  /** CPU seconds the registry spent while this run went on (its share of the two cores). */
  registryCpu?: number;
}

export async function pullPushBench(): Promise<void> {
  await mkdir(CACHE, { recursive: true });
  const policy = join(CACHE, 'policy.json');
  await writeFile(policy, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
  if (!existsSync(join(LAYOUT, 'index.json'))) {
    console.log(`building the image: ${LAYERS} gzip layers of 128 MiB random data + 8 MiB text (once; cached)…`);
    await buildLayout(LAYOUT);
  }
  const work = join(CACHE, 'work');
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const registries: RunningRegistry[] = [];
  let started = 0;
  const fresh = async (): Promise<RunningRegistry> => {
    const r = await startRegistry({ storageDir: join(work, `registry-${started++}`) });
    registries.push(r);
    return r;
  };
  try {
    const source = await fresh();
    const ref = `${source.host}/${REPO}:1`;
    console.log('filling the registry (skopeo)…');
    mustRun('skopeo', ['--policy', policy, 'copy', '--dest-tls-verify=false', `oci:${LAYOUT}:bench`, `docker://${ref}`]);
    // The registry does not fsync what it stored: flush it now, or its write-back competes with
    // whichever tool pulls first.
    mustRun('sync', []);

    // ---- pull ----
    // What tells machines apart: the CPU, and whether the store's disk takes O_DIRECT (the pull
    // writes layers with it and falls back to ordinary writes where it cannot).
    console.log(`machine: ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}; O_DIRECT on ${work}: ${directIo(work)}`);
    const withRegistry = (run: () => Run): Run => {
      const before = processCpu(source.pid);
      const result = run();
      const after = processCpu(source.pid);
      return before !== undefined && after !== undefined ? { ...result, registryCpu: after - before } : result;
    };
    const ours: Run[] = [];
    const skopeoPull: Run[] = [];
    for (let i = 0; i < RUNS; i++) {
      const store = join(work, `pull-stevedore-${i}`);
      ours.push(withRegistry(() => timed(process.execPath, [CLI, '--store', store, 'pull', ref])));
      if (i < RUNS - 1) await rm(store, { recursive: true, force: true });
      // skopeo's writes stay in the page cache after it exits (ours go to disk with O_DIRECT): the
      // write-back, and that of the deletes, is flushed between runs, or the next run pays for it.
      mustRun('sync', []);
      const dir = join(work, `pull-skopeo-${i}`);
      skopeoPull.push(withRegistry(() => timed('skopeo', ['--policy', policy, 'copy', '--src-tls-verify=false', `docker://${ref}`, `oci:${dir}:bench`])));
      await rm(dir, { recursive: true, force: true });
      mustRun('sync', []);
    }
    // Each pair ran back to back under about the same load from the machine's other work.
    pairedRatios('pull', ours, skopeoPull);
    // podman refuses a runroot path longer than 50 characters, which a checkout's .cache may exceed.
    const podmanRoot = await mkdtemp('/tmp/sd-podman-');
    const podman = timed('podman', ['--root', join(podmanRoot, 'root'), '--runroot', join(podmanRoot, 'run'), '--storage-driver', 'vfs', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file', 'pull', '--tls-verify=false', '-q', ref]);
    spawnSync('podman', ['--root', join(podmanRoot, 'root'), '--runroot', join(podmanRoot, 'run'), '--storage-driver', 'vfs', 'system', 'reset', '-f'], { stdio: 'ignore' });
    await rm(podmanRoot, { recursive: true, force: true });
    report('pull into an empty store', ours, { 'skopeo copy docker:// oci:': skopeoPull, 'podman pull': [podman] }, 'ratio stevedore/skopeo <= 0.5');

    // ---- push to an empty registry, then again with every blob there ----
    const store = join(work, `pull-stevedore-${RUNS - 1}`);
    const oursPush: Run[] = [];
    const oursAgain: Run[] = [];
    const skopeoPush: Run[] = [];
    const skopeoAgain: Run[] = [];
    for (let i = 0; i < RUNS; i++) {
      const target = await fresh();
      const targetRef = `${target.host}/${REPO}:1`;
      mustRun(process.execPath, [CLI, '--store', store, 'tag', ref, targetRef]);
      oursPush.push(timed(process.execPath, [CLI, '--store', store, 'push', targetRef]));
      oursAgain.push(timed(process.execPath, [CLI, '--store', store, 'push', targetRef]));
      await stopLast(registries);
      const other = await fresh();
      skopeoPush.push(timed('skopeo', ['--policy', policy, 'copy', '--dest-tls-verify=false', `oci:${LAYOUT}:bench`, `docker://${other.host}/${REPO}:1`]));
      skopeoAgain.push(timed('skopeo', ['--policy', policy, 'copy', '--dest-tls-verify=false', `oci:${LAYOUT}:bench`, `docker://${other.host}/${REPO}:1`]));
      await stopLast(registries);
    }
    report('push to an empty registry', oursPush, { 'skopeo copy oci: docker://': skopeoPush }, 'ratio stevedore/skopeo <= 1.0');
    report('push when every blob is there', oursAgain, { 'skopeo copy oci: docker://': skopeoAgain }, 'a few HEADs; no goal beyond "fast"');
    const peak = Math.max(...[...ours, ...oursPush, ...oursAgain].map((r) => r.peakKb));
    console.log(`peak memory of stevedore: ${(peak / 1024).toFixed(0)} MB — goal: under 200 MB`);
  } finally {
    for (const r of registries) await r.stop();
    await rm(work, { recursive: true, force: true });
  }
}

/** The stevedore/skopeo ratio of each back-to-back pair, wall and CPU, and their medians. */
function pairedRatios(label: string, ours: Run[], theirs: Run[]): void {
  const wall = ours.map((r, i) => r.ms / theirs[i]!.ms);
  const cpu = ours.map((r, i) => (r.user + r.sys) / (theirs[i]!.user + theirs[i]!.sys));
  const list = (values: number[]): string => values.map((v) => v.toFixed(2)).join(' ');
  console.log(`${label}, ratio of each back-to-back pair: wall ${list(wall)} (median ${median(wall).toFixed(2)}); CPU ${list(cpu)} (median ${median(cpu).toFixed(2)})`);
}

/** Stops the newest registry and deletes its storage, so the next one starts empty. */
async function stopLast(registries: RunningRegistry[]): Promise<void> {
  const last = registries.pop();
  if (!last) return;
  await last.stop();
  await rm(last.storageDir, { recursive: true, force: true });
}

function mustRun(cmd: string, args: string[]): void {
  const result = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${result.stderr.toString()}`);
}

/** Wall time measured here; user and system CPU and peak RSS from GNU time's %U %S %M. */
function timed(cmd: string, args: string[]): Run {
  const start = process.hrtime.bigint();
  const result = spawnSync('/usr/bin/time', ['-f', '%U %S %M', cmd, ...args], { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  const stderr = result.stderr.toString();
  if (result.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${stderr}`);
  const [user, sys, peak] = (stderr.trim().split('\n').pop() ?? '').split(' ').map(Number);
  return { ms, peakKb: peak ?? 0, user: user ?? 0, sys: sys ?? 0 };
}

/** CPU seconds (user + system) a process has used so far, from /proc; undefined where unreadable. */
function processCpu(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the command name.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Whether a file in `dir` takes an aligned O_DIRECT write, as the pull's ingest tries. */
function directIo(dir: string): string {
  const flag = (fsConstants as { O_DIRECT?: number }).O_DIRECT;
  if (flag === undefined) return 'no (not on this platform)';
  const path = join(dir, 'o-direct-probe');
  let fd: number | undefined;
  try {
    fd = openSync(path, fsConstants.O_WRONLY | fsConstants.O_CREAT | flag, 0o600);
    // The pool's buffers are page-aligned in memory, as O_DIRECT wants (a plain Buffer need not be).
    const pool = new BufferPool({ bufferSize: 64 * 1024 });
    writeSync(fd, pool.acquire(), 0, 4096, 0);
    return pool.aligned ? 'yes' : 'yes (but no aligned buffers: ordinary writes)';
  } catch (err) {
    return `no (${(err as NodeJS.ErrnoException).code ?? String(err)}: ordinary writes)`;
  } finally {
    if (fd !== undefined) closeSync(fd);
    rmSync(path, { force: true });
  }
}

function report(label: string, ours: Run[], theirs: Record<string, Run[]>, goal: string): void {
  const m = median(ours.map((r) => r.ms));
  const samples = (runs: Run[]): string => runs.map((r) => (r.ms / 1000).toFixed(2)).join(' ');
  // Medians of CPU time: how much of the wall time was work, and how much waiting (or the registry).
  const cpu = (runs: Run[]): string => {
    const registry = runs.filter((r) => r.registryCpu !== undefined);
    return `user ${median(runs.map((r) => r.user)).toFixed(2)} s, sys ${median(runs.map((r) => r.sys)).toFixed(2)} s${registry.length ? `, registry ${median(registry.map((r) => r.registryCpu!)).toFixed(2)} s` : ''}`;
  };
  console.log(`${label}: stevedore ${(m / 1000).toFixed(2)} s (median of ${ours.length}: ${samples(ours)}), peak ${(Math.max(...ours.map((r) => r.peakKb)) / 1024).toFixed(0)} MB, ${cpu(ours)}`);
  for (const [name, runs] of Object.entries(theirs)) {
    const t = median(runs.map((r) => r.ms));
    // CPU time (user + sys) as well as wall: on a loaded machine the wall ratio also measures the neighbours.
    const cpuRatio = median(ours.map((r) => r.user + r.sys)) / median(runs.map((r) => r.user + r.sys));
    console.log(`  ${name}: ${(t / 1000).toFixed(2)} s (median of ${runs.length}: ${samples(runs)}), peak ${(Math.max(...runs.map((r) => r.peakKb)) / 1024).toFixed(0)} MB, ${cpu(runs)} — ratio stevedore/${name.split(' ')[0]} = ${(m / t).toFixed(2)} wall, ${cpuRatio.toFixed(2)} CPU`);
  }
  console.log(`  goal: ${goal}`);
}

// ---- building the image ----

async function buildLayout(dir: string): Promise<void> {
  const tmp = `${dir}.tmp`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(join(tmp, 'blobs', 'sha256'), { recursive: true });
  const layers: { digest: string; size: number; diffId: string }[] = [];
  for (let i = 0; i < LAYERS; i++) layers.push(await writeLayer(tmp, i));
  const config = {
    architecture: 'amd64',
    os: 'linux',
    created: '2024-01-01T00:00:00Z',
    config: { Cmd: ['/bin/sh'] },
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: layers.map((_, i) => ({ created: '2024-01-01T00:00:00Z', created_by: `bench layer ${i}` })),
  };
  const configBlob = await writeBlob(tmp, Buffer.from(JSON.stringify(config)));
  const manifest = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...configBlob },
    layers: layers.map((l) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: l.digest, size: l.size })),
  };
  const manifestBlob = await writeBlob(tmp, Buffer.from(JSON.stringify(manifest)));
  await writeFile(join(tmp, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(
    join(tmp, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: manifest.mediaType, ...manifestBlob, annotations: { 'org.opencontainers.image.ref.name': 'bench' } }] }),
  );
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
}

async function writeBlob(dir: string, bytes: Buffer): Promise<{ digest: string; size: number }> {
  const hex = createHash('sha256').update(bytes).digest('hex');
  await writeFile(join(dir, 'blobs', 'sha256', hex), bytes);
  return { digest: `sha256:${hex}`, size: bytes.length };
}

/** One layer: a tar with random and text files, gzip level 1, hashed both ways as it is written. */
async function writeLayer(dir: string, index: number): Promise<{ digest: string; size: number; diffId: string }> {
  const pack = tar.pack();
  const plain = createHash('sha256');
  const compressed = createHash('sha256');
  let size = 0;
  const tmpPath = join(dir, `layer-${index}.tmp`);
  const writing = pipeline(
    pack,
    hashing(plain),
    createGzip({ level: 1 }),
    hashing(compressed, (n) => (size += n)),
    createWriteStream(tmpPath),
  );
  const random = pack.entry({ name: `data/random-${index}.bin`, size: RANDOM_BYTES, mode: 0o644, mtime: new Date(0) });
  for (let written = 0; written < RANDOM_BYTES; written += 1024 * 1024) {
    if (!random.write(randomBytes(1024 * 1024))) await new Promise<void>((r) => random.once('drain', () => r()));
  }
  random.end(undefined);
  const line = `layer ${index}: the quick brown fox jumps over the lazy dog\n`;
  const text = Buffer.from(line.repeat(Math.ceil(TEXT_BYTES / line.length))).subarray(0, TEXT_BYTES);
  pack.entry({ name: `data/text-${index}.txt`, mode: 0o644, mtime: new Date(0) }, text);
  pack.finalize();
  await writing;
  const digest = `sha256:${compressed.digest('hex')}`;
  await rename(tmpPath, join(dir, 'blobs', 'sha256', digest.slice(7)));
  return { digest, size, diffId: `sha256:${plain.digest('hex')}` };
}

function hashing(hash: ReturnType<typeof createHash>, count?: (n: number) => void): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      count?.(chunk.length);
      done(null, chunk);
    },
  });
}
