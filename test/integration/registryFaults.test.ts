// Faults injected by a loopback proxy in front of the real registry: a blob cut off half way is
// resumed; wrong bytes fail with a digest mismatch and leave nothing; 429 with Retry-After is
// waited out; 503s are retried; a pull cancelled half way (AbortSignal, or Ctrl-C in the CLI)
// stops and leaves the store exactly as it was, with no ingest file behind.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { CancelledError, type StevedoreError } from '../../src/core/errors';
import { pullImage } from '../../src/core/registry/pullImage';
import { pushImage } from '../../src/core/registry/pushImage';
import { RegistryClients } from '../../src/core/registry/registryClients';
import type { ImageStore } from '../../src/core/store/imageStore';
import { FileImageStore } from '../../src/core/store/fileImageStore';
import { CLI, runCli } from '../helpers/cli';
import { startFaultProxy, type FaultProxy } from '../helpers/faultProxy';
import { importBuffer, randomRootfs, tempDir } from '../helpers/fixtures';
import { startRegistry, type RunningRegistry } from '../helpers/registry';

/** index.json, the metadata file and the blob names: what "the store is unchanged" means. */
async function snapshot(store: ImageStore): Promise<string> {
  const hash = createHash('sha256');
  hash.update(await readFile(store.layout.indexFile));
  hash.update(await readFile(store.layout.metadataFile).catch(() => Buffer.alloc(0)));
  for (const name of (await readdir(join(store.layout.blobsDir, 'sha256'))).sort()) hash.update(name);
  return hash.digest('hex');
}

async function ingestFiles(store: ImageStore): Promise<string[]> {
  return readdir(store.layout.ingestDir).catch(() => []);
}

