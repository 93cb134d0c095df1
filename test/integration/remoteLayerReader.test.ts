// A registry image's layer read through copy's remote Image (core/sources/remoteImage.ts): a reader
// that stops part-way (the target failed, or the copy was cancelled) ends the download, even when
// the download is waiting for the reader to take what is queued. Before, stopping after more than
// the queue's 4 MiB had arrived left the reader's `return()` waiting for ever; here the test's own
// timeout is the only limit, so it fails by hanging on the old code.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pushImage } from '../../src/core/registry/pushImage';
import { RegistryClients } from '../../src/core/registry/registryClients';
import { RegistrySource } from '../../src/core/sources/registrySource';
import { FileImageStore } from '../../src/core/store/fileImageStore';
import { importBuffer, randomRootfs, tempDir } from '../helpers/fixtures';
import { startRegistry, type RunningRegistry } from '../helpers/registry';

describe("a registry layer's reader that stops part-way", () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let registry: RunningRegistry;
  let clients: RegistryClients;
  let reference: string;

  before(async () => {
    dir = await tempDir();
    registry = await startRegistry({});
    clients = new RegistryClients({});
    const source = await FileImageStore.open(join(dir.path, 'source'));
    reference = `${registry.host}/stop/big:1`;
    // Random bytes do not compress: the layer is about 24 MiB on the wire, several times the queue.
    await importBuffer(source, await randomRootfs(3, 8 * 1024 * 1024), reference);
    await pushImage(source, clients, { reference });
  });
  after(async () => {
    await clients?.close();
    await registry?.stop();
    await dir?.cleanup();
  });

  // `pause`: how long the reader holds still after its first piece, so that the download fills the
  // queue and waits (the case that hung). It only makes the old failure likely; a pass never
  // depends on it.
  for (const pause of [0, 500]) {
    it(`stopping after the first piece${pause ? ', once the queue has filled,' : ''} ends the download; the layer reads whole again afterwards`, async () => {
      const opened = await new RegistrySource(clients).get(reference);
      try {
        const layer = opened.image.layers[0]!;
        const pieces = layer.compressed()[Symbol.asyncIterator]();
        const first = await pieces.next();
        assert.ok(!first.done && first.value.length < layer.descriptor.size, 'the layer came in one piece');
        if (pause) await new Promise((resolve) => setTimeout(resolve, pause));
        // What a for-await `break` does: this must settle.
        await pieces.return?.(undefined);
        // The whole layer can still be read afterwards, and it is what the manifest names.
        let total = 0;
        for await (const piece of layer.compressed()) total += piece.length;
        assert.equal(total, layer.descriptor.size);
      } finally {
        await opened.close();
      }
    });
  }
});
