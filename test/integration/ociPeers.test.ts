// The store is a real OCI layout: skopeo and umoci read what `stevedore import` wrote.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { busyboxRootfs } from '../helpers/busybox';
import { run, runCli } from '../helpers/cli';
import { gzip, tempDir } from '../helpers/fixtures';

describe('OCI layout interop with skopeo and umoci', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let store: string;
  let inspect: { Id: string; Descriptor: { digest: string }; Layers: { Digest: string; DiffID: string }[]; RootFS: { Layers: string[] } };

  before(async () => {
    dir = await tempDir();
    store = join(dir.path, 'store');
    const tarball = join(dir.path, 'busybox.tar.gz');
    await writeFile(tarball, gzip(await busyboxRootfs()));
    const imported = await runCli(store, ['import', '-c', 'CMD ["/bin/sh"]', '-m', 'busybox from Debian', tarball, 'busybox:stevedore']);
    assert.equal(imported.code, 0, imported.stderr);
    const out = await runCli(store, ['inspect', 'busybox:stevedore']);
    assert.equal(out.code, 0, out.stderr);
    inspect = (JSON.parse(out.stdout) as (typeof inspect)[])[0]!;
  });
  after(() => dir.cleanup());

  it('skopeo inspect oci:STORE:REF reports the digest and layer stevedore inspect reports', async () => {
    const result = await run('skopeo', ['inspect', `oci:${store}:docker.io/library/busybox:stevedore`]);
    assert.equal(result.code, 0, result.stderr);
    const info = JSON.parse(result.stdout) as { Digest: string; Layers: string[]; Architecture: string; Os: string };
    assert.equal(info.Digest, inspect.Descriptor.digest);
    assert.deepEqual(info.Layers, inspect.Layers.map((l) => l.Digest));
    assert.equal(info.Os, 'linux');
    const config = await run('skopeo', ['inspect', '--config', `oci:${store}:docker.io/library/busybox:stevedore`]);
    assert.equal(config.code, 0, config.stderr);
    const cfg = JSON.parse(config.stdout) as { rootfs: { diff_ids: string[] }; config: { Cmd: string[] } };
    assert.deepEqual(cfg.rootfs.diff_ids, inspect.RootFS.Layers);
    assert.deepEqual(cfg.config.Cmd, ['/bin/sh']);
  });

  it('skopeo copies the image out of the store with the same digests', async () => {
    const out = join(dir.path, 'copy');
    const policy = join(dir.path, 'policy.json');
    await writeFile(policy, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
    const result = await run('skopeo', ['--policy', policy, 'copy', `oci:${store}:docker.io/library/busybox:stevedore`, `oci:${out}:copied`]);
    assert.equal(result.code, 0, result.stderr);
    const index = JSON.parse(await readFile(join(out, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    assert.equal(index.manifests[0]!.digest, inspect.Descriptor.digest);
  });

  it('umoci unpacks it into a runnable-looking bundle with the busybox binary', async () => {
    const bundle = join(dir.path, 'bundle');
    const result = await run('umoci', ['unpack', '--rootless', '--image', `${store}:docker.io/library/busybox:stevedore`, bundle]);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(existsSync(join(bundle, 'rootfs', 'bin', 'busybox')));
    const config = JSON.parse(await readFile(join(bundle, 'config.json'), 'utf8')) as { process: { args: string[] } };
    assert.deepEqual(config.process.args, ['/bin/sh']);
    const busybox = await run(join(bundle, 'rootfs', 'bin', 'busybox'), ['echo', 'hello from the unpacked image']);
    assert.equal(busybox.stdout.trim(), 'hello from the unpacked image');
  });

  it('an image skopeo writes into the store is listed by stevedore', async () => {
    const policy = join(dir.path, 'policy.json');
    const result = await run('skopeo', ['--policy', policy, 'copy', `oci:${store}:docker.io/library/busybox:stevedore`, `oci:${store}:docker.io/library/busybox:via-skopeo`]);
    assert.equal(result.code, 0, result.stderr);
    const images = await runCli(store, ['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}']);
    assert.equal(images.code, 0, images.stderr);
    const lines = images.stdout.trim().split('\n').sort();
    const id = inspect.Id.slice(7, 19);
    assert.deepEqual(lines, [`busybox:stevedore ${id}`, `busybox:via-skopeo ${id}`]);
    const check = await runCli(store, ['system', 'check']);
    assert.equal(check.code, 0, check.stdout + check.stderr);
  });
});
