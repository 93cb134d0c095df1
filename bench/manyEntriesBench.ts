// Goal (issue 10): `load` of an archive holding a small image and 200,000 tiny entries nobody needs
// in under 10 s and 150 MB, shown beside `docker load`, `podman load` (when they read it) and
// `tar tf`, which only lists it. The archive is built once under .cache/bench/entries: junk first,
// the image's files (manifest.json last) after it, as the worst case for a one-pass reader.

import { spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, rmSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { randomRootfs } from '../test/helpers/fixtures';
import { startDockerd } from '../test/helpers/dockerd';
import { cpuModel, measure, printRuns, type Measured } from './cpuTimes';

const CACHE = resolve('.cache/bench/entries');
const CLI = resolve('dist/cli.js');
const ENTRIES = 200_000;
const REF = 'bench/entries:1';
const RUNS = 3;
/** docker and podman unpack every entry; each gets one run, stopped (by `timeout`) after this long. */
const PEER_LIMIT_S = 240;

export async function manyEntriesBench(): Promise<void> {
  console.log(`CPU: ${cpuModel()}; Node ${process.version}`);
  await mkdir(CACHE, { recursive: true });
  const archive = join(CACHE, `image-and-${ENTRIES}-entries.tar`);
  if (!existsSync(archive)) {
    console.log(`building an archive of a small image and ${ENTRIES.toLocaleString('en')} tiny entries (once; cached)…`);
    await buildArchive(archive);
  }
  const work = join(CACHE, 'work');
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const store = join(work, 'store');
  const podman = ['--root', join(work, 'podman-root'), '--runroot', join(work, 'podman-run'), '--storage-driver', 'vfs', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file'];
  const engine = await startDockerd();
  try {
    const runs: Record<string, Measured[]> = { stevedore: [], 'tar tf': [], docker: [], podman: [] };
    const failed: string[] = [];
    const attempt = (name: string, run: () => Measured): void => {
      if (failed.includes(name)) return;
      try {
        runs[name]!.push(run());
      } catch (err) {
        failed.push(name);
        const message = (err as Error).message;
        console.log(`  ${name}: ${/\btimeout\b.*failed: *$/s.test(message) || /Command exited with non-zero status 124/.test(message) ? `did not finish within ${PEER_LIMIT_S} s (stopped)` : `cannot load it: ${message.split('\n').slice(-2).join(' ').slice(0, 200)}`}`);
      }
    };
    for (let i = 0; i < RUNS; i++) {
      rmSync(store, { recursive: true, force: true });
      attempt('stevedore', () => measure(process.execPath, [CLI, '--store', store, 'load', '-q', '-i', archive]));
      attempt('tar tf', () => measure('tar', ['tf', archive]));
    }
    attempt('docker', () => measure('timeout', [String(PEER_LIMIT_S), '/usr/bin/docker', '-H', engine.host, 'load', '-q', '-i', archive]));
    attempt('podman', () => measure('timeout', [String(PEER_LIMIT_S), 'podman', ...podman, 'load', '-q', '-i', archive]));
    for (const name of failed) delete runs[name];
    printRuns(`load a small image among ${ENTRIES.toLocaleString('en')} tiny entries`, runs, 'stevedore under 10 s and 150 MB');
  } finally {
    await engine.stop();
    spawnSync('podman', [...podman, 'system', 'reset', '-f'], { stdio: 'ignore' });
    await rm(work, { recursive: true, force: true });
  }
}

async function buildArchive(target: string): Promise<void> {
  const tmp = join(CACHE, 'build');
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  const store = join(tmp, 'store');
  await writeFile(join(tmp, 'rootfs.tar'), await randomRootfs(8, 64 * 1024));
  for (const args of [['import', join(tmp, 'rootfs.tar'), REF], ['save', '-o', join(tmp, 'image.tar'), REF]]) {
    const result = spawnSync(process.execPath, [CLI, '--store', store, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    if (result.status !== 0) throw new Error(`stevedore ${args[0]} failed: ${result.stderr.toString()}`);
  }
  const pack = tar.pack();
  const writing = pipeline(pack, createWriteStream(`${target}.tmp`));
  for (let i = 0; i < ENTRIES; i++) {
    const body = `junk ${i}\n`;
    await new Promise<void>((done, fail) => pack.entry({ name: `junk/${i % 1000}/file${i}.txt`, size: body.length, mtime: new Date(0) }, body, (err) => (err ? fail(err) : done())));
  }
  const extract = tar.extract();
  const reading = pipeline(createReadStream(join(tmp, 'image.tar')), extract);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    await new Promise<void>((done, fail) => pack.entry(entry.header, Buffer.concat(chunks), (err) => (err ? fail(err) : done())));
  }
  await reading;
  pack.finalize();
  await writing;
  await rename(`${target}.tmp`, target);
  await rm(tmp, { recursive: true, force: true });
}
