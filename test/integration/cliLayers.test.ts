// `stevedore layers`, `verify` and `efficiency` as users and CI scripts run them: output, JSON,
// exit codes, and broken images reported clearly without changing the store.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmod, open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ChangeStatus, nodeStatus, treePath, type CompactTree } from '../../src/core/layers/compactTree';
import type { LayerAnalysis } from '../../src/core/layers/imageLayers';
import { FileImageStore } from '../../src/core/store/fileImageStore';
import { runCli } from '../helpers/cli';
import { tempDir } from '../helpers/fixtures';
import { exampleLayers, layerTar, storeLayeredImage } from '../helpers/layeredImages';

async function snapshot(store: string): Promise<string> {
  const hash = createHash('sha256');
  hash.update(await readFile(join(store, 'index.json')));
  for (const name of (await readdir(join(store, 'blobs', 'sha256'))).sort()) hash.update(name);
  for (const name of (await readdir(join(store, 'stevedore', 'cache', 'layers')).catch(() => [])).sort()) hash.update(name);
  return hash.digest('hex');
}

describe('stevedore CLI: layers, verify, efficiency', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let store: string;

  before(async () => {
    dir = await tempDir();
    store = join(dir.path, 'store');
    const opened = await FileImageStore.open(store);
    await storeLayeredImage(opened, await exampleLayers(), 'example/layers:1');
    await storeLayeredImage(opened, [{ tar: await layerTar([{ name: 'app/', type: 'directory' }, { name: 'app/run', content: 'x'.repeat(4000), mode: 0o755 }]) }], 'example/small:1');
  });
  after(() => dir.cleanup());

  it('layers prints each layer with its digests, sizes, changes and history step, then the totals', async () => {
    const out = await runCli(store, ['layers', 'example/layers:1']);
    assert.equal(out.code, 0, out.stderr);
    const lines = out.stdout.split('\n');
    assert.match(lines[0]!, /^LAYER\s+DIGEST\s+DIFF ID\s+SIZE\s+UNCOMPRESSED\s+ADDED\s+MODIFIED\s+DELETED\s+WASTED\s+CREATED BY$/);
    assert.match(lines[1]!, /^0\s+sha256:[a-f0-9]{12}\s+sha256:[a-f0-9]{12}\s+\S+\s+\S+\s+17\s+0\s+0\s+6\.148kB\s+ADD rootfs\.tar \/$/);
    assert.match(lines[2]!, /^1\s+.*\s+4\s+2\s+3\s+150B\s+RUN configure$/);
    assert.match(lines[3]!, /^2\s+.*\s+1\s+2\s+2\s+0B\s+RUN tidy$/);
    assert.equal(lines[5], 'Files: 1.256kB visible in 8 files, 7.554kB stored in the layers');
    assert.equal(lines[6], 'Wasted: 6.298kB (stored, then overwritten or deleted by a later layer)');
    assert.equal(lines[7], "Efficiency: 16.53 % (dive's score)");
    const full = await runCli(store, ['layers', '--no-trunc', 'example/layers:1']);
    assert.match(full.stdout.split('\n')[1]!, /^0\s+sha256:[a-f0-9]{64}\s+sha256:[a-f0-9]{64}\s/);
  });

  it('layers --layer N lists what the layer adds (A), modifies (M) and deletes (D)', async () => {
    const out = await runCli(store, ['layers', '--layer', '1', 'example/layers:1']);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(
      out.stdout,
      [
        '- drwxr-xr-x 0:0    - L1 /etc',
        '- drwxr-xr-x 0:0    - L1 /etc/conf.d',
        'D -rw-r--r-- 0:0  10B L0 /etc/conf.d/a.conf',
        'D -rw-r--r-- 0:0  20B L0 /etc/conf.d/b.conf',
        'A -rw-r--r-- 0:0  30B L1 /etc/conf.d/c.conf',
        'M -rw-r--r-- 0:0 150B L1 /etc/hosts',
        '- -rw-r--r-- 0:0  11B L1 /etc/passwd',
        'A drwxr-xr-x 0:0    - L1 /home',
        'A drwxr-xr-x 0:0    - L1 /home/user',
        'A -rw-r--r-- 0:0  40B L1 /home/user/notes.txt',
        'M lrwxrwxrwx 0:0    - L1 /usr/bin/sh -> busybox',
        'D -rw-r--r-- 0:0  5kB L0 /var/cache/big.bin',
        '',
      ].join('\n'),
    );
  });

  it('layers --merged lists the union filesystem; --json gives the analysis and the trees', async () => {
    const merged = await runCli(store, ['layers', '--merged', 'example/layers:1']);
    assert.equal(merged.code, 0, merged.stderr);
    assert.match(merged.stdout, /^ {2}-rw-r--r-- 0:0\s+25B L0 \/etc\/os-release$/m);
    assert.match(merged.stdout, /^D -rw-r--r-- 0:0\s+7B L0 \/opt\/keep\.txt$/m);
    assert.match(merged.stdout, /^ {2}-rw-r--r-- 0:0\s+- L0 \/usr\/bin\/tool-link link to \/usr\/bin\/tool$/m);

    const analysis = JSON.parse((await runCli(store, ['layers', '--json', 'example/layers:1'])).stdout) as LayerAnalysis;
    assert.equal(analysis.format, 'stevedore.layers.v1');
    assert.equal(analysis.layers.length, 3);
    assert.equal(analysis.wastedBytes, 6298);

    const tree = JSON.parse((await runCli(store, ['layers', '--layer', '1', '--merged', '--json', 'example/layers:1'])).stdout) as CompactTree;
    assert.equal(tree.view, 'merged');
    assert.equal(tree.layer, 1);
    const deleted = [];
    for (let i = 0; i < tree.count; i++) if (nodeStatus(tree.flags[i]!) === ChangeStatus.deleted) deleted.push(treePath(tree, i));
    assert.deepEqual(deleted, ['/etc/conf.d/a.conf', '/etc/conf.d/b.conf', '/var/cache/big.bin']);
    const layerTree = JSON.parse((await runCli(store, ['layers', '-l', '2', '--json', 'example/layers:1'])).stdout) as CompactTree;
    assert.equal(layerTree.view, 'layer');
  });

  it('layers refuses layers that do not exist, and images that do not', async () => {
    const missing = await runCli(store, ['layers', '--layer', '3', 'example/layers:1']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'Error: There is no layer 3: the image has 3 layers, numbered 0 to 2.\n');
    const negative = await runCli(store, ['layers', '--layer', '-1', 'example/layers:1']);
    assert.equal(negative.code, 125);
    const noImage = await runCli(store, ['layers', 'nope']);
    assert.equal(noImage.code, 1);
    assert.equal(noImage.stderr, 'Error: No such image: nope:latest\n');
  });

  it('verify recomputes every digest and exits 0 when all match', async () => {
    const out = await runCli(store, ['verify', 'example/layers:1']);
    assert.equal(out.code, 0, out.stderr);
    const lines = out.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^CHECKED\s+DIGEST\s+RESULT$/);
    assert.deepEqual(
      lines.slice(1, -1).map((l) => l.replace(/\s+sha256:[a-f0-9]{64}\s+/, ' | ')),
      ['manifest | ok', 'config (image ID) | ok', 'layer 0 (compressed) | ok', 'layer 0 (diffID) | ok', 'layer 1 (compressed) | ok', 'layer 1 (diffID) | ok', 'layer 2 (compressed) | ok', 'layer 2 (diffID) | ok'],
    );
    assert.match(lines.at(-1)!, /^All 8 digests match \(\S+ read\)\.$/);
    const json = JSON.parse((await runCli(store, ['verify', '--json', 'example/layers:1'])).stdout) as { ok: boolean; checks: unknown[] };
    assert.equal(json.ok, true);
    assert.equal(json.checks.length, 8);
  });

  it('efficiency reports the score and wasted files, and --min gates on it', async () => {
    const report = await runCli(store, ['efficiency', 'example/layers:1']);
    assert.equal(report.code, 0, report.stderr);
    assert.match(report.stdout, /^Efficiency: 16\.53 %$/m);
    assert.match(report.stdout, /^5kB\s+1\s+\/var\/cache\/big\.bin \(deleted\)$/m);
    const fail = await runCli(store, ['efficiency', '--min', '0.9', 'example/layers:1']);
    assert.equal(fail.code, 1);
    assert.match(fail.stdout, /^FAIL: efficiency 0\.1653 is below the minimum 0\.9$/m);
    const pass = await runCli(store, ['efficiency', '--min', '15%', 'example/layers:1']);
    assert.equal(pass.code, 0);
    assert.match(pass.stdout, /^PASS: efficiency 0\.1653 is at least 0\.15$/m);
    const small = await runCli(store, ['efficiency', '--min', '0.9', 'example/small:1']);
    assert.equal(small.code, 0, 'a one-layer image wastes nothing');
    const json = JSON.parse((await runCli(store, ['efficiency', '--json', '--min', '0.9', 'example/layers:1'])).stdout) as { efficiency: number; pass: boolean; wastedBytes: number };
    assert.equal(json.pass, false);
    assert.equal(json.wastedBytes, 6298);
    const bad = await runCli(store, ['efficiency', '--min', '1.5', 'example/layers:1']);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /invalid argument "1\.5" for "--min" flag/);
  });

  it('a corrupted layer fails verify with a message saying what to do', async () => {
    const opened = await FileImageStore.open(store);
    const record = await storeLayeredImage(opened, [{ tar: await layerTar([{ name: 'data', content: 'd'.repeat(3000) }]), compression: 'none' }], 'example/corrupt:1');
    const layer = (await opened.load(record)).manifest.layers[0]!;
    const path = opened.blobs.path(layer.digest);
    await chmod(path, 0o644);
    const handle = await open(path, 'r+');
    await handle.write(Buffer.from('X'), 0, 1, 700);
    await handle.close();
    const out = await runCli(store, ['verify', 'example/corrupt:1']);
    assert.equal(out.code, 1);
    assert.match(out.stdout, /^layer 0 \(compressed\)\s+sha256:[a-f0-9]{64}\s+MISMATCH: found sha256:[a-f0-9]{64}$/m);
    assert.match(out.stderr, /^Error: Layer 0 should be sha256:[a-f0-9]{64} but its content in the store hashes to sha256:[a-f0-9]{64}: the blob is corrupt\. Run "stevedore system check --repair", then pull or load the image again\.$/m);
  });

  it('a malformed layer: layers names the entry, exits 1, and leaves the store unchanged', async () => {
    const opened = await FileImageStore.open(store);
    const tar = Buffer.from(await layerTar([{ name: 'fine', content: 'ok' }, { name: 'broken', content: 'x' }]));
    tar[1024 + 5]! ^= 0xff;
    await storeLayeredImage(opened, [{ blob: tar, compression: 'none' }], 'example/malformed:1');
    const before = await snapshot(store);
    const out = await runCli(store, ['layers', 'example/malformed:1']);
    assert.equal(out.code, 1);
    assert.match(out.stderr, /^Error: Layer 0 \(sha256:[a-f0-9]{64}\) is not a valid tar archive: it has an invalid tar header after entry "fine"\./);
    assert.equal(await snapshot(store), before);
    const eff = await runCli(store, ['efficiency', '--min', '0.5', 'example/malformed:1']);
    assert.equal(eff.code, 1);
  });
});
