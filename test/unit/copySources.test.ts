// The one copy, image by image (an OCI layout folder into the store): every layer reports its
// bytes as TransferEvents; what the target has is not read again (an image it has: no layer event
// at all; a layer it has: `exists`, never `transferring`); a copy cancelled while a layer streams
// leaves the store exactly as it was.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { isCancelled } from '../../src/core/errors';
import { RegistryClients } from '../../src/core/registry/registryClients';
import { ArchiveSource } from '../../src/core/sources/archiveSource';
import { copy } from '../../src/core/sources/copy';
import { RegistrySource } from '../../src/core/sources/registrySource';
import { StoreSource } from '../../src/core/sources/storeSource';
import type { ImageStore } from '../../src/core/store/imageStore';
import type { TransferEvent } from '../../src/core/transfer/transferEvent';
import { openTempStore, randomRootfs, tempDir } from '../helpers/fixtures';

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** An OCI layout folder holding one image of the given plain layers (gzip-compressed), under `name`. */
async function writeLayout(root: string, name: string, layers: readonly Buffer[]): Promise<{ id: string; digests: string[] }> {
  const blobs = join(root, 'blobs', 'sha256');
  await mkdir(blobs, { recursive: true });
  const put = async (bytes: Buffer): Promise<string> => {
    const digest = sha256(bytes);
    await writeFile(join(blobs, digest.slice(7)), bytes);
    return digest;
  };
  const packed = layers.map((l) => gzipSync(l));
  const digests = await Promise.all(packed.map(put));
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: layers.map(sha256) } }));
  const id = await put(config);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: id, size: config.length },
      layers: packed.map((p, i) => ({ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: digests[i], size: p.length })),
    }),
  );
  const manifestDigest = await put(manifest);
  await writeFile(join(root, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}');
  await writeFile(
    join(root, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: manifestDigest, size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': name } }] }),
  );
  return { id, digests };
}

async function storeState(store: ImageStore): Promise<string> {
  const names = (await readdir(join(store.root, 'blobs', 'sha256'))).sort().join(',');
  return `${await readFile(join(store.root, 'index.json'), 'utf8')}|${names}`;
}

describe('copy, image by image', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let target: { store: ImageStore; cleanup: () => Promise<void> };
  let shared: Buffer;

  before(async () => {
    dir = await tempDir('copy-sources-');
    target = await openTempStore();
    shared = await randomRootfs(3, 300_000);
  });
  after(async () => {
    await target.cleanup();
    await dir.cleanup();
  });

  const layerEvents = (events: TransferEvent[]): Extract<TransferEvent, { kind: 'layer' }>[] => events.filter((e): e is Extract<TransferEvent, { kind: 'layer' }> => e.kind === 'layer');

  it('reports each layer as it moves; an image the store has moves nothing', async () => {
    const layout = join(dir.path, 'one');
    const { id, digests } = await writeLayout(layout, 'latest', [shared, await randomRootfs(2, 1000)]);
    const events: TransferEvent[] = [];
    const result = await copy(new ArchiveSource('oci', layout, target.store.root), 'latest', new StoreSource(target.store), ['docker.io/library/app:1'], { onEvent: (e) => events.push(e) });
    assert.equal(result.id, id);
    assert.equal(result.alreadyPresent, false);
    for (const digest of digests) {
      const mine = layerEvents(events).filter((e) => e.id === digest);
      assert.ok(mine.some((e) => e.state === 'transferring' && e.current > 0), `${digest} moved`);
      assert.equal(mine.at(-1)!.state, 'done');
    }
    assert.equal((await target.store.find('app:1')).id, id);

    const again: TransferEvent[] = [];
    const second = await copy(new ArchiveSource('oci', layout, target.store.root), 'latest', new StoreSource(target.store), ['docker.io/library/app:2'], { onEvent: (e) => again.push(e) });
    assert.equal(second.alreadyPresent, true);
    assert.equal(second.bytes, 0);
    assert.deepEqual(layerEvents(again), [], 'no layer event at all');
    assert.equal((await target.store.find('app:2')).id, id, 'only the new name was added');
  });

  it('a layer the store has is reported as existing and never read', async () => {
    const layout = join(dir.path, 'two');
    const { digests } = await writeLayout(layout, 'latest', [shared, await randomRootfs(2, 1000)]);
    const events: TransferEvent[] = [];
    await copy(new ArchiveSource('oci', layout, target.store.root), 'latest', new StoreSource(target.store), ['docker.io/library/app:3'], { onEvent: (e) => events.push(e) });
    const sharedEvents = layerEvents(events).filter((e) => e.id === digests[0]);
    assert.deepEqual(sharedEvents.map((e) => e.state), ['exists']);
    assert.ok(layerEvents(events).some((e) => e.id === digests[1] && e.state === 'done'));
  });

  it('a copy cancelled while a layer streams leaves the store exactly as it was', async () => {
    const layout = join(dir.path, 'three');
    await writeLayout(layout, 'latest', [await randomRootfs(4, 400_000)]);
    const before = await storeState(target.store);
    const controller = new AbortController();
    await assert.rejects(
      copy(new ArchiveSource('oci', layout, target.store.root), 'latest', new StoreSource(target.store), ['docker.io/library/app:4'], {
        signal: controller.signal,
        onEvent: (e) => {
          if (e.kind === 'layer' && e.state === 'transferring' && e.current > 0) controller.abort();
        },
      }),
      (err: unknown) => isCancelled(err),
    );
    assert.equal(await storeState(target.store), before);
    assert.deepEqual(await readdir(join(target.store.root, 'stevedore', 'ingest')).catch(() => []), []);
  });
});

describe('a registry as a copy side', () => {
  it('names its registry and repository in messages when it stands for a reference', async () => {
    const clients = new RegistryClients({});
    try {
      assert.equal(new RegistrySource(clients, { reference: 'localhost:5000/team/app:1' }).describe(), 'the registry localhost:5000 (repository team/app)');
      assert.equal(new RegistrySource(clients, { reference: 'redis' }).describe(), 'the registry docker.io (repository library/redis)');
      assert.equal(new RegistrySource(clients).describe(), 'the registry');
    } finally {
      await clients.close();
    }
  });
});
