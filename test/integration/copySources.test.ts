// `stevedore copy` between every kind of place an image can be, against real peers: the real
// registry (behind a loopback proxy that logs what reaches it and can stall a blob), a private
// dockerd, skopeo's oci: layouts and docker save archives. Images keep their ID and diffIDs
// whichever way they go, what the target has is not sent again, a cancelled copy leaves the
// target as it was, and bad transports or references say what to write instead.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { watch } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, beforeEach, describe, it } from 'node:test';
import { busyboxRootfs } from '../helpers/busybox';
import { CLI, run, runCli, type CliResult } from '../helpers/cli';
import { startDockerd, type Dockerd } from '../helpers/dockerd';
import { startFaultProxy, type FaultProxy } from '../helpers/faultProxy';
import { randomRootfs, tempDir } from '../helpers/fixtures';
import { startRegistry, type RunningRegistry } from '../helpers/registry';
import { ownerPid } from '../../src/core/store/processes';

function ok(result: CliResult, what: string): string {
  assert.equal(result.code, 0, `${what} failed:\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

interface Inspected {
  Id: string;
  RootFS: { Layers: string[] };
}

/** index.json, the metadata file and the blob names: what "the store is unchanged" means. */
async function storeState(root: string): Promise<string> {
  const hash = createHash('sha256');
  hash.update(await readFile(join(root, 'index.json')));
  hash.update(await readFile(join(root, 'stevedore', 'metadata.json')).catch(() => Buffer.alloc(0)));
  for (const name of (await readdir(join(root, 'blobs', 'sha256'))).sort()) hash.update(name);
  return hash.digest('hex');
}

describe('copy between the store, registries, Docker, OCI layouts and archives', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let store: string;
  let registry: RunningRegistry;
  let proxy: FaultProxy;
  let docker: Dockerd;
  let env: NodeJS.ProcessEnv;
  let imageId: string;
  let layers: string[];
  let policy: string;

  const cli = (args: readonly string[], at = store): Promise<CliResult> => runCli(at, args, { env });
  const inspectOurs = async (ref: string, at = store): Promise<Inspected> => (JSON.parse(ok(await cli(['inspect', ref], at), `inspect ${ref}`)) as Inspected[])[0]!;
  const inspectDocker = async (ref: string): Promise<Inspected> => (JSON.parse(ok(await docker.docker(['image', 'inspect', ref]), `docker inspect ${ref}`)) as Inspected[])[0]!;
  const skopeo = (args: readonly string[]): Promise<CliResult> => run('skopeo', ['--policy', policy, ...args]);

  before(async () => {
    dir = await tempDir();
    store = join(dir.path, 'store');
    policy = join(dir.path, 'policy.json');
    await writeFile(policy, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
    [registry, docker] = await Promise.all([startRegistry({}), startDockerd()]);
    proxy = await startFaultProxy(registry.url);
    env = { DOCKER_HOST: docker.host, DOCKER_CONFIG: join(dir.path, 'docker-config'), STEVEDORE_RETRY_TIME: '5s' };
    const rootfs = join(dir.path, 'rootfs.tar');
    await writeFile(rootfs, await busyboxRootfs());
    imageId = ok(await cli(['import', '-c', 'CMD ["/bin/sh", "-c", "echo copied"]', rootfs, 'stevedore-test/src:one']), 'import').trim();
    layers = (await inspectOurs('stevedore-test/src:one')).RootFS.Layers;
  });
  beforeEach(() => proxy.clear());
  after(async () => {
    await proxy?.stop();
    await Promise.all([registry?.stop(), docker?.stop()]);
    await dir?.cleanup();
  });

  it('store → registry → Docker keeps the image ID and the layer diffIDs, and Docker runs it', async () => {
    ok(await cli(['copy', 'stevedore-test/src:one', `docker://${proxy.host}/copy/app:1`]), 'copy to the registry');
    ok(await cli(['copy', `docker://${proxy.host}/copy/app:1`, 'docker-daemon:copy/app:from-registry']), 'copy to docker');
    const theirs = await inspectDocker('copy/app:from-registry');
    assert.equal(theirs.Id, imageId);
    assert.deepEqual(theirs.RootFS.Layers, layers);
    assert.equal(ok(await docker.docker(['run', '--rm', '--network', 'none', 'copy/app:from-registry']), 'docker run').trim(), 'copied');
  });

  it('Docker → registry keeps the image ID and diffIDs of an image Docker built, its layers gzip in the registry', async () => {
    const context = join(dir.path, 'ctx');
    await mkdir(context, { recursive: true });
    await writeFile(join(context, 'Dockerfile'), 'FROM copy/app:from-registry\nCOPY note.txt /srv/note.txt\n');
    await writeFile(join(context, 'note.txt'), 'built by docker\n');
    ok(await docker.docker(['build', '-q', '-t', 'copy/built:dev', context]), 'docker build');
    const built = await inspectDocker('copy/built:dev');

    const copied = ok(await cli(['copy', 'docker-daemon:copy/built:dev', `docker://${proxy.host}/copy/built:dev`]), 'copy docker → registry');
    const log = proxy.requests.map((r) => `${r.method} ${r.path}`).join('\n');
    const raw = JSON.parse(ok(await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/copy/built:dev`]), `skopeo inspect after ${copied}\n${log}`)) as { config: { digest: string }; layers: { mediaType: string }[] };
    assert.equal(raw.config.digest, built.Id);
    assert.ok(raw.layers.every((l) => /gzip/.test(l.mediaType)), 'layers compressed on the way, as docker push does');

    const fresh = join(dir.path, 'store-pulled');
    ok(await cli(['pull', `${proxy.host}/copy/built:dev`], fresh), 'pull');
    const pulled = await inspectOurs(`${proxy.host}/copy/built:dev`, fresh);
    assert.equal(pulled.Id, built.Id);
    assert.deepEqual(pulled.RootFS.Layers, built.RootFS.Layers);
  });

  it("Docker → registry reads the export from a file in the store's ingest folder, named for its process, and not from TMPDIR", async () => {
    const fresh = join(dir.path, 'store-spill');
    const ingest = join(fresh, 'stevedore', 'ingest');
    await mkdir(ingest, { recursive: true });
    // Every file that appears in the ingest folder while the copy runs (inotify: no timing involved).
    const appeared: string[] = [];
    const watcher = watch(ingest, (_event, name) => {
      if (name && !appeared.includes(name)) appeared.push(name);
    });
    try {
      // A TMPDIR that does not exist: a spill into os.tmpdir() fails at once.
      const child = spawn(process.execPath, [CLI, '--store', fresh, 'copy', 'docker-daemon:copy/built:dev', `docker://${proxy.host}/copy/spilled:1`], {
        env: { ...process.env, ...env, TMPDIR: join(dir.path, 'no-such-tmp') },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const output: Buffer[] = [];
      child.stdout.on('data', (c: Buffer) => output.push(c));
      child.stderr.on('data', (c: Buffer) => output.push(c));
      const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
      assert.equal(code, 0, Buffer.concat(output).toString());
      const spills = appeared.filter((n) => /-export-/.test(n));
      assert.equal(spills.length, 1, `ingest folder saw: ${appeared.join(', ')}`);
      // Named as ingests are (<pid>-…): what a killed copy leaves is a stale ingest for system check --repair.
      assert.equal(ownerPid(spills[0]!), child.pid);
    } finally {
      watcher.close();
    }
    assert.deepEqual(await readdir(ingest), [], 'the export was not removed after the copy');
    const raw = JSON.parse(ok(await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/copy/spilled:1`]), 'skopeo inspect')) as { config: { digest: string } };
    assert.equal(raw.config.digest, (await inspectDocker('copy/built:dev')).Id);
  });

  it("skopeo's oci: layout goes to the registry and back, and into the store", async () => {
    const layout = join(dir.path, 'oci-from-skopeo');
    ok(await skopeo(['copy', '--src-tls-verify=false', `docker://${registry.host}/copy/app:1`, `oci:${layout}:latest`]), 'skopeo copy to oci:');
    ok(await cli(['copy', `oci:${layout}:latest`, `docker://${proxy.host}/copy/from-oci:1`]), 'copy oci: → registry');
    const raw = JSON.parse(ok(await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/copy/from-oci:1`]), 'skopeo inspect')) as { config: { digest: string } };
    assert.equal(raw.config.digest, imageId);

    const back = join(dir.path, 'oci-back');
    ok(await cli(['copy', `docker://${proxy.host}/copy/from-oci:1`, `oci:${back}:back`]), 'copy registry → oci:');
    const config = JSON.parse(ok(await skopeo(['inspect', '--config', `oci:${back}:back`]), 'skopeo inspect oci:')) as { rootfs: { diff_ids: string[] } };
    assert.deepEqual(config.rootfs.diff_ids, layers);

    const fresh = join(dir.path, 'store-from-oci');
    ok(await cli(['copy', `oci:${layout}:latest`, 'stevedore-test/from-oci:1'], fresh), 'copy oci: → store');
    assert.equal(ok(await cli(['images', '-q', '--no-trunc'], fresh), 'images').trim(), imageId);
    ok(await cli(['system', 'check'], fresh), 'system check');
  });

  it('a docker save archive goes to the registry and back into an archive Docker loads with the same ID', async () => {
    const saved = join(dir.path, 'saved.tar');
    ok(await docker.docker(['save', '-o', saved, 'copy/built:dev']), 'docker save');
    const built = await inspectDocker('copy/built:dev');
    ok(await cli(['copy', `docker-archive:${saved}`, `docker://${proxy.host}/copy/saved:1`]), 'copy docker-archive → registry');
    const back = join(dir.path, 'back.tar');
    ok(await cli(['copy', `docker://${proxy.host}/copy/saved:1`, `docker-archive:${back}:copy/saved:back`]), 'copy registry → docker-archive');
    ok(await docker.docker(['load', '-i', back]), 'docker load');
    const loaded = await inspectDocker('copy/saved:back');
    assert.equal(loaded.Id, built.Id);
    assert.deepEqual(loaded.RootFS.Layers, built.RootFS.Layers);
  });

  it('registry → registry keeps the manifest byte for byte when the layers are compressed already', async () => {
    ok(await cli(['copy', 'stevedore-test/src:one', `docker://${proxy.host}/copy/app:1`]), 'copy to the registry');
    ok(await cli(['copy', `docker://${proxy.host}/copy/app:1`, `docker://${proxy.host}/copy/mirror:1`]), 'copy between repositories');
    const digest = (name: string): Promise<string> =>
      skopeo(['inspect', '--tls-verify=false', `docker://${registry.host}/${name}`]).then((r) => (JSON.parse(ok(r, `skopeo inspect ${name}`)) as { Digest: string }).Digest);
    assert.equal(await digest('copy/mirror:1'), await digest('copy/app:1'));
  });

  it('registry → another repository of the same registry mounts every blob: no blob bytes are downloaded or uploaded', async () => {
    ok(await cli(['copy', 'stevedore-test/src:one', `docker://${proxy.host}/copy/mount-from:1`]), 'copy to the registry');
    const raw = JSON.parse(ok(await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/copy/mount-from:1`]), 'skopeo inspect')) as { config: { digest: string }; layers: { digest: string }[] };
    const blobs = [raw.config.digest, ...raw.layers.map((l) => l.digest)];
    proxy.requests.length = 0;
    ok(await cli(['copy', `docker://${proxy.host}/copy/mount-from:1`, `docker://${proxy.host}/copy/mount-to:1`]), 'copy between repositories');
    const log = proxy.requests.map((r) => `${r.method} ${r.path}`);
    const mounts = proxy.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/v2/copy/mount-to/blobs/uploads/?mount=')).map((r) => decodeURIComponent(new URL(r.path, 'http://x').searchParams.get('mount')!));
    assert.deepEqual(mounts.sort(), [...blobs].sort(), `every blob mounted:\n${log.join('\n')}`);
    assert.ok(proxy.requests.filter((r) => r.method === 'POST' && r.path.includes('?mount=')).every((r) => r.path.includes('from=copy%2Fmount-from')), log.join('\n'));
    assert.deepEqual(log.filter((l) => /^(PATCH|PUT) .*\/blobs\//.test(l)), [], 'no blob bytes uploaded');
    assert.deepEqual(log.filter((l) => raw.layers.some((layer) => l === `GET /v2/copy/mount-from/blobs/${layer.digest}`)), [], 'no layer downloaded');
    const digest = (name: string): Promise<string> =>
      skopeo(['inspect', '--tls-verify=false', `docker://${registry.host}/${name}`]).then((r) => (JSON.parse(ok(r, `skopeo inspect ${name}`)) as { Digest: string }).Digest);
    assert.equal(await digest('copy/mount-to:1'), await digest('copy/mount-from:1'));
    const fresh = join(dir.path, 'store-mounted');
    ok(await cli(['pull', `${proxy.host}/copy/mount-to:1`], fresh), 'pull the mounted copy');
    assert.deepEqual((await inspectOurs(`${proxy.host}/copy/mount-to:1`, fresh)).RootFS.Layers, layers);
  });

  it('a copy the target already has transfers nothing', async () => {
    ok(await cli(['copy', 'stevedore-test/src:one', `docker://${proxy.host}/copy/app:1`]), 'first copy (may be the first test run alone)');
    proxy.requests.length = 0;
    const again = ok(await cli(['copy', 'stevedore-test/src:one', `docker://${proxy.host}/copy/app:1`]), 'copy again');
    assert.match(again, /already has the image \(\w{12}\)/);
    assert.deepEqual(proxy.requests.filter((r) => r.method !== 'GET' || r.path.includes('/blobs/')).map((r) => `${r.method} ${r.path}`), [], 'only the manifest was read');

    ok(await cli(['copy', `docker://${proxy.host}/copy/app:1`, 'docker-daemon:copy/app:kept']), 'copy to docker');
    proxy.requests.length = 0;
    const toDocker = ok(await cli(['copy', `docker://${proxy.host}/copy/app:1`, 'docker-daemon:copy/app:kept']), 'copy to docker again');
    assert.match(toDocker, /already has the image/);
    const layerGets = proxy.requests.filter((r) => layers.length > 0 && r.method === 'GET' && r.path.includes('/blobs/') && !r.path.endsWith(imageId));
    assert.deepEqual(layerGets.map((r) => r.path), [], 'no layer was downloaded');
  });

  it('Ctrl-C during a copy from the registry leaves the store and Docker as they were', async () => {
    const big = join(dir.path, 'big.tar');
    await writeFile(big, await randomRootfs(2, 1_000_000));
    ok(await cli(['import', big, 'stevedore-test/big:1']), 'import');
    ok(await cli(['copy', 'stevedore-test/big:1', `docker://${registry.host}/copy/big:1`]), 'copy to the registry');
    const manifest = JSON.parse(ok(await skopeo(['inspect', '--raw', '--tls-verify=false', `docker://${registry.host}/copy/big:1`]), 'skopeo inspect')) as { layers: { digest: string; size: number }[] };
    const layer = manifest.layers[0]!;
    const fresh = join(dir.path, 'store-cancelled');
    ok(await cli(['import', join(dir.path, 'rootfs.tar'), 'stevedore-test/already:here'], fresh), 'seed the store');
    const dockerBefore = ok(await docker.docker(['images', '-q', '--no-trunc']), 'docker images');

    for (const [destination, at] of [['stevedore-test/big:copied', fresh], ['docker-daemon:copy/big:copied', store]] as const) {
      const before = await storeState(fresh);
      const stalling = await startFaultProxy(registry.url);
      try {
        stalling.inject({ method: 'GET', path: new RegExp(`/blobs/${layer.digest}$`), fault: { kind: 'stall', afterBytes: Math.floor(layer.size / 2) } });
        const child = spawn(process.execPath, [CLI, '--store', at, 'copy', `docker://${stalling.host}/copy/big:1`, destination], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
        let stderr = '';
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        child.stdout.resume();
        const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
        await stalling.stalled;
        process.kill(child.pid!, 'SIGINT');
        assert.equal(await exited, 130, stderr);
        assert.match(stderr, /Cancelled/);
        assert.equal(await storeState(fresh), before, `${destination}: the store is unchanged`);
        assert.deepEqual(await readdir(join(fresh, 'stevedore', 'ingest')).catch(() => []), []);
      } finally {
        await stalling.stop();
      }
    }
    assert.equal(ok(await docker.docker(['images', '-q', '--no-trunc']), 'docker images'), dockerBefore, 'Docker has no new image');
  });

  it('bad transports, references and archives give clear errors and exit 1', async () => {
    const gz = join(dir.path, 'saved.tar.gz');
    await writeFile(gz, gzipSync(await readFile(join(dir.path, 'saved.tar'))));
    const cases: [string[], RegExp][] = [
      [['dir:/tmp/x', 'stevedore-test/x:1'], /The dir: transport is not supported by copy\. Supported: stevedore:, .*oci:, docker:\/\//],
      [['docker://Not_A/Reference', 'stevedore-test/x:1'], /"Not_A\/Reference" in "docker:\/\/Not_A\/Reference" is not a valid image reference: write docker:\/\/REGISTRY\/REPOSITORY\[:TAG\]/],
      [[`docker-archive:${gz}`, `docker://${proxy.host}/copy/gz:1`], /is compressed \(gzip\).*Decompress it first \(gunzip -k\)/],
      [[`oci:${join(dir.path, 'no-such-layout')}:latest`, 'stevedore-test/x:1'], /is not an OCI image layout: it has no index\.json/],
      [[`docker://${proxy.host}/copy/none:1`, 'stevedore-test/x:1'], /copy\/none:1/],
      [['stevedore-test/src:one', `docker://${proxy.host}/copy/app@sha256:${'0'.repeat(64)}`], /cannot push a digest reference .*; push a tag/],
    ];
    for (const [args, message] of cases) {
      const before = await storeState(store);
      const result = await cli(['copy', ...args]);
      assert.equal(result.code, 1, `${args.join(' ')}: ${result.stdout}${result.stderr}`);
      assert.match(result.stderr, message, args.join(' '));
      assert.equal(await storeState(store), before, `${args.join(' ')} left the store as it was`);
    }
  });
});
