// Goal (issue 6): analysing the layers of a ~200 MB Debian image — streaming, gunzip, tar headers,
// content fingerprints, the stacked analysis — within 1.5× of `tar -tvzf` over the same layer blobs
// (the floor: GNU tar listing the same bytes), measured in the same run, runs interleaved so that
// both see the same machine. Also shown: the second look (from the cache), the CLI end to end,
// building the merged tree, and `verify` against `sha256sum` + `gzip -dc | sha256sum`.
//
// The image is the debootstrap rootfs of test/helpers/debianRootfs.ts (cached after the first run,
// which takes about a minute), imported into a temporary store.

import { spawnSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { importRootfs } from '../src/core/image/importRootfs';
import { analyseImageLayers } from '../src/core/layers/imageLayers';
import { layerCacheDir } from '../src/core/layers/layerCache';
import { verifyImage } from '../src/core/layers/verifyImage';
import type { ImageStore } from '../src/core/store/imageStore';
import { FileImageStore } from '../src/core/store/fileImageStore';
import { debianRootfsTarball } from '../test/helpers/debianRootfs';
import { bulkTar, storeLayeredImage } from '../test/helpers/layeredImages';
import { report, timeCommand, type Timing } from './timing';

const RUNS = 5;
const CLI = resolve('dist/cli.js');

export async function layersBench(): Promise<void> {
  const tarball = await debianRootfsTarball((line) => console.log(line));
  const work = await mkdtemp(join(tmpdir(), 'stevedore-layers-bench-'));
  try {
    const storePath = join(work, 'store');
    const store = await FileImageStore.open(storePath);
    console.log('importing the Debian rootfs into a temporary store…');
    const record = await importRootfs(store, { source: createReadStream(tarball, { highWaterMark: 1024 * 1024 }), sourceName: 'debian.tar.gz', reference: 'bench/debian:minbase' });
    const image = await store.load(record);
    const blobs = image.manifest.layers.map((l) => store.blobs.path(l.digest));
    const compressed = image.manifest.layers.reduce((sum, l) => sum + l.size, 0);

    const ours: number[] = [];
    const tar: number[] = [];
    let analysis;
    for (let run = 0; run < RUNS; run++) {
      tar.push(timeProcess(() => blobs.forEach((blob) => check(spawnSync('tar', ['-tvzf', blob], { stdio: ['ignore', 'ignore', 'pipe'] }), 'tar'))));
      const start = process.hrtime.bigint();
      analysis = (await analyseImageLayers(image, { cache: false })).analysis;
      ours.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    const uncompressed = analysis!.layers.reduce((sum, l) => sum + l.uncompressedSize, 0);
    const entries = analysis!.layers.reduce((sum, l) => sum + l.changes.entries, 0);
    console.log(`image: ${image.manifest.layers.length} layer(s), ${mb(compressed)} compressed, ${mb(uncompressed)} uncompressed, ${entries} entries`);
    report('analyse layers (no cache)', timing(ours), { 'tar -tvzf': timing(tar) }, 'ratio <= 1.5 (within 1.5x of tar -tvzf)');

    // The second look: the listing comes from the cache written by the first.
    await analyseImageLayers(image);
    const cached: number[] = [];
    const trees: number[] = [];
    let treeBytes = 0;
    for (let run = 0; run < RUNS; run++) {
      const start = process.hrtime.bigint();
      const layers = await analyseImageLayers(image);
      cached.push(Number(process.hrtime.bigint() - start) / 1e6);
      const treeStart = process.hrtime.bigint();
      const tree = layers.mergedTree();
      trees.push(Number(process.hrtime.bigint() - treeStart) / 1e6);
      treeBytes = Buffer.byteLength(JSON.stringify(tree));
    }
    console.log(`second look, from the cache: ${timing(cached).medianMs.toFixed(0)} ms (median of ${RUNS})`);
    console.log(`merged tree of the last layer: ${timing(trees).medianMs.toFixed(0)} ms to build, ${mb(treeBytes)} as JSON`);

    // End to end through the CLI, cold (cache removed before each run) and warm.
    const cliArgs = [CLI, '--store', storePath, 'layers', 'bench/debian:minbase'];
    const cold: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      await rm(layerCacheDir(store.layout), { recursive: true, force: true });
      cold.push(timeCommand(process.execPath, cliArgs, 1).medianMs);
    }
    const warm = timeCommand(process.execPath, cliArgs, RUNS);
    console.log(`stevedore layers (CLI): cold ${timing(cold).medianMs.toFixed(0)} ms, warm ${warm.medianMs.toFixed(0)} ms (medians of ${RUNS})`);

    // verify: both digests of every layer in one read, against the two commands that compute them.
    const verify: number[] = [];
    const floor: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      floor.push(timeProcess(() => blobs.forEach((blob) => check(spawnSync('sh', ['-c', 'sha256sum "$1" >/dev/null && gzip -dc "$1" | sha256sum >/dev/null', 'sh', blob]), 'sha256sum/gzip'))));
      const start = process.hrtime.bigint();
      const result = await verifyImage(image);
      verify.push(Number(process.hrtime.bigint() - start) / 1e6);
      if (!result.ok) throw new Error('verify failed on the benchmark image');
    }
    report('verify (layer digests and diffIDs)', timing(verify), { 'sha256sum + gzip -dc | sha256sum': timing(floor) }, 'shown for reference');
    await syntheticBench(store);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** What the inspector meets in a layer of 100,000 files: read, replay, tree and its JSON. */
async function syntheticBench(store: ImageStore): Promise<void> {
  const entries: { name: string; content?: string }[] = [];
  for (let d = 0; d < 100; d++) {
    entries.push({ name: `usr/share/doc/package-${d}/` });
    for (let f = 0; f < 1000; f++) entries.push({ name: `usr/share/doc/package-${d}/file-${f}.txt`, content: f % 10 === 0 ? `text ${d} ${f}\n` : '' });
  }
  const record = await storeLayeredImage(store, [{ tar: bulkTar(entries) }], 'bench/many-files:1');
  const image = await store.load(record);
  const read: number[] = [];
  const tree: number[] = [];
  let bytes = 0;
  for (let run = 0; run < RUNS; run++) {
    const start = process.hrtime.bigint();
    const layers = await analyseImageLayers(image, { cache: false });
    read.push(Number(process.hrtime.bigint() - start) / 1e6);
    const treeStart = process.hrtime.bigint();
    const merged = layers.mergedTree(0);
    const json = JSON.stringify(merged);
    tree.push(Number(process.hrtime.bigint() - treeStart) / 1e6);
    bytes = Buffer.byteLength(json);
  }
  console.log(`a layer of 100,000 files: analysed in ${timing(read).medianMs.toFixed(0)} ms, tree built and serialised in ${timing(tree).medianMs.toFixed(0)} ms, ${mb(bytes)} of JSON (medians of ${RUNS})`);
}

function timeProcess(fn: () => void): number {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function check(result: ReturnType<typeof spawnSync>, what: string): void {
  if (result.status !== 0) throw new Error(`${what} failed: ${result.stderr?.toString() ?? ''}`);
}

function timing(runs: number[]): Timing {
  const sorted = [...runs].sort((a, b) => a - b);
  return { medianMs: sorted[Math.floor(sorted.length / 2)]!, runs };
}

function mb(bytes: number): string {
  return `${(bytes / 1e6).toFixed(1)} MB`;
}
