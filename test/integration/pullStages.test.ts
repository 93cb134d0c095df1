// Pull in stages (resolve → verify → fetch → commit) against a real registry: the verify stage is
// handed exactly the digest the registry resolved, and `pull -a` verifies every tag before it
// fetches any, so a tag the check refuses leaves the store as it was even when tags listed
// before it were accepted.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { StevedoreError } from '../../src/core/errors';
import { listTags } from '../../src/core/registry/pagedLists';
import { pullImage, type ResolvedImage } from '../../src/core/registry/pullImage';
import { pushImage } from '../../src/core/registry/pushImage';
import type { PullVerifyStage } from '../../src/core/registry/pullVerify';
import { RegistryClients } from '../../src/core/registry/registryClients';
import { copyImages } from '../../src/core/sources/copyImages';
import { RegistrySource } from '../../src/core/sources/registrySource';
import { StoreSource } from '../../src/core/sources/storeSource';
import { FileImageStore } from '../../src/core/store/fileImageStore';
import { importBuffer, randomRootfs, tempDir } from '../helpers/fixtures';
import { startRegistry, type RunningRegistry } from '../helpers/registry';
import { storeSnapshot } from '../helpers/storeSnapshot';

describe('pull stages', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let registry: RunningRegistry;
  let clients: RegistryClients;
  const pushed: Record<string, string> = {};

  before(async () => {
    dir = await tempDir();
    registry = await startRegistry({});
    clients = new RegistryClients({});
    const source = await FileImageStore.open(join(dir.path, 'source'));
    for (const tag of ['1', '2', '3']) {
      const ref = `${registry.host}/stages/app:${tag}`;
      await importBuffer(source, await randomRootfs(2, 30_000), ref);
      pushed[tag] = (await pushImage(source, clients, { reference: ref })).digest;
    }
  });
  after(async () => {
    await clients?.close();
    await registry?.stop();
    await dir?.cleanup();
  });

  it('the verify stage gets the digest the registry resolved, and the image stored is that digest', async () => {
    const store = await FileImageStore.open(join(dir.path, 'one'));
    const seen: ResolvedImage[] = [];
    const result = await pullImage(store, clients, {
      reference: `${registry.host}/stages/app:2`,
      verify: async (image) => {
        seen.push(image);
        assert.deepEqual((await store.readIndex()).manifests, [], 'nothing is stored before the verify stage answers');
      },
    });
    assert.equal(seen.length, 1);
    assert.equal(seen[0]!.manifestDigest, pushed['2']);
    assert.deepEqual(seen[0]!.reference, { domain: registry.host, path: 'stages/app', tag: '2' });
    assert.equal(result.digest, pushed['2']);
  });

  it('pull -a verifies every tag before fetching any: a refused tag listed last leaves the store unchanged', async () => {
    const root = join(dir.path, 'all');
    await importBuffer(await FileImageStore.open(root), await randomRootfs(1, 1000), 'local/keep:1');
    const store = await FileImageStore.open(root);
    const snapshot = await storeSnapshot(root);
    // Whatever order the registry lists the tags in, the one it lists last is refused, so that
    // every other tag is accepted first.
    const tags = await listTags(clients.for(registry.host), 'stages/app');
    assert.deepEqual([...tags].sort(), ['1', '2', '3']);
    const refused = tags[tags.length - 1]!;
    const verified: string[] = [];
    // pull -a is a copy of every tag from the registry to the store.
    const allTags = (verify?: PullVerifyStage) =>
      copyImages(new RegistrySource(clients, verify ? { verify } : {}), tags.map((tag) => ({ ref: `${registry.host}/stages/app:${tag}`, refs: [`${registry.host}/stages/app:${tag}`] })), new StoreSource(store));
    await assert.rejects(
      allTags(async (image) => {
        verified.push(image.reference.tag!);
        if (image.reference.tag === refused) throw new StevedoreError('SIGNATURE_REJECTED', `${image.reference.tag} refused by the test's policy`);
      }),
      (err: unknown) => err instanceof StevedoreError && err.code === 'SIGNATURE_REJECTED',
    );
    assert.deepEqual(verified, tags, 'each tag was verified once, in the order listed');
    assert.deepEqual(await storeSnapshot(root), snapshot, 'the tags accepted before the refused one were not stored');
    const all = await allTags();
    assert.deepEqual(all.map((r) => r.pulled!.digest).sort(), Object.values(pushed).sort());
  });
});
