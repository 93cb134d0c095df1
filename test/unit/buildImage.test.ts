// buildImage on a store of its own: a build stopped part way (cancelled, or failing at a later
// step) leaves the store exactly as it was with no ingest behind; the same inputs and created time
// give the same image ID twice.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildImage } from '../../src/core/dockerfile/buildImage';
import { readImageFile } from '../../src/core/dockerfile/imageUsers';
import { CancelledError, type StevedoreError } from '../../src/core/errors';
import type { ImageStore } from '../../src/core/store/imageStore';
import type { TransferEvent } from '../../src/core/transfer/transferEvent';
import { makeTar, openTempStore } from '../helpers/fixtures';
import { storeLayeredImage } from '../helpers/layeredImages';
import { storeSnapshot } from '../helpers/storeSnapshot';

describe('buildImage and the store', () => {
  let store: ImageStore;
  let dir: string;
  let cleanup: () => Promise<void>;
  let context: string;

  before(async () => {
    ({ store, dir, cleanup } = await openTempStore());
    context = join(dir, 'context');
    await mkdir(join(context, 'data'), { recursive: true });
    for (let i = 0; i < 8; i++) await writeFile(join(context, 'data', `blob-${i}.bin`), randomBytes(2 * 1024 * 1024));
    await writeFile(join(context, 'small.txt'), 'small\n');
    for (const name of ['small.txt', ...(await readdir(join(context, 'data'))).map((n) => join('data', n))]) await utimes(join(context, name), 1_700_000_000, 1_700_000_000);
  });
  after(() => cleanup());

  it('a build cancelled while a layer is written leaves the store as it was', async () => {
    await writeFile(join(context, 'Dockerfile'), 'FROM scratch\nCOPY small.txt /\nCOPY data/ /data/\n');
    const before = await storeSnapshot(store.root);
    const controller = new AbortController();
    await assert.rejects(
      buildImage(store, { context, tags: ['cancelled:1'], signal: controller.signal, onEvent: (e) => e.kind === 'layer' && e.id === 'step 3' && e.current > 4 * 1024 * 1024 && controller.abort() }),
      (err: unknown) => err instanceof CancelledError,
    );
    assert.deepEqual(await storeSnapshot(store.root), before);
    assert.deepEqual(await readdir(store.blobs.ingestDir).catch(() => []), []);
  });

  it('a build that fails at a later step discards the layers it made', async () => {
    await writeFile(join(context, 'Dockerfile'), 'FROM scratch\nCOPY data/ /data/\nCOPY missing.txt /\n');
    const before = await storeSnapshot(store.root);
    await assert.rejects(buildImage(store, { context, tags: ['failed:1'] }), (err: StevedoreError) => err.code === 'INVALID_ARGUMENT' && /missing\.txt/.test(err.message));
    assert.deepEqual(await storeSnapshot(store.root), before);
  });

  it("reports each step's layer as a transfer named by its step: bytes as written, done at the layer's size, and 'exists' from the cache", async () => {
    await writeFile(join(context, 'Dockerfile'), 'FROM scratch\nCOPY small.txt /\nENV A=1\nCOPY data/ /data/\n');
    const built = async (): Promise<{ events: TransferEvent[]; layers: { size: number }[]; id: string }> => {
      const events: TransferEvent[] = [];
      const result = await buildImage(store, { context, tags: ['events:1'], created: new Date('2024-01-01T00:00:00Z'), onEvent: (e) => e.kind !== 'step' && e.kind !== 'stepDone' && e.kind !== 'cached' && events.push(e as TransferEvent) });
      return { events, layers: (await store.load(result.record)).manifest.layers, id: result.id };
    };
    const first = await built();
    assert.deepEqual(first.events[0], { kind: 'start', operation: 'build', reference: 'docker.io/library/events:1' });
    assert.deepEqual(first.events.at(-1), { kind: 'end', operation: 'build', reference: 'docker.io/library/events:1', id: first.id });
    const layerEvents = first.events.filter((e) => e.kind === 'layer');
    assert.deepEqual([...new Set(layerEvents.map((e) => e.id))], ['step 2', 'step 4']);
    assert.deepEqual(
      layerEvents.filter((e) => e.state === 'done'),
      [
        { kind: 'layer', id: 'step 2', state: 'done', current: first.layers[0]!.size, total: first.layers[0]!.size },
        { kind: 'layer', id: 'step 4', state: 'done', current: first.layers[1]!.size, total: first.layers[1]!.size },
      ],
    );
    // The 16 MiB step is seen moving before it is done, its bytes only growing.
    const writing = layerEvents.filter((e) => e.id === 'step 4' && e.state === 'transferring').map((e) => e.current);
    assert.ok(writing.length > 1 && writing.every((n, i) => i === 0 || n >= writing[i - 1]!), `step 4 wrote ${writing.join(',')}`);
    const again = await built();
    assert.deepEqual(
      again.events.filter((e) => e.kind === 'layer'),
      [
        { kind: 'layer', id: 'step 2', state: 'exists', current: first.layers[0]!.size, total: first.layers[0]!.size },
        { kind: 'layer', id: 'step 4', state: 'exists', current: first.layers[1]!.size, total: first.layers[1]!.size },
      ],
    );
  });

  it('the same context, Dockerfile and created time give the same image ID', async () => {
    await writeFile(join(context, 'Dockerfile'), 'FROM scratch\nCOPY small.txt /\nCOPY data/ /data/\nCMD ["/x"]\n');
    const created = new Date('2024-01-02T03:04:05Z');
    const first = await buildImage(store, { context, tags: ['same:1'], created });
    const second = await buildImage(store, { context, tags: ['same:2'], created });
    assert.equal(second.id, first.id);
  });
});

describe('reading a file as the image has it', () => {
  it('the top-most layer that holds or deletes it decides; whiteouts and opaque directories count', async () => {
    const { store, cleanup } = await openTempStore();
    try {
      const layers = [
        await makeTar([{ name: 'etc/passwd', content: 'first\n' }, { name: 'etc/group', content: 'g\n' }]),
        await makeTar([{ name: 'etc/.wh.passwd', content: '' }]),
        await makeTar([{ name: 'etc/passwd', content: 'again\n' }]),
        await makeTar([{ name: 'etc/.wh..wh..opq', content: '' }, { name: 'etc/hosts', content: 'h\n' }]),
      ];
      const image = await store.load(await storeLayeredImage(store, layers.map((tar) => ({ tar })), 'files/layers:1'));
      const read = async (upTo: number, path: string): Promise<string | undefined> => (await readImageFile(image.layers.slice(0, upTo), undefined, path))?.toString();
      assert.equal(await read(1, 'etc/passwd'), 'first\n');
      assert.equal(await read(2, 'etc/passwd'), undefined, 'deleted by a whiteout');
      assert.equal(await read(3, 'etc/passwd'), 'again\n');
      assert.equal(await read(3, 'etc/group'), 'g\n', 'from the bottom layer, untouched above');
      assert.equal(await read(4, 'etc/group'), undefined, 'hidden by an opaque directory');
      assert.equal(await read(4, 'etc/hosts'), 'h\n');
      assert.equal(await read(4, 'etc/shadow'), undefined);
    } finally {
      await cleanup();
    }
  });
});
