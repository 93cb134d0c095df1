// Verification on demand: all four kinds of digest recomputed from the store and compared, with
// damage of each kind detected and named, progress reported, and cancellation honoured.

import assert from 'node:assert/strict';
import { chmod, open } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { CancelledError } from '../../src/core/errors';
import { verifyImage } from '../../src/core/layers/verifyImage';
import type { TransferBytesEvent, TransferEvent } from '../../src/core/transfer/transferEvent';
import type { ImageStore } from '../../src/core/store/imageStore';
import { openTempStore } from '../helpers/fixtures';
import { exampleLayers, layerTar, sha256, storeLayeredImage } from '../helpers/layeredImages';

/** Flips one byte of a stored blob in place (blobs are read-only, as a careless tool might not respect). */
async function corrupt(path: string, offset: number): Promise<void> {
  await chmod(path, 0o644);
  const handle = await open(path, 'r+');
  try {
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, offset);
    byte[0] = byte[0]! ^ 0xff;
    await handle.write(byte, 0, 1, offset);
  } finally {
    await handle.close();
  }
}

describe('verify: digests recomputed from the store', () => {
  let store: ImageStore;
  let cleanup: () => Promise<void>;
  before(async () => ({ store, cleanup } = await openTempStore()));
  after(() => cleanup());

  it('an intact image: manifest, config, every layer digest and diffID match', async () => {
    const record = await storeLayeredImage(store, await exampleLayers(), 'verify/good:1');
    const image = await store.load(record);
    const events: TransferBytesEvent[] = [];
    const result = await verifyImage(image, { onEvent: (e) => e.kind === 'bytes' && events.push(e) });
    assert.equal(result.ok, true);
    assert.deepEqual(
      result.checks.map((c) => [c.subject, c.layer ?? null, c.status]),
      [['manifest', null, 'match'], ['config', null, 'match'], ['layer', 0, 'match'], ['diffId', 0, 'match'], ['layer', 1, 'match'], ['diffId', 1, 'match'], ['layer', 2, 'match'], ['diffId', 2, 'match']],
    );
    const layers = await exampleLayers();
    for (const [i, spec] of layers.entries()) {
      const diff = result.checks.find((c) => c.subject === 'diffId' && c.layer === i)!;
      assert.equal(diff.actual, sha256(spec.tar!));
      assert.equal(diff.actualSize, spec.tar!.length);
    }
    assert.equal(result.checks[0]!.actual, record.manifestDigest);
    assert.equal(result.checks[1]!.actual, record.id);
    const total = image.manifestDescriptor.size + image.manifest.config.size + image.manifest.layers.reduce((s, l) => s + l.size, 0);
    assert.equal(result.bytesRead, total);
    assert.equal(events.at(-1)!.current, total);
    assert.ok(events.every((e) => e.total === total));
  });

  it('reports each blob it reads by digest, in order, each ending done, between a start and an end', async () => {
    const record = await storeLayeredImage(store, await exampleLayers(), 'verify/events:1');
    const image = await store.load(record);
    const events: TransferEvent[] = [];
    await verifyImage(image, { onEvent: (e) => events.push(e) });
    assert.deepEqual(events[0], { kind: 'start', operation: 'verify', reference: record.manifestDigest });
    assert.deepEqual(events.at(-1), { kind: 'end', operation: 'verify', reference: record.manifestDigest });
    const blobs = [image.manifestDescriptor, image.manifest.config, ...image.manifest.layers];
    const done = events.filter((e) => e.kind === 'layer' && e.state === 'done');
    assert.deepEqual(done, blobs.map((b) => ({ kind: 'layer', id: b.digest, state: 'done', current: b.size, total: b.size })));
    // Every blob is read before it is done, and the bytes of all blobs only grow.
    for (const b of blobs) assert.ok(events.some((e) => e.kind === 'layer' && e.id === b.digest && e.state === 'transferring'));
    const bytes = events.filter((e) => e.kind === 'bytes').map((e) => e.current);
    assert.ok(bytes.every((n, i) => i === 0 || n >= bytes[i - 1]!));
  });

  it('a corrupted layer blob: its digest mismatches, and the message says what to do', async () => {
    const record = await storeLayeredImage(store, [{ tar: await layerTar([{ name: 'a', content: 'x'.repeat(5000) }]), compression: 'none' }], 'verify/corrupt:1');
    const image = await store.load(record);
    const layer = image.manifest.layers[0]!;
    await corrupt(store.blobs.path(layer.digest), 600);
    const result = await verifyImage(image);
    assert.equal(result.ok, false);
    const blob = result.checks.find((c) => c.subject === 'layer')!;
    assert.equal(blob.status, 'mismatch');
    assert.notEqual(blob.actual, layer.digest);
    assert.match(blob.message!, /Layer 0 should be sha256:[a-f0-9]{64} but its content in the store hashes to sha256:[a-f0-9]{64}: the blob is corrupt\. Run "stevedore system check --repair"/);
    // An uncompressed layer's diffID is its digest: that fails too.
    assert.equal(result.checks.find((c) => c.subject === 'diffId')!.status, 'mismatch');
  });

  it('a corrupted gzip layer: the digest mismatches and the diffID cannot be computed', async () => {
    const record = await storeLayeredImage(store, [{ tar: await layerTar([{ name: 'a', content: Buffer.alloc(100_000, 9) }]) }], 'verify/gzip:1');
    const image = await store.load(record);
    const layer = image.manifest.layers[0]!;
    await corrupt(store.blobs.path(layer.digest), Math.floor(layer.size / 2));
    const result = await verifyImage(image);
    const blob = result.checks.find((c) => c.subject === 'layer')!;
    const diff = result.checks.find((c) => c.subject === 'diffId')!;
    assert.equal(blob.status, 'mismatch');
    assert.equal(blob.actualSize, layer.size, 'the whole blob was hashed even though gunzip failed');
    assert.ok(diff.status === 'unreadable' || diff.status === 'mismatch', diff.status);
  });

  it('a config whose diffIDs lie', async () => {
    const tar = await layerTar([{ name: 'a', content: 'a' }]);
    const record = await storeLayeredImage(store, [{ tar }], 'verify/lie:1', { diffIds: [sha256('something else')] });
    const result = await verifyImage(await store.load(record));
    const diff = result.checks.find((c) => c.subject === 'diffId')!;
    assert.equal(diff.status, 'mismatch');
    assert.equal(diff.actual, sha256(tar));
    assert.equal(diff.expected, sha256('something else'));
    assert.match(diff.message!, /uncompresses to sha256:\S+, but the config lists diffID sha256:\S+/);
    assert.equal(result.checks.find((c) => c.subject === 'layer')!.status, 'match');
  });

  it('a config with more diffIDs than the manifest has layers', async () => {
    const tar = await layerTar([{ name: 'a', content: 'a' }]);
    const record = await storeLayeredImage(store, [{ tar }], 'verify/extra:1', { diffIds: [sha256(tar), sha256('extra')] });
    const result = await verifyImage(await store.load(record));
    assert.equal(result.ok, false);
    assert.deepEqual(result.checks.at(-1), {
      subject: 'diffId',
      layer: 1,
      expected: sha256('extra'),
      actual: null,
      status: 'mismatch',
      message: `The config lists diffID ${sha256('extra')} for a layer 1 that the manifest does not have: the manifest and config do not belong together.`,
    });
  });

  it('a missing layer blob', async () => {
    const record = await storeLayeredImage(store, [{ tar: await layerTar([{ name: 'm', content: 'missing soon' }]) }], 'verify/missing:1');
    const image = await store.load(record);
    await store.blobs.delete(image.manifest.layers[0]!.digest);
    const result = await verifyImage(image);
    assert.deepEqual(
      result.checks.filter((c) => c.subject === 'layer' || c.subject === 'diffId').map((c) => c.status),
      ['missing', 'missing'],
    );
  });

  it('stops with CancelledError when the signal fires', async () => {
    const record = await storeLayeredImage(store, [{ tar: await layerTar([{ name: 'big', content: Buffer.alloc(3_000_000, 1) }]), compression: 'none' }], 'verify/cancel:1');
    const controller = new AbortController();
    const image = await store.load(record);
    await assert.rejects(
      verifyImage(image, {
        signal: controller.signal,
        onEvent: (e) => {
          if (e.kind === 'layer' && e.id === image.manifest.layers[0]!.digest && e.current > 0) controller.abort();
        },
      }),
      (err: unknown) => err instanceof CancelledError,
    );
  });
});
