// Per-layer progress read from an image archive as it streams past (core/archive/archiveLayerProgress.ts):
// the bytes pass unchanged whatever the chunking, layers are told from configs and manifests, and a
// stream that is not a tar passes through with no progress.

import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { watchArchiveLayers } from '../../src/core/archive/archiveLayerProgress';
import { layerShortId } from '../../src/core/transfer/layerShortId';
import type { TransferEvent } from '../../src/core/transfer/transferEvent';

/** The old progress shape, read from the layer events: Docker's short ID and done. */
interface SeenLayer {
  id: string;
  current: number;
  total: number;
  done: boolean;
}
import { makeTar } from '../helpers/fixtures';

async function* chunked(data: Buffer, sizes: readonly number[]): AsyncGenerator<Uint8Array> {
  let off = 0;
  for (let i = 0; off < data.length; i++) {
    const n = sizes[i % sizes.length]!;
    yield data.subarray(off, off + n);
    off += n;
  }
}

async function passThrough(data: Buffer, sizes: readonly number[]): Promise<{ out: Buffer; events: SeenLayer[] }> {
  const events: SeenLayer[] = [];
  const parts: Buffer[] = [];
  const onEvent = (e: TransferEvent): void => {
    if (e.kind === 'layer') events.push({ id: layerShortId(e.id), current: e.current, total: e.total, done: e.state === 'done' });
  };
  for await (const c of watchArchiveLayers(chunked(data, sizes), onEvent)) parts.push(Buffer.from(c));
  return { out: Buffer.concat(parts), events };
}

const hex = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

describe('archive layer progress', async () => {
  const layerA = await makeTar([{ name: 'etc/a.bin', content: randomBytes(70_000) }]);
  const layerB = gzipSync(await makeTar([{ name: 'usr/b.bin', content: randomBytes(3_000) }]));
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [] } }));
  const archive = await makeTar([
    { name: 'oci-layout', content: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
    { name: `blobs/sha256/${hex(config)}`, content: config },
    { name: `blobs/sha256/${hex(layerA)}`, content: layerA },
    { name: `${hex(layerB)}/layer.tar`, content: layerB },
    { name: 'manifest.json', content: Buffer.from('[]') },
  ]);

  // Chunk sizes that split headers, entries and padding at every kind of place.
  for (const sizes of [[1], [7, 511, 513], [512], [65_536], [archive.length]]) {
    it(`passes the bytes unchanged and reports each layer, and only layers (chunks of ${sizes.join(', ')})`, async () => {
      const { out, events } = await passThrough(archive, sizes);
      assert.ok(out.equals(archive));
      assert.deepEqual([...new Set(events.map((e) => e.id))], [hex(layerA).slice(0, 12), hex(layerB).slice(0, 12)]);
      const last = (id: string) => events.filter((e) => e.id === id).at(-1)!;
      assert.deepEqual(last(hex(layerA).slice(0, 12)), { id: hex(layerA).slice(0, 12), current: layerA.length, total: layerA.length, done: true });
      assert.deepEqual(last(hex(layerB).slice(0, 12)), { id: hex(layerB).slice(0, 12), current: layerB.length, total: layerB.length, done: true });
      // Progress only grows, and is done once.
      for (const id of new Set(events.map((e) => e.id))) {
        const mine = events.filter((e) => e.id === id);
        assert.ok(mine.every((e, i) => i === 0 || e.current >= mine[i - 1]!.current));
        assert.equal(mine.filter((e) => e.done).length, 1);
      }
    });
  }

  it('passes a gzip-compressed archive through untouched and reports nothing', async () => {
    const compressed = gzipSync(archive);
    const { out, events } = await passThrough(compressed, [1000]);
    assert.ok(out.equals(compressed));
    assert.deepEqual(events, []);
  });
});
