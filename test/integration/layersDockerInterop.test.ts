// Layer digests checked against the real docker engine (Debian's dockerd 20.10 on vfs) through a
// plain-HTTP registry on loopback, which docker treats as insecure by default. A three-layer image
// made by Stevedore (a busybox rootfs, a folder committed on top, then a folder with a whiteout and
// an opaque folder) is pushed with `stevedore push` and pulled by docker: the diffIDs Stevedore
// recomputes from the layer bytes (`stevedore verify --json`, the `actual` of each diffID check) equal
// docker's `RootFS.Layers`, and the image IDs are the same. The other way round, an image made and
// pushed by docker is pulled by Stevedore and its recomputed diffIDs equal docker's too.

import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import type { LayerAnalysis } from '../../src/core/layers/imageLayers';
import type { VerifyResult } from '../../src/core/layers/verifyImage';
import { busyboxRootfs } from '../helpers/busybox';
import { runCli, type CliResult } from '../helpers/cli';
import { startDockerd, type Dockerd } from '../helpers/dockerd';
import { makeTar, tempDir } from '../helpers/fixtures';
import { startRegistry, type RunningRegistry } from '../helpers/registry';

function ok(result: CliResult, what: string): string {
  assert.equal(result.code, 0, `${what} failed:\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

/** What docker says about an image it holds: its ID and its layers' diffIDs. */
async function dockerView(engine: Dockerd, ref: string): Promise<{ id: string; diffIds: string[] }> {
  const id = ok(await engine.docker(['image', 'inspect', '--format', '{{.Id}}', ref]), 'docker image inspect Id').trim();
  const layers = ok(await engine.docker(['image', 'inspect', '--format', '{{json .RootFS.Layers}}', ref]), 'docker image inspect RootFS');
  return { id, diffIds: JSON.parse(layers) as string[] };
}

/** What Stevedore computes from the bytes in a store: the config digest and every layer's diffID. */
async function stevedoreView(store: string, ref: string): Promise<{ id: string; diffIds: string[]; configDiffIds: string[]; verify: VerifyResult }> {
  const verify = JSON.parse(ok(await runCli(store, ['verify', '--json', ref]), 'stevedore verify')) as VerifyResult;
  assert.equal(verify.ok, true, JSON.stringify(verify.checks, null, 2));
  const config = verify.checks.find((c) => c.subject === 'config');
  assert.ok(config?.actual, 'verify hashed the config');
  const diffChecks = verify.checks.filter((c) => c.subject === 'diffId').sort((a, b) => a.layer! - b.layer!);
  for (const check of diffChecks) assert.equal(check.status, 'match', check.message);
  const analysis = JSON.parse(ok(await runCli(store, ['layers', '--json', ref]), 'stevedore layers')) as LayerAnalysis;
  assert.equal(analysis.configDigest, config.actual);
  return {
    id: config.actual,
    diffIds: diffChecks.map((c) => c.actual!),
    configDiffIds: analysis.layers.map((l) => l.diffId!),
    verify,
  };
}

describe('layer digests agree with docker', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let engine: Dockerd;
  let registry: RunningRegistry;
  let store: string;
  let layered: string;

  before(async () => {
    dir = await tempDir();
    engine = await startDockerd();
    registry = await startRegistry({});
    store = join(dir.path, 'store');
    layered = `${registry.host}/interop/layered:3`;

    // Layer 1: a busybox rootfs, imported (stored gzip-compressed).
    const rootfs = join(dir.path, 'busybox.tar.gz');
    await writeFile(rootfs, gzipSync(await busyboxRootfs()));
    ok(await runCli(store, ['import', '-c', 'CMD ["/bin/sh"]', rootfs, `${registry.host}/interop/base:1`]), 'import');

    // Layer 2: a folder with files in a few folders.
    const app = join(dir.path, 'app');
    await mkdir(join(app, 'srv', 'data'), { recursive: true });
    await mkdir(join(app, 'srv', 'cache'), { recursive: true });
    await writeFile(join(app, 'srv', 'data', 'keep.txt'), 'keep\n');
    await writeFile(join(app, 'srv', 'data', 'gone.txt'), 'gone\n');
    await writeFile(join(app, 'srv', 'cache', 'old.bin'), Buffer.alloc(40_000, 7));
    await writeFile(join(app, 'etc-motd'), 'hello from layer 2\n');
    ok(await runCli(store, ['commit', '-m', 'app files', `${registry.host}/interop/base:1`, app, `${registry.host}/interop/layered:2`]), 'commit layer 2');

    // Layer 3: a tarball deleting a file (whiteout) and hiding a folder's old contents (opaque).
    const upper = join(dir.path, 'upper.tar');
    await writeFile(upper, await makeTar([
      { name: 'srv/', type: 'directory' },
      { name: 'srv/data/', type: 'directory' },
      { name: 'srv/data/.wh.gone.txt', content: '' },
      { name: 'srv/cache/', type: 'directory' },
      { name: 'srv/cache/.wh..wh..opq', content: '' },
      { name: 'srv/cache/new.bin', content: Buffer.alloc(1000, 9) },
    ]));
    ok(await runCli(store, ['commit', '-m', 'whiteouts', `${registry.host}/interop/layered:2`, upper, layered]), 'commit layer 3');
  });

  after(async () => {
    await engine?.stop();
    await registry?.stop();
    await dir?.cleanup();
  });

  it('docker pulls what stevedore pushed; recomputed diffIDs equal RootFS.Layers and the image IDs match', async () => {
    ok(await runCli(store, ['push', layered]), 'stevedore push');
    ok(await engine.docker(['pull', layered]), 'docker pull');
    const docker = await dockerView(engine, layered);
    const local = await stevedoreView(store, layered);

    assert.equal(docker.diffIds.length, 3);
    assert.deepEqual(local.diffIds, docker.diffIds);
    assert.deepEqual(local.configDiffIds, docker.diffIds);
    assert.equal(local.id, docker.id);
    assert.equal(ok(await runCli(store, ['images', '-q', '--no-trunc', layered]), 'images').trim(), docker.id);
  });

  it('the same image pulled back from the registry by stevedore (all layers gzip) gives the same diffIDs and ID', async () => {
    const pulled = join(dir.path, 'pulled');
    ok(await runCli(pulled, ['pull', layered]), 'stevedore pull');
    const docker = await dockerView(engine, layered);
    const remote = await stevedoreView(pulled, layered);
    assert.deepEqual(remote.diffIds, docker.diffIds);
    assert.equal(remote.id, docker.id);
    // Every layer the registry served is compressed: its digest differs from its diffID.
    const layerChecks = remote.verify.checks.filter((c) => c.subject === 'layer');
    assert.equal(layerChecks.length, 3);
    for (const check of layerChecks) assert.ok(!docker.diffIds.includes(check.actual!), `layer ${check.layer} was served uncompressed`);
  });

  it('an image made and pushed by docker, pulled by stevedore, gives docker\'s diffIDs and ID', async () => {
    const ref = `${registry.host}/interop/docker-made:1`;
    const tar = await makeTar([
      { name: 'opt/', type: 'directory' },
      { name: 'opt/made-by-docker.txt', content: 'imported by docker\n' },
      { name: 'opt/blob.bin', content: Buffer.alloc(20_000, 3) },
    ]);
    ok(await engine.docker(['import', '-c', 'CMD ["/opt/none"]', '-', ref], { input: tar }), 'docker import');
    ok(await engine.docker(['push', ref]), 'docker push');
    const docker = await dockerView(engine, ref);
    const pulled = join(dir.path, 'from-docker');
    ok(await runCli(pulled, ['pull', ref]), 'stevedore pull');
    const remote = await stevedoreView(pulled, ref);
    assert.equal(docker.diffIds.length, 1);
    assert.deepEqual(remote.diffIds, docker.diffIds);
    assert.deepEqual(remote.configDiffIds, docker.diffIds);
    assert.equal(remote.id, docker.id);
  });
});
