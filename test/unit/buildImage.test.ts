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
