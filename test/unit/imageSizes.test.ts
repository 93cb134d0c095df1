// Docker's sizes and rows: a layer's size is its tar headers' sizes summed as moby counts them
// (whatever the tar dialect, compression or chunking), measured once per diffID and cached in the
// side file; `images --digests` rows are every tag times every digest of its repository; inspect's
// times are Go's RFC3339Nano of what is stored.

import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { decompressed } from '../../src/core/archive/decompress';
import { withContentSizes } from '../../src/core/image/contentSizes';
import { imageRows } from '../../src/core/image/imageList';
import { rfc3339Nano } from '../../src/core/image/inspectImage';
import { layerContentSize, TarSizeCounter } from '../../src/core/image/layerContentSize';
import type { ImageRecord } from '../../src/core/store/imageStore';
import { run } from '../helpers/cli';
import { gzip, importBuffer, makeTar, openTempStore, tempDir } from '../helpers/fixtures';

const LONG = `${'d'.repeat(60)}/${'n'.repeat(80)}.txt`;

function counted(data: Buffer, piece: number): number {
  const counter = new TarSizeCounter('test layer');
  for (let i = 0; i < data.length; i += piece) counter.write(data.subarray(i, i + piece));
  return counter.finish();
}

describe('layer content size (Docker\'s per-layer SIZE)', () => {
  it('sums the file sizes of every entry, links and folders adding nothing, in any chunking', async () => {
    const tar = await makeTar([
      { name: 'etc/', type: 'directory' },
      { name: 'etc/six', content: 'hello\n' },
      { name: 'etc/big', content: Buffer.alloc(70_000, 1) },
      { name: 'etc/link', type: 'symlink', linkname: 'six' },
      { name: 'etc/hard', type: 'link', linkname: 'etc/six' },
      { name: LONG, content: 'x'.repeat(513) },
    ]);
    for (const piece of [1, 7, 512, 4096, tar.length]) assert.equal(counted(tar, piece), 6 + 70_000 + 513, `pieces of ${piece}`);
  });

  it('reads GNU long names and PAX records as Go does (real tar in both formats), plain or gzip', async () => {
    const dir = await tempDir();
    try {
      const tree = join(dir.path, 'tree');
      await mkdir(join(tree, LONG.split('/')[0]!), { recursive: true });
      await writeFile(join(tree, LONG), 'y'.repeat(1000));
      await writeFile(join(tree, 'small'), 'abc');
      for (const format of ['gnu', 'posix']) {
        const file = join(dir.path, `${format}.tar`);
        const made = await run('tar', [`--format=${format}`, '-C', tree, '-cf', file, '.']);
        assert.equal(made.code, 0, made.stderr);
        assert.equal(await layerContentSize(fileLayer(file, format), format), 1003, format);
        const zipped = join(dir.path, `${format}.tar.gz`);
        await writeFile(zipped, gzip(await readFile(file)));
        assert.equal(await layerContentSize(fileLayer(zipped, format), format), 1003, `${format}, gzip`);
      }
    } finally {
      await dir.cleanup();
    }
  });

  it('refuses what is not a tar, and a tar cut short', async () => {
    assert.throws(() => counted(Buffer.alloc(1024, 7), 1024), /damaged tar header/);
    const tar = await makeTar([{ name: 'a', content: Buffer.alloc(2000, 1) }]);
    assert.throws(() => counted(tar.subarray(0, 1200), 1200), /ends in the middle of an entry/);
  });

  it('knows an imported layer\'s size at once, measures a layer it does not know once, and keeps it by diffID', async () => {
    const { store, cleanup } = await openTempStore();
    try {
      const rootfs = await makeTar([{ name: 'a', content: 'hello\n' }, { name: 'b', content: Buffer.alloc(3000) }]);
      const imported = await importBuffer(store, rootfs, 'sizes/a:1');
      assert.equal(imported.summary.contentSize, 3006, 'counted while importing');
      // As a pull leaves it: nothing known about the layer.
      await store.update((tx) => {
        tx.meta.layerSizes = {};
        for (const slot of Object.values(tx.meta.images)) delete slot.summary?.contentSize;
      });
      const [before] = await store.list();
      assert.equal(before!.summary.contentSize, undefined);
      const [measured] = await withContentSizes(store, [before!]);
      assert.equal(measured!.summary.contentSize, 3006);
      assert.deepEqual(Object.values((await store.readMetadata()).layerSizes), [3006]);
      const [after] = await store.list();
      assert.equal(after!.summary.contentSize, 3006, 'kept in the side file');
      // Another image with the same layer gets its size from the side file.
      const second = await importBuffer(store, rootfs, 'sizes/b:1', { changes: ['CMD ["x"]'] });
      assert.equal(second.summary.contentSize, 3006);
    } finally {
      await cleanup();
    }
  });
});

describe('images --digests rows', () => {
  const record = (refs: string[], repoDigests: string[]): ImageRecord => ({
    manifestDigest: `sha256:${'a'.repeat(64)}`,
    manifestMediaType: 'application/vnd.oci.image.manifest.v1+json',
    manifestSize: 100,
    id: `sha256:${'c'.repeat(64)}`,
    refs,
    repoDigests,
    summary: { configDigest: `sha256:${'c'.repeat(64)}`, architecture: 'amd64', os: 'linux', layerCount: 1, size: 10 },
    taggedAt: {},
  });
  const d1 = `sha256:${'1'.repeat(64)}`;
  const d2 = `sha256:${'2'.repeat(64)}`;
  const d3 = `sha256:${'3'.repeat(64)}`;
  const image = record(['docker.io/library/app:1', 'docker.io/library/app:2'], [`docker.io/library/app@${d1}`, `docker.io/library/app@${d2}`, `docker.io/team/other@${d3}`]);

  it('lists every tag with every repo digest of its repository, then digest-only repositories', () => {
    const rows = imageRows([image], { digests: true }).map((r) => `${r.repository}:${r.tag}@${r.digest}`);
    assert.deepEqual(rows, [`app:1@${d1}`, `app:1@${d2}`, `app:2@${d1}`, `app:2@${d2}`, `team/other:<none>@${d3}`]);
  });

  it('without --digests, one row per tag', () => {
    const rows = imageRows([image]).map((r) => `${r.repository}:${r.tag}`);
    assert.deepEqual(rows, ['app:1', 'app:2', 'team/other:<none>']);
  });
});

describe('inspect times', () => {
  it('print as Go prints a parsed time: stored fraction without trailing zeros, zone kept', () => {
    assert.equal(rfc3339Nano('2026-12-04T12:35:52.232459300Z'), '2026-12-04T12:35:52.2324593Z');
    assert.equal(rfc3339Nano('2026-12-04T12:35:52.232459343Z'), '2026-12-04T12:35:52.232459343Z');
    assert.equal(rfc3339Nano('2026-12-04T12:35:52.000Z'), '2026-12-04T12:35:52Z');
    assert.equal(rfc3339Nano('2026-12-04T12:35:52+00:00'), '2026-12-04T12:35:52Z');
    assert.equal(rfc3339Nano('2026-12-04T14:35:52.5+02:00'), '2026-12-04T14:35:52.5+02:00');
  });
});

/** A tar file on disk read as a layer is. */
function fileLayer(path: string, what: string): { uncompressed: () => AsyncIterable<Uint8Array> } {
  return { uncompressed: () => decompressed(createReadStream(path), what) };
}
