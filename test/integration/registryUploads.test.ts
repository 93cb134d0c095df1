// Blob uploads against Debian's real docker-registry, with the fault proxy in front of it
// (test/helpers/faultProxy.ts): a connection closed part way through an upload's body, and an
// answer given before the body is read, each end that request without a hang and the upload
// starts over with a new session; an upload whose source fails part way fails with the source's
// own error (or, for a failure that may pass, is tried again from the start), and the registry is
// left without the blob until an upload of the right bytes.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, beforeEach, describe, it } from 'node:test';
import { StevedoreError } from '../../src/core/errors';
import { blobExists, uploadBlob } from '../../src/core/registry/blobUpload';
import { pullImage } from '../../src/core/registry/pullImage';
import { pushImage } from '../../src/core/registry/pushImage';
import { RegistryClients } from '../../src/core/registry/registryClients';
import { checkStore } from '../../src/core/store/checkStore';
import type { ImageStore } from '../../src/core/store/imageStore';
import { FileImageStore } from '../../src/core/store/fileImageStore';
import { startFaultProxy, type FaultProxy } from '../helpers/faultProxy';
import { importBuffer, randomRootfs, tempDir } from '../helpers/fixtures';
import { startRegistry, type RunningRegistry } from '../helpers/registry';
import { digestOf } from '../helpers/registryUpload';

describe('blob uploads through a fault proxy in front of the real registry', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let registry: RunningRegistry;
  let proxy: FaultProxy;
  let source: ImageStore;
  let clients: RegistryClients;
  let counter = 0;

  before(async () => {
    dir = await tempDir();
    registry = await startRegistry({});
    proxy = await startFaultProxy(registry.url);
    source = await FileImageStore.open(join(dir.path, 'source'));
    clients = new RegistryClients({ retry: { baseDelayMs: 50 } });
  });
  beforeEach(() => proxy.clear());
  after(async () => {
    await clients.close();
    await proxy.stop();
    await registry.stop();
    await dir.cleanup();
  });

  /** Imports a fresh image of one incompressible layer of about `bytes`, named through the proxy. */
  async function freshImage(bytes: number): Promise<{ ref: string; layer: string; config: string }> {
    const ref = `${proxy.host}/uploads/img${counter++}:1`;
    const record = await importBuffer(source, await randomRootfs(2, bytes / 2), ref);
    const { manifest } = await source.load(record);
    return { ref, layer: manifest.layers[0]!.digest, config: manifest.config.digest };
  }

  /** Pulls `ref` into a new store and checks every blob of it there. */
  async function pullsBack(ref: string, layer: string): Promise<void> {
    const target = await FileImageStore.open(join(dir.path, `target${counter++}`));
    await pullImage(target, clients, { reference: ref });
    assert.ok(await target.blobs.has(layer));
    assert.deepEqual((await checkStore(target)).problems, []);
  }

  const uploads = (): string[] => proxy.requests.filter((r) => r.path.includes('/blobs/uploads/')).map((r) => `${r.method}${r.fault ? ` ${r.fault}` : ''}`);

  it('a connection closed part way through an upload\'s body: the upload starts over with a new session, and the push succeeds', async () => {
    const image = await freshImage(2_000_000);
    proxy.requests.length = 0;
    proxy.inject({ method: 'PATCH', path: /\/blobs\/uploads\//, fault: { kind: 'cutRequest', afterBytes: 1000 } });
    await pushImage(source, clients, { reference: image.ref, concurrency: 1 });
    // The config (small) and the layer: one of them cut once, then sent again from a new session.
    assert.deepEqual(uploads().filter((u) => u.startsWith('PATCH')).sort(), ['PATCH', 'PATCH', 'PATCH cutRequest']);
    assert.equal(uploads().filter((u) => u === 'POST').length, 3);
    await pullsBack(image.ref, image.layer);
  });

  it('an error answered before the upload\'s body is read (503): no hang, the upload is sent again and the push succeeds', async () => {
    const image = await freshImage(8_000_000);
    proxy.requests.length = 0;
    proxy.inject({ method: 'PATCH', path: /\/blobs\/uploads\//, fault: { kind: 'status', status: 503, early: true } });
    await pushImage(source, clients, { reference: image.ref, concurrency: 1 });
    assert.deepEqual(uploads().filter((u) => u.startsWith('PATCH')).sort(), ['PATCH', 'PATCH', 'PATCH status']);
    await pullsBack(image.ref, image.layer);
  });

  it('an upload whose source fails part way fails with the source\'s own error, and the registry is left without the blob', async () => {
    const client = clients.for(registry.host);
    const bytes = Buffer.alloc(3_000_000, 5);
    const digest = digestOf(bytes);
    const damaged = new StevedoreError('DIGEST_MISMATCH', 'the stored blob is damaged');
    let opened = 0;
    const failingAfter = (err: Error) => (): Readable => {
      opened++;
      let sent = 0;
      return new Readable({
        read() {
          if (sent >= 1_000_000) return this.destroy(err);
          sent += 250_000;
          this.push(bytes.subarray(sent - 250_000, sent));
        },
      });
    };
    // An error of the store's own is final: one attempt.
    await assert.rejects(uploadBlob(client, 'uploads/source', { open: failingAfter(damaged), digest, size: bytes.length }), (err) => err === damaged);
    assert.equal(opened, 1);
    // Any other failure of the source may pass: the upload starts over, the source opened again each time, then gives up.
    opened = 0;
    const io = Object.assign(new Error('read failed'), { code: 'EIO' });
    await assert.rejects(uploadBlob(client, 'uploads/source', { open: failingAfter(io), digest, size: bytes.length }), (err) => err instanceof StevedoreError && err.code === 'NETWORK_ERROR' && err.cause === io);
    assert.equal(opened, 3);
    assert.equal(await blobExists(client, 'uploads/source', digest), false);
    await uploadBlob(client, 'uploads/source', { open: () => Readable.from([bytes]), digest, size: bytes.length });
    assert.equal(await blobExists(client, 'uploads/source', digest), true);
  });
});
