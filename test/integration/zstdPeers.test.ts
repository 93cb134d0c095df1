// Images with zstd layers, made by skopeo (`--dest-compress-format zstd`): an oci-archive loads
// with every diffID checked, a registry image pulls, and both are verified, listed file by file,
// and saved with plain layers that skopeo reads back with the same diffIDs.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { busyboxRootfs } from '../helpers/busybox';
import { run, runCli } from '../helpers/cli';
import { gzip, tempDir } from '../helpers/fixtures';
import { startRegistry, type RunningRegistry } from '../helpers/registry';
import { writePolicy } from '../helpers/registryImages';

interface Inspected {
  RootFS: { Layers: string[] };
  Layers: { Digest: string; DiffID: string; MediaType: string }[];
}

describe('zstd layers from skopeo', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let registry: RunningRegistry;
  let policy: string;
  let source: string;
  let gzipped: Inspected;

  before(async () => {
    dir = await tempDir();
    registry = await startRegistry({});
    policy = await writePolicy(dir.path);
    source = join(dir.path, 'source');
    const tarball = join(dir.path, 'busybox.tar.gz');
    await writeFile(tarball, gzip(await busyboxRootfs()));
    const imported = await runCli(source, ['import', '-c', 'CMD ["/bin/sh"]', tarball, 'busybox:gz']);
    assert.equal(imported.code, 0, imported.stderr);
    gzipped = (JSON.parse((await runCli(source, ['inspect', 'busybox:gz'])).stdout) as Inspected[])[0]!;
  });
  after(async () => {
    await registry.stop();
    await dir.cleanup();
  });

  async function checkZstdImage(store: string, name: string): Promise<void> {
    const info = (JSON.parse((await runCli(store, ['inspect', name])).stdout) as Inspected[])[0]!;
    assert.equal(info.Layers[0]!.MediaType, 'application/vnd.oci.image.layer.v1.tar+zstd');
    assert.notEqual(info.Layers[0]!.Digest, gzipped.Layers[0]!.Digest, 'recompressed, so another blob');
    assert.deepEqual(info.RootFS.Layers, gzipped.RootFS.Layers, 'the same tar inside');
    const verify = await runCli(store, ['verify', name]);
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    const files = await runCli(store, ['layers', '--layer', '0', name]);
    assert.equal(files.code, 0, files.stderr);
    assert.match(files.stdout, /-rwxr-xr-x 0:0 +[\d.]+[kM]B L0 \/bin\/busybox\n/);
  }

  it('an oci-archive with zstd layers loads, its diffIDs checked', async () => {
    const archive = join(dir.path, 'busybox-zstd.tar');
    const copied = await run('skopeo', ['--policy', policy, 'copy', '--dest-compress', '--dest-compress-format', 'zstd', `oci:${source}:docker.io/library/busybox:gz`, `oci-archive:${archive}:docker.io/library/busybox:zstd`]);
    assert.equal(copied.code, 0, copied.stderr);
    const store = join(dir.path, 'loaded');
    const loaded = await runCli(store, ['load', '-i', archive]);
    assert.equal(loaded.code, 0, loaded.stderr);
    assert.match(loaded.stdout, /Loaded image: busybox:zstd/);
    await checkZstdImage(store, 'busybox:zstd');
  });

  it('a registry image with zstd layers pulls, and saves with plain layers skopeo reads', async () => {
    const ref = `${registry.host}/zstd/busybox:1`;
    const pushed = await run('skopeo', ['--policy', policy, 'copy', '--dest-tls-verify=false', '--dest-compress', '--dest-compress-format', 'zstd', `oci:${source}:docker.io/library/busybox:gz`, `docker://${ref}`]);
    assert.equal(pushed.code, 0, pushed.stderr);
    const store = join(dir.path, 'pulled');
    const pulled = await runCli(store, ['pull', ref]);
    assert.equal(pulled.code, 0, pulled.stderr);
    await checkZstdImage(store, ref);
    const archive = join(dir.path, 'plain.tar');
    const saved = await runCli(store, ['save', '--uncompressed', '-o', archive, ref]);
    assert.equal(saved.code, 0, saved.stderr);
    const inspect = await run('skopeo', ['inspect', `docker-archive:${archive}`]);
    assert.equal(inspect.code, 0, inspect.stderr);
    assert.deepEqual((JSON.parse(inspect.stdout) as { Layers: string[] }).Layers, gzipped.RootFS.Layers);
  });
});