describe('registry faults injected by a proxy', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let registry: RunningRegistry;
  let proxy: FaultProxy;
  let source: ImageStore;
  let target: ImageStore;
  let clients: RegistryClients;
  let counter = 0;

  /** Pushes a fresh one-layer image (about 2 MB, incompressible) and returns its name and layer digest. */
  async function freshImage(): Promise<{ ref: string; layer: string; size: number; config: string }> {
    const name = `faults/img${counter++}:1`;
    const record = await importBuffer(source, await randomRootfs(2, 1_000_000), `${registry.host}/${name}`);
    await pushImage(source, clients, { reference: `${registry.host}/${name}` });
    const manifest = (await source.load(record)).manifest;
    const layer = manifest.layers[0]!;
    return { ref: `${proxy.host}/${name}`, layer: layer.digest, size: layer.size, config: manifest.config.digest };
  }

  before(async () => {
    dir = await tempDir();
    registry = await startRegistry({});
    proxy = await startFaultProxy(registry.url);
    source = await FileImageStore.open(join(dir.path, 'source'));
    target = await FileImageStore.open(join(dir.path, 'target'));
    clients = new RegistryClients({ retry: { baseDelayMs: 50 } });
    // The target starts with an image in it, so "unchanged" is about more than an empty folder.
    const first = await freshImage();
    await pullImage(target, clients, { reference: first.ref });
  });
  beforeEach(() => proxy.clear());
  after(async () => {
    await clients.close();
    await proxy.stop();
    await registry.stop();
    await dir.cleanup();
  });

  it('a blob cut off half way is resumed with a Range request and the pull succeeds', async () => {
    const image = await freshImage();
    proxy.inject({ method: 'GET', path: new RegExp(`/blobs/${image.layer}$`), fault: { kind: 'truncate', afterBytes: Math.floor(image.size / 2) } });
    const events: string[] = [];
    const result = await pullImage(target, clients, { reference: image.ref, onEvent: (e) => e.kind === 'layer' && events.push(e.state) });
    assert.equal(result.record.refs[0], image.ref);
    const gets = proxy.requests.filter((r) => r.path.endsWith(`/blobs/${image.layer}`));
    assert.equal(gets.length, 2);
    assert.equal(gets[0]!.fault, 'truncate');
    assert.ok(gets.every((g) => g.connectionClose), 'the layer was read on the socket path, both times');
    assert.equal(gets[1]!.range, `bytes=${Math.floor(image.size / 2)}-`);
    assert.ok(events.includes('resuming'));
    assert.equal(await target.blobs.has(image.layer), true);
    assert.deepEqual(await ingestFiles(target), []);
  });

  it('a blob with wrong bytes fails with a digest mismatch and nothing is committed', async () => {
    const image = await freshImage();
    const before = await snapshot(target);
    proxy.inject({ method: 'GET', path: new RegExp(`/blobs/${image.layer}$`), fault: { kind: 'corrupt' } });
    await assert.rejects(pullImage(target, clients, { reference: image.ref }), (err: StevedoreError) => {
      assert.equal(err.code, 'DIGEST_MISMATCH');
      assert.match(err.message, new RegExp(`expected ${image.layer}`));
      return true;
    });
    assert.equal(await snapshot(target), before, 'index, metadata and blobs unchanged (the config it fetched first is gone too)');
    assert.deepEqual(await ingestFiles(target), []);
  });

  it('a config with wrong bytes stops the layer downloads running beside it, and nothing is left', async () => {
    const image = await freshImage();
    const before = await snapshot(target);
    proxy.inject({ method: 'GET', path: new RegExp(`/blobs/${image.config}$`), fault: { kind: 'corrupt' } });
    // The layer stalls half way, so it is surely still downloading when the config fails.
    proxy.inject({ method: 'GET', path: new RegExp(`/blobs/${image.layer}$`), fault: { kind: 'stall', afterBytes: Math.floor(image.size / 2) } });
    await assert.rejects(pullImage(target, clients, { reference: image.ref }), (err: StevedoreError) => err.code === 'DIGEST_MISMATCH' && err.message.includes(image.config));
    assert.equal(await snapshot(target), before);
    assert.deepEqual(await ingestFiles(target), []);
  });

  it('429 with Retry-After: 1 is waited out', async () => {
    const image = await freshImage();
    proxy.inject({ method: 'GET', path: /\/manifests\//, fault: { kind: 'status', status: 429, headers: { 'retry-after': '1' }, body: '{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}' } });
    await pullImage(target, clients, { reference: image.ref });
    const path = image.ref.slice(proxy.host.length, image.ref.lastIndexOf(':'));
    const manifestGets = proxy.requests.filter((r) => r.path.startsWith(`/v2${path}/manifests/`));
    assert.equal(manifestGets[0]!.fault, 'status');
    assert.ok(manifestGets[1]!.at - manifestGets[0]!.at >= 950, `waited ${manifestGets[1]!.at - manifestGets[0]!.at} ms`);
  });

  it('three 503s in a row are retried', async () => {
    const image = await freshImage();
    proxy.inject({ method: 'GET', path: new RegExp(`/blobs/${image.layer}$`), fault: { kind: 'status', status: 503 }, times: 3 });
    await pullImage(target, clients, { reference: image.ref });
    const gets = proxy.requests.filter((r) => r.path.endsWith(`/blobs/${image.layer}`));
    assert.deepEqual(gets.map((r) => r.fault), ['status', 'status', 'status', undefined]);
  });

  it('503s beyond the retry budget fail with a temporary error, and the store is unchanged', async () => {
    const image = await freshImage();
    const before = await snapshot(target);
    proxy.inject({ method: 'GET', path: new RegExp(`/blobs/${image.layer}$`), fault: { kind: 'status', status: 503 }, times: 100 });
    await assert.rejects(pullImage(target, clients, { reference: image.ref }), (err: StevedoreError) => err.code === 'REGISTRY_ERROR' && err.temporary);
    assert.equal(await snapshot(target), before);
    assert.deepEqual(await ingestFiles(target), []);
  });

  /** Pulls with a guard: a pull that would retry without end is cancelled after `limit` requests for the blob, so the test fails rather than hangs. */
  async function pullGuarded(pullClients: RegistryClients, image: { ref: string; layer: string }, limit = 60): Promise<unknown> {
    const controller = new AbortController();
    const guard = setInterval(() => {
      if (proxy.requests.filter((r) => r.path.endsWith(`/blobs/${image.layer}`)).length > limit) controller.abort();
    }, 20);
    try {
      await pullImage(target, pullClients, { reference: image.ref, signal: controller.signal });
      return undefined;
    } catch (err) {
      return err;
    } finally {
      clearInterval(guard);
    }
  }

  it('a Content-Length shorter than the layer fails at once with a size error naming the layer', async () => {
    const image = await freshImage();
    const before = await snapshot(target);
    proxy.inject({ method: 'GET', path: new RegExp(`/blobs/${image.layer}$`), fault: { kind: 'shortLength', length: Math.floor(image.size / 2) }, times: 1000 });
    const err = (await pullGuarded(clients, image)) as StevedoreError;
    assert.equal(err?.code, 'SIZE_MISMATCH', String(err));
    assert.match(err.message, new RegExp(`layer ${image.layer} of ${proxy.host}/faults/img\\d+:1`));
    assert.match(err.message, new RegExp(`as ${Math.floor(image.size / 2)} bytes, but the image's manifest says ${image.size}`));
    assert.equal(proxy.requests.filter((r) => r.path.endsWith(`/blobs/${image.layer}`)).length, 1, 'not asked again');
    assert.equal(await snapshot(target), before);
    assert.deepEqual(await ingestFiles(target), []);
  });

  it('a server that ignores Range and cuts every answer at the same byte fails after the retry attempts', async () => {
    const image = await freshImage();
    const before = await snapshot(target);
    const half = Math.floor(image.size / 2);
    proxy.inject({ method: 'GET', path: new RegExp(`/blobs/${image.layer}$`), fault: { kind: 'truncate', afterBytes: half, ignoreRange: true }, times: 1000 });
    const err = (await pullGuarded(clients, image)) as StevedoreError;
    assert.equal(err?.code, 'NETWORK_ERROR', String(err));
    assert.match(err.message, new RegExp(`layer ${image.layer} .* made no progress in 5 attempts in a row: .* at byte ${half} of ${image.size}`));
    const gets = proxy.requests.filter((r) => r.path.endsWith(`/blobs/${image.layer}`));
    // The first attempt and five that got no further; a resume answered 200 is asked once more
    // over undici (the socket path takes only the 206 it asked for), so up to two requests each.
    assert.ok(gets.length >= 6 && gets.length <= 11, `${gets.length} requests`);
    assert.equal(await snapshot(target), before);
    assert.deepEqual(await ingestFiles(target), []);
  });

  it('a manifest that declares a layer far larger than the blob fails with a size error, not endless resumes', async () => {
    const image = await freshImage();
    const name = image.ref.slice(proxy.host.length + 1, image.ref.lastIndexOf(':'));
    const got = await fetch(`${registry.url}/v2/${name}/manifests/1`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' } });
    const mediaType = got.headers.get('content-type')!;
    const manifest = (await got.json()) as { layers: { size: number }[] };
    manifest.layers[0]!.size = image.size * 100;
    const put = await fetch(`${registry.url}/v2/${name}/manifests/inflated`, { method: 'PUT', headers: { 'content-type': mediaType }, body: JSON.stringify(manifest) });
    assert.equal(put.status, 201, await put.text());
    const before = await snapshot(target);
    const err = (await pullGuarded(clients, { ref: `${proxy.host}/${name}:inflated`, layer: image.layer })) as StevedoreError;
    assert.equal(err?.code, 'SIZE_MISMATCH', String(err));
    assert.match(err.message, new RegExp(`layer ${image.layer} of .* as ${image.size} bytes, but the image's manifest says ${image.size * 100}`));
    assert.equal(await snapshot(target), before);
    assert.deepEqual(await ingestFiles(target), []);
  });

  it('resumes that each bring a little stop at the resume budget', async () => {
    const image = await freshImage();
    const budgeted = new RegistryClients({ retry: { baseDelayMs: 10, maxResumes: 3 } });
    try {
      proxy.inject({ method: 'GET', path: new RegExp(`/blobs/${image.layer}$`), fault: { kind: 'truncate', afterBytes: Math.floor(image.size / 10) }, times: 1000 });
      const err = (await pullGuarded(budgeted, image)) as StevedoreError;
      assert.equal(err?.code, 'NETWORK_ERROR', String(err));
      assert.match(err.message, new RegExp(`layer ${image.layer} .* gave up after 3 resumes`));
      assert.equal(proxy.requests.filter((r) => r.path.endsWith(`/blobs/${image.layer}`)).length, 4);
    } finally {
      await budgeted.close();
    }
  });

  it('with a zero time budget a 503 is not retried', async () => {
    const image = await freshImage();
    const budgeted = new RegistryClients({ retry: { baseDelayMs: 10, maxElapsedMs: 0 } });
    try {
      proxy.inject({ method: 'GET', path: new RegExp(`/blobs/${image.layer}$`), fault: { kind: 'status', status: 503 }, times: 1000 });
      const err = (await pullGuarded(budgeted, image)) as StevedoreError;
      assert.equal(err?.code, 'REGISTRY_ERROR', String(err));
      assert.equal(proxy.requests.filter((r) => r.path.endsWith(`/blobs/${image.layer}`)).length, 1);
    } finally {
      await budgeted.close();
    }
  });

  it('a layer whose body stops coming fails after the stall timeout with a message naming the layer', async () => {
    const image = await freshImage();
    // The config is in the store already, so the short stall timeout can only meet the stalled
    // layer, however slowly a busy machine serves the config.
    await target.blobs.writeBytes(await source.blobs.readSmall(image.config));
    const before = await snapshot(target);
    // A small stall timeout; the body stops entirely, so nothing here depends on how fast the machine is.
    const impatient = new RegistryClients({ retry: { baseDelayMs: 10 }, stallTimeoutMs: 400 });
    const stallingProxy = await startFaultProxy(registry.url);
    try {
      stallingProxy.inject({ method: 'GET', path: new RegExp(`/blobs/${image.layer}$`), fault: { kind: 'stall', afterBytes: Math.floor(image.size / 2) } });
      await assert.rejects(pullImage(target, impatient, { reference: image.ref.replace(proxy.host, stallingProxy.host) }), (err: StevedoreError) => {
        assert.equal(err.code, 'NETWORK_ERROR');
        assert.match(err.message, new RegExp(`The download of layer ${image.layer} of ${stallingProxy.host}/faults/img\\d+:1 stalled: less than 16 KiB arrived in 400 ms`));
        return true;
      });
      assert.equal(stallingProxy.requests.filter((r) => r.path.endsWith(`/blobs/${image.layer}`)).length, 1, 'a stall is not resumed');
      assert.equal(await snapshot(target), before);
      assert.deepEqual(await ingestFiles(target), []);
    } finally {
      await impatient.close();
      await stallingProxy.stop();
    }
  });

  it('`stevedore pull --stall-timeout` fails a stalled layer naming it; STEVEDORE_STALL_TIMEOUT too; a bad value is refused', async () => {
    const image = await freshImage();
    // The config is in the store already, so the short stall timeout can only meet the stalled
    // layer, however slowly a busy machine serves the config.
    await target.blobs.writeBytes(await source.blobs.readSmall(image.config));
    const before = await snapshot(target);
    const stallingProxy = await startFaultProxy(registry.url);
    try {
      const ref = image.ref.replace(proxy.host, stallingProxy.host);
      stallingProxy.inject({ method: 'GET', path: new RegExp(`/blobs/${image.layer}$`), fault: { kind: 'stall', afterBytes: Math.floor(image.size / 2) }, times: 2 });
      const flag = await runCli(target.root, ['pull', '--stall-timeout', '300ms', ref]);
      assert.equal(flag.code, 1, flag.stderr);
      assert.match(flag.stderr, new RegExp(`layer ${image.layer} of ${stallingProxy.host}/faults/img\\d+:1 stalled: less than 16 KiB arrived in 300 ms`));
      assert.doesNotMatch(flag.stdout, /Status:|Digest:/);
      const env = await runCli(target.root, ['pull', ref], { env: { ...process.env, STEVEDORE_STALL_TIMEOUT: '0.3' } });
      assert.equal(env.code, 1, env.stderr);
      assert.match(env.stderr, /stalled: less than 16 KiB arrived in 300 ms/);
      const bad = await runCli(target.root, ['pull', '--stall-timeout', 'soon', ref]);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /--stall-timeout must be a duration such as 45s, 2m or 1m30s, or a number of seconds \(got "soon"\)/);
      assert.equal(await snapshot(target), before);
      assert.deepEqual(await ingestFiles(target), []);
    } finally {
      await stallingProxy.stop();
    }
  });

  it('a pull cancelled half way stops and leaves the store unchanged', async (t) => {
    const image = await freshImage();
    const before = await snapshot(target);
    const stallingProxy = await startFaultProxy(registry.url);
    try {
      // The stalled transfer never finishes, so the pull can only end because it was cancelled.
      stallingProxy.inject({ method: 'GET', path: new RegExp(`/blobs/${image.layer}$`), fault: { kind: 'stall', afterBytes: Math.floor(image.size / 2) } });
      const controller = new AbortController();
      const pulling = pullImage(target, clients, { reference: image.ref.replace(proxy.host, stallingProxy.host), signal: controller.signal });
      await stallingProxy.stalled;
      const started = Date.now();
      controller.abort();
      await assert.rejects(pulling, (err: unknown) => err instanceof CancelledError);
      t.diagnostic(`stopped ${Date.now() - started} ms after the abort`);
      assert.equal(await snapshot(target), before);
      assert.deepEqual(await ingestFiles(target), []);
    } finally {
      await stallingProxy.stop();
    }
  });

  it('Ctrl-C during `stevedore pull` exits 130 and leaves the store unchanged', async () => {
    const image = await freshImage();
    const before = await snapshot(target);
    const stallingProxy = await startFaultProxy(registry.url);
    try {
      stallingProxy.inject({ method: 'GET', path: new RegExp(`/blobs/${image.layer}$`), fault: { kind: 'stall', afterBytes: Math.floor(image.size / 2) } });
      const child = spawn(process.execPath, [CLI, '--store', target.root, 'pull', image.ref.replace(proxy.host, stallingProxy.host)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      child.stdout.resume();
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      await stallingProxy.stalled;
      process.kill(child.pid!, 'SIGINT');
      assert.equal(await exited, 130, stderr);
      assert.match(stderr, /Cancelled: nothing was changed/);
      assert.equal(await snapshot(target), before);
      assert.deepEqual(await ingestFiles(target), []);
    } finally {
      await stallingProxy.stop();
    }
  });
});
