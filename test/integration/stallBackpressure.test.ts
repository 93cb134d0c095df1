// The stall watchdog blames the registry only for time the download waits on the network. A copy
// whose target is slow (an upload, Docker's load, a reader that holds still) makes the download
// wait on its queue, not on the registry: that time must not count. Before, a reader that paused
// for longer than the stall timeout failed the copy with "stalled" though the registry had every
// byte ready. A registry that really stops sending still fails, naming the layer, after the reader
// has paused as well.
//
// Nothing here depends on the machine's speed in the direction of a pass: the readers pause for
// five stall timeouts (so the old code fails for sure), and the registry on loopback has a whole
// second to bring 16 KiB whenever the download is not held by the reader.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { StevedoreError } from '../../src/core/errors';
import type { Layer } from '../../src/core/image/image';
import { pushImage } from '../../src/core/registry/pushImage';
import { RegistryClients } from '../../src/core/registry/registryClients';
import { RegistrySource } from '../../src/core/sources/registrySource';
import { FileImageStore } from '../../src/core/store/fileImageStore';
import { startFaultProxy } from '../helpers/faultProxy';
import { importBuffer, randomRootfs, tempDir } from '../helpers/fixtures';
import { startRegistry, type RunningRegistry } from '../helpers/registry';

const STALL_TIMEOUT_MS = 1000;
const PAUSE_MS = 5 * STALL_TIMEOUT_MS;

/** Reads the layer, holding still for PAUSE_MS after the first piece; returns the bytes' digest and count. */
async function readPausing(layer: Layer): Promise<{ digest: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  let paused = false;
  for await (const piece of layer.compressed()) {
    hash.update(piece);
    size += piece.length;
    if (!paused) {
      paused = true;
      await sleep(PAUSE_MS);
    }
  }
  return { digest: `sha256:${hash.digest('hex')}`, size };
}

describe('the stall watchdog and a slow reader', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let registry: RunningRegistry;
  let clients: RegistryClients;
  let impatient: RegistryClients;
  let reference: string;

  before(async () => {
    dir = await tempDir();
    registry = await startRegistry({});
    clients = new RegistryClients({});
    impatient = new RegistryClients({ stallTimeoutMs: STALL_TIMEOUT_MS });
    const source = await FileImageStore.open(join(dir.path, 'source'));
    // Random bytes do not compress: the layer is about 24 MiB, several times what the download
    // queues before it waits on the reader.
    reference = `${registry.host}/stall/big:1`;
    await importBuffer(source, await randomRootfs(3, 8 * 1024 * 1024), reference);
    await pushImage(source, clients, { reference });
  });
  after(async () => {
    await clients?.close();
    await impatient?.close();
    await registry?.stop();
    await dir?.cleanup();
  });

  it('a reader that pauses for five stall timeouts while the registry has the bytes ready still gets the whole layer', async () => {
    const opened = await new RegistrySource(impatient).get(reference);
    try {
      const layer = opened.image.layers[0]!;
      const read = await readPausing(layer);
      assert.deepEqual(read, { digest: layer.descriptor.digest, size: layer.descriptor.size });
    } finally {
      await opened.close();
    }
  });

  it('a registry that stops sending still fails after the stall timeout, naming the layer, when the reader paused too', async () => {
    const proxy = await startFaultProxy(registry.url);
    try {
      const opened = await new RegistrySource(impatient).get(reference.replace(registry.host, proxy.host));
      try {
        const layer = opened.image.layers[0]!;
        proxy.inject({ method: 'GET', path: new RegExp(`/blobs/${layer.descriptor.digest}$`), fault: { kind: 'stall', afterBytes: Math.floor(layer.descriptor.size / 2) } });
        await assert.rejects(readPausing(layer), (err: StevedoreError) => {
          assert.equal(err.code, 'NETWORK_ERROR');
          assert.match(err.message, new RegExp(`The download of layer ${layer.descriptor.digest} of ${proxy.host}/stall/big:1 stalled: less than 16 KiB arrived in 1 s`));
          return true;
        });
      } finally {
        await opened.close();
      }
    } finally {
      await proxy.stop();
    }
  });
});
