// Pull and push against Debian's real docker-registry over plain HTTP on loopback, through the
// built CLI: Docker's output, repo digests, skipping what is there, mounts, uncompressed layers,
// multi-platform indexes, and skopeo reading what stevedore pushed and the other way round.

import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ImageStore } from '../../src/core/store/imageStore';
import { FileImageStore } from '../../src/core/store/fileImageStore';
import { runCli } from '../helpers/cli';
import { importBuffer, randomRootfs, tempDir } from '../helpers/fixtures';
import { startRegistry, type RunningRegistry } from '../helpers/registry';
import { addMultiPlatformImage, addUncompressedImage, skopeo, writePolicy } from '../helpers/registryImages';

describe('pull and push with a plain-HTTP registry on loopback', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let registry: RunningRegistry;
  let policy: string;
  let source: ImageStore;
  let env: NodeJS.ProcessEnv;
  let pushedDigest: string;

  before(async () => {
    dir = await tempDir();
    registry = await startRegistry({});
    policy = await writePolicy(dir.path);
    source = await FileImageStore.open(join(dir.path, 'source'));
    // An empty home: no stray Docker logins or certificates from the machine running the tests.
    env = { HOME: join(dir.path, 'home'), DOCKER_CONFIG: join(dir.path, 'home', '.docker'), XDG_RUNTIME_DIR: join(dir.path, 'run'), XDG_CONFIG_HOME: join(dir.path, 'home', '.config') };
  });
  after(async () => {
    await registry.stop();
    await dir.cleanup();
  });

  it('push prints Docker\'s lines, and a second push finds every layer there', async () => {
    await importBuffer(source, await randomRootfs(3, 100_000), `${registry.host}/team/app:1.0`);
    const first = await runCli(source.root, ['push', `${registry.host}/team/app:1.0`], { env });
    assert.equal(first.code, 0, first.stderr);
    const lines = first.stdout.trimEnd().split('\n');
    assert.equal(lines[0], `The push refers to repository [${registry.host}/team/app]`);
    assert.match(first.stdout, /^[a-f0-9]{12}: Pushed$/m);
    const last = /^1\.0: digest: (sha256:[a-f0-9]{64}) size: (\d+)$/.exec(lines[lines.length - 1]!);
    assert.ok(last, first.stdout);
    pushedDigest = last[1]!;
    const again = await runCli(source.root, ['push', `${registry.host}/team/app:1.0`], { env });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^[a-f0-9]{12}: Layer already exists$/m);
    assert.doesNotMatch(again.stdout, /Pushed/);
    const inspect = await runCli(source.root, ['inspect', `${registry.host}/team/app:1.0`]);
    const [info] = JSON.parse(inspect.stdout) as { RepoDigests: string[] }[];
    assert.deepEqual(info!.RepoDigests, [`${registry.host}/team/app@${pushedDigest}`]);
  });

  it('skopeo copies what stevedore pushed, with the same digest', async () => {
    const out = join(dir.path, 'skopeo-copy');
    const copied = await skopeo(policy, ['copy', '--src-tls-verify=false', `docker://${registry.host}/team/app:1.0`, `oci:${out}:app`]);
    assert.equal(copied.code, 0, copied.stderr);
    const index = JSON.parse(await readFile(join(out, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    assert.equal(index.manifests[0]!.digest, pushedDigest);
  });

  it('pull into an empty store prints Docker\'s lines and records the repo digest', async () => {
    const store = join(dir.path, 'pulled');
    const out = await runCli(store, ['pull', `${registry.host}/team/app:1.0`], { env });
    assert.equal(out.code, 0, out.stderr);
    const lines = out.stdout.trimEnd().split('\n');
    assert.equal(lines[0], '1.0: Pulling from team/app');
    assert.ok(lines.includes(`Digest: ${pushedDigest}`), out.stdout);
    assert.match(out.stdout, /^[a-f0-9]{12}: Pull complete$/m);
    assert.equal(lines[lines.length - 2], `Status: Downloaded newer image for ${registry.host}/team/app:1.0`);
    assert.equal(lines[lines.length - 1], `${registry.host}/team/app:1.0`);
    const images = await runCli(store, ['images', '--digests', '--format', '{{.Repository}} {{.Tag}} {{.Digest}}']);
    assert.equal(images.stdout, `${registry.host}/team/app 1.0 ${pushedDigest}\n`);
    const again = await runCli(store, ['pull', `${registry.host}/team/app:1.0`], { env });
    // Docker prints no layer lines for an image it already has (pullOutputDocker.test.ts compares).
    assert.doesNotMatch(again.stdout, /^[a-f0-9]{12}: /m);
    assert.match(again.stdout, new RegExp(`Status: Image is up to date for ${registry.host}/team/app:1\\.0\\n`));
    const check = await runCli(store, ['system', 'check']);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    assert.deepEqual(await readdir(join(store, 'stevedore', 'ingest')), []);
  });

  it('pull -q prints only the reference; pull by digest names the digest', async () => {
    const store = join(dir.path, 'quiet');
    const quiet = await runCli(store, ['pull', '-q', `${registry.host}/team/app:1.0`], { env });
    assert.equal(quiet.stdout, `${registry.host}/team/app:1.0\n`);
    const byDigest = await runCli(store, ['pull', `${registry.host}/team/app@${pushedDigest}`], { env });
    assert.equal(byDigest.code, 0, byDigest.stderr);
    assert.match(byDigest.stdout, new RegExp(`^${registry.host}/team/app@${pushedDigest}: Pulling from team/app$`, 'm'));
    assert.match(byDigest.stdout, new RegExp(`${registry.host}/team/app@${pushedDigest}\\n$`));
  });

  it('an unknown tag or repository fails with a clear message and changes nothing', async () => {
    const store = join(dir.path, 'errors');
    const tag = await runCli(store, ['pull', `${registry.host}/team/app:nope`], { env });
    assert.equal(tag.code, 1);
    assert.match(tag.stderr, /^Error: manifest for .*team\/app:nope not found: manifest_unknown/);
    const repo = await runCli(store, ['pull', `${registry.host}/no/such:1`], { env });
    assert.equal(repo.code, 1);
    assert.match(repo.stderr, /no\/such:1 not found: (name|manifest)_unknown/);
    const images = await runCli(store, ['images', '-q']);
    assert.equal(images.stdout, '');
  });

  it('push mounts a layer from another repository the store knows it came from', async () => {
    const store = join(dir.path, 'mount');
    assert.equal((await runCli(store, ['pull', `${registry.host}/team/app:1.0`], { env })).code, 0);
    assert.equal((await runCli(store, ['tag', `${registry.host}/team/app:1.0`, `${registry.host}/other/copy:2`])).code, 0);
    const push = await runCli(store, ['push', `${registry.host}/other/copy:2`], { env });
    assert.equal(push.code, 0, push.stderr);
    assert.match(push.stdout, /^[a-f0-9]{12}: Mounted from team\/app$/m);
    assert.match(push.stdout, new RegExp(`^2: digest: ${pushedDigest} size: \\d+$`, 'm'));
  });

  it('an uncompressed stored layer is pushed gzip-compressed, and the next push only HEADs it', async () => {
    const record = await addUncompressedImage(source, `${registry.host}/team/plain:1`);
    const first = await runCli(source.root, ['push', `${registry.host}/team/plain:1`], { env });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /Pushed/);
    const raw = await skopeo(policy, ['inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/team/plain:1`]);
    const manifest = JSON.parse(raw.stdout) as { layers: { mediaType: string; digest: string }[] };
    assert.equal(manifest.layers[0]!.mediaType, 'application/vnd.oci.image.layer.v1.tar+gzip');
    const stored = await source.load(record);
    assert.notEqual(manifest.layers[0]!.digest, stored.manifest.layers[0]!.digest);
    const meta = await source.readMetadata();
    assert.equal(meta.sources[stored.manifest.layers[0]!.digest]!.at(-1)!.digest, manifest.layers[0]!.digest);
    const second = await runCli(source.root, ['push', `${registry.host}/team/plain:1`], { env });
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, /Layer already exists/);
    assert.doesNotMatch(second.stdout, /Pushed/);
    // skopeo can pull it and the layer really is the gzip of the stored tar.
    const copied = await skopeo(policy, ['copy', '--src-tls-verify=false', `docker://${registry.host}/team/plain:1`, `oci:${join(dir.path, 'plain-copy')}:x`]);
    assert.equal(copied.code, 0, copied.stderr);
  });

  for (const format of ['v2s2', 'oci'] as const) {
    it(`an image skopeo pushed as ${format} is pulled with the registry's digest`, async () => {
      await importBuffer(source, await randomRootfs(2, 20_000), `docker.io/library/via-skopeo:${format}`);
      const pushed = await skopeo(policy, ['copy', '--dest-tls-verify=false', '--format', format, `oci:${source.root}:docker.io/library/via-skopeo:${format}`, `docker://${registry.host}/skopeo/img:${format}`]);
      assert.equal(pushed.code, 0, pushed.stderr);
      const remote = JSON.parse((await skopeo(policy, ['inspect', '--tls-verify=false', `docker://${registry.host}/skopeo/img:${format}`])).stdout) as { Digest: string };
      const store = join(dir.path, `from-skopeo-${format}`);
      const pull = await runCli(store, ['pull', `${registry.host}/skopeo/img:${format}`], { env });
      assert.equal(pull.code, 0, pull.stderr);
      assert.ok(pull.stdout.includes(`Digest: ${remote.Digest}`));
      const inspect = JSON.parse((await runCli(store, ['inspect', `${registry.host}/skopeo/img:${format}`])).stdout) as { Descriptor: { digest: string } }[];
      assert.equal(inspect[0]!.Descriptor.digest, remote.Digest);
      if (format === 'oci') {
        // skopeo 1.9's oci: transport only sees index.json entries with OCI media types, so a Docker
        // schema 2 manifest (kept byte for byte, or its digest would change) is checked above instead.
        const local = await skopeo(policy, ['inspect', `oci:${store}:${registry.host}/skopeo/img:${format}`]);
        assert.equal(local.code, 0, local.stderr);
        assert.equal((JSON.parse(local.stdout) as { Digest: string }).Digest, remote.Digest);
      }
      const mediaType = (JSON.parse((await readFile(join(store, 'index.json'), 'utf8'))) as { manifests: { mediaType: string }[] }).manifests[0]!.mediaType;
      assert.equal(mediaType, format === 'oci' ? 'application/vnd.oci.image.manifest.v1+json' : 'application/vnd.docker.distribution.manifest.v2+json');
    });
  }

  it('a multi-platform index: --platform picks the manifest, an unknown platform lists the available ones', async () => {
    const multi = await addMultiPlatformImage(source, 'docker.io/library/multi:1');
    const pushed = await skopeo(policy, ['copy', '--all', '--dest-tls-verify=false', `oci:${source.root}:docker.io/library/multi:1`, `docker://${registry.host}/multi/app:1`]);
    assert.equal(pushed.code, 0, pushed.stderr);
    const store = join(dir.path, 'multi');
    const arm = await runCli(store, ['pull', '--platform', 'linux/arm64', `${registry.host}/multi/app:1`], { env });
    assert.equal(arm.code, 0, arm.stderr);
    assert.ok(arm.stdout.includes(`Digest: ${multi.digest}`), 'Digest: is the index digest, as the registry serves it');
    const inspect = JSON.parse((await runCli(store, ['inspect', `${registry.host}/multi/app:1`])).stdout) as { Architecture: string; RepoDigests: string[]; Descriptor: { digest: string } }[];
    assert.equal(inspect[0]!.Architecture, 'arm64');
    assert.equal(inspect[0]!.Descriptor.digest, multi.platforms['linux/arm64']);
    assert.deepEqual(inspect[0]!.RepoDigests, [`${registry.host}/multi/app@${multi.digest}`]);
    const local = await skopeo(policy, ['inspect', `oci:${store}:${registry.host}/multi/app:1`]);
    assert.equal((JSON.parse(local.stdout) as { Digest: string }).Digest, multi.platforms['linux/arm64']);
    const unknown = await runCli(store, ['pull', '--platform', 'linux/s390x', `${registry.host}/multi/app:1`], { env });
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no matching manifest for linux\/s390x .*available platforms: linux\/amd64, linux\/arm64\/v8/);
  });

  it('--platform on a single-platform image that does not match fails as Docker does', async () => {
    const out = await runCli(join(dir.path, 'wrong-platform'), ['pull', '--platform', 'linux/s390x', `${registry.host}/team/app:1.0`], { env });
    assert.equal(out.code, 1);
    assert.match(out.stderr, /was found but does not match the specified platform: wanted linux\/s390x, actual: linux\/(amd64|arm64)/);
    const images = await runCli(join(dir.path, 'wrong-platform'), ['images', '-q']);
    assert.equal(images.stdout, '', 'the config it fetched to learn the platform is gone again');
  });

  it('stevedore pushes a multi-platform index it holds with all its platforms', async () => {
    const multi = await addMultiPlatformImage(source, `${registry.host}/multi/ours:1`);
    const push = await runCli(source.root, ['push', `${registry.host}/multi/ours:1`], { env });
    assert.equal(push.code, 0, push.stderr);
    assert.match(push.stdout, new RegExp(`^1: digest: ${multi.digest} size: \\d+$`, 'm'));
    const raw = await skopeo(policy, ['inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/multi/ours:1`]);
    assert.deepEqual((JSON.parse(raw.stdout) as { manifests: { digest: string }[] }).manifests.map((m) => m.digest).sort(), Object.values(multi.platforms).sort());
  });

  it('pull -a pulls every tag of a repository', async () => {
    await importBuffer(source, await randomRootfs(1, 1000), `${registry.host}/team/all:a`);
    await importBuffer(source, await randomRootfs(1, 1000), `${registry.host}/team/all:b`);
    assert.equal((await runCli(source.root, ['push', '-a', `${registry.host}/team/all`], { env })).code, 0);
    const store = join(dir.path, 'all-tags');
    const out = await runCli(store, ['pull', '-a', `${registry.host}/team/all`], { env });
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^a: Pulling from team\/all$/m);
    assert.match(out.stdout, /^b: Pulling from team\/all$/m);
    assert.match(out.stdout, new RegExp(`Status: Downloaded newer image for ${registry.host}/team/all\\n${registry.host}/team/all\\n$`));
    const tags = await runCli(store, ['images', '--format', '{{.Tag}}']);
    assert.deepEqual(tags.stdout.trim().split('\n').sort(), ['a', 'b']);
  });

  it('push of an image the store does not have says so, as Docker does', async () => {
    const out = await runCli(source.root, ['push', `${registry.host}/nothing/here:1`], { env });
    assert.equal(out.code, 1);
    assert.equal(out.stderr, `Error: An image does not exist locally with the tag: ${registry.host}/nothing/here:1\n`);
  });
});
