// Archives read in place: the tar index (headers only, bodies read by offset) with long names in
// PAX headers, links resolved inside the archive, a later entry replacing an earlier one, and the
// archives it must refuse (compressed, truncated, not a tar, a link out of the archive); and the
// images read from a docker-archive through it, whose layers are checked as they stream.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { StevedoreError } from '../../src/core/errors';
import { tarFiles } from '../../src/core/sources/layoutFiles';
import { dockerArchiveImage } from '../../src/core/sources/layoutImage';
import { makeTar, randomRootfs, tempDir } from '../helpers/fixtures';

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of source) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

describe('archives read in place', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let counter = 0;
  const file = async (bytes: Buffer): Promise<string> => {
    const path = join(dir.path, `a${counter++}.tar`);
    await writeFile(path, bytes);
    return path;
  };

  before(async () => {
    dir = await tempDir('in-place-');
  });
  after(async () => dir.cleanup());

  it('indexes entries by offset: long PAX names, links followed inside the archive, the last entry of a name wins', async () => {
    const long = `${'deep/'.repeat(40)}layer.tar`;
    const body = Buffer.alloc(70_000, 7);
    const path = await file(
      await makeTar([
        { name: long, content: body },
        { name: 'blobs/sha256/x', content: 'first' },
        { name: 'blobs/sha256/x', content: 'second' },
        { name: 'link', type: 'symlink', linkname: 'blobs/sha256/x' },
        { name: 'hard', type: 'link', linkname: long },
        { name: 'dir/', type: 'directory' },
      ]),
    );
    const files = await tarFiles(path, path);
    assert.equal(await files.size(long), body.length);
    assert.ok((await collect(files.read(long))).equals(body));
    assert.equal((await files.readSmall('link', 1024)).toString(), 'second');
    assert.ok((await collect(files.read('./hard'))).equals(body));
    assert.equal(await files.size('dir'), undefined);
    assert.equal(await files.size('nothing'), undefined);
  });

  it('refuses a compressed archive saying what to do, and a truncated one, a non-tar and a link out of the archive', async () => {
    const tar = await makeTar([{ name: 'manifest.json', content: '[]' }, { name: 'big', content: Buffer.alloc(5000, 1) }]);
    const cases: [Buffer, RegExp][] = [
      [gzipSync(tar), /is compressed \(gzip\).*gunzip -k.*stevedore load/],
      [tar.subarray(0, 1024 + 512), /is truncated: it ends in the middle of entry 2/],
      [Buffer.alloc(2048, 0x41), /is not a tar archive/],
      [await makeTar([{ name: 'evil', type: 'symlink', linkname: '../../etc/passwd' }]), /points outside the archive/],
    ];
    for (const [bytes, message] of cases) {
      const path = await file(bytes);
      await assert.rejects(tarFiles(path, path), (err: unknown) => err instanceof StevedoreError && message.test(err.message), String(message));
    }
  });

  it('reads a docker-archive image: a plain layer named by its diffID, a gzip one hashed once, each checked as it streams', async () => {
    const plain = await randomRootfs(2, 4000);
    const packed = await randomRootfs(2, 4000);
    const gz = gzipSync(packed);
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256(plain), sha256(packed)] } }));
    const archive = async (layer2: Buffer, diffIds = [sha256(plain), sha256(packed)]): Promise<string> => {
      const cfg = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: diffIds } }));
      return file(
        await makeTar([
          { name: 'manifest.json', content: JSON.stringify([{ Config: 'config.json', RepoTags: ['app:1'], Layers: ['one/layer.tar', 'two.tar.gz'] }]) },
          { name: 'config.json', content: cfg },
          { name: 'one/layer.tar', content: plain },
          { name: 'two.tar.gz', content: layer2 },
        ]),
      );
    };
    const path = await archive(gz);
    const { image, names } = await dockerArchiveImage(await tarFiles(path, path), {});
    assert.deepEqual(names, ['docker.io/library/app:1']);
    assert.equal(image.manifest.config.digest, sha256(config));
    assert.deepEqual(image.layers.map((l) => l.descriptor.digest), [sha256(plain), sha256(gz)]);
    assert.ok((await collect(image.layers[1]!.compressed())).equals(gz));
    assert.ok((await collect(image.layers[1]!.uncompressed())).equals(packed));

    // A gzip layer whose content is not what the config says is refused when the image is opened.
    const wrong = await archive(gzipSync(await randomRootfs(1, 10)));
    await assert.rejects(dockerArchiveImage(await tarFiles(wrong, wrong), {}), (err: unknown) => err instanceof StevedoreError && err.code === 'DIGEST_MISMATCH');
    // A plain layer whose bytes are not its diffID fails while it streams, before its last chunk.
    const lying = await archive(gz, [sha256(Buffer.from('not the layer')), sha256(packed)]);
    const opened = await dockerArchiveImage(await tarFiles(lying, lying), {});
    await assert.rejects(collect(opened.image.layers[0]!.compressed()), (err: unknown) => err instanceof StevedoreError && err.code === 'DIGEST_MISMATCH');
  });

  it('a manifest.json that is not JSON is an INVALID_ARCHIVE error naming the file, not a SyntaxError', async () => {
    const path = await file(await makeTar([{ name: 'manifest.json', content: '[{"Config": "c.json",' }]));
    await assert.rejects(dockerArchiveImage(await tarFiles(path, path), {}), (err: unknown) => {
      assert.ok(err instanceof StevedoreError, String(err));
      assert.equal(err.code, 'INVALID_ARCHIVE');
      assert.match(err.message, /"manifest\.json" is not valid JSON .*The archive is corrupt\./);
      return true;
    });
  });
});
