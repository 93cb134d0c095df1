// The catalog a page at a time and what a remote tag points at, as the Registries view uses them,
// against the real distribution registry (which pages /v2/_catalog with Link headers itself).

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fetchCatalogPage } from '../../src/core/registry/catalogPage';
import { pushImage } from '../../src/core/registry/pushImage';
import { RegistryClients } from '../../src/core/registry/registryClients';
import { describeRemoteTag, remotePlatforms } from '../../src/core/registry/remoteTag';
import { FileImageStore } from '../../src/core/store/fileImageStore';
import { importBuffer, randomRootfs, tempDir } from '../helpers/fixtures';
import { startRegistry, type RunningRegistry } from '../helpers/registry';
import { addMultiPlatformImage } from '../helpers/registryImages';

describe('catalog pages and remote tags', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let registry: RunningRegistry;
  let clients: RegistryClients;
  let platforms: Record<string, string>;
  let indexDigest: string;
  let singleDigest: string;

  before(async () => {
    dir = await tempDir();
    registry = await startRegistry({});
    clients = new RegistryClients({});
    const source = await FileImageStore.open(join(dir.path, 'source'));
    for (let i = 0; i < 5; i++) {
      const record = await importBuffer(source, await randomRootfs(1, 100), `${registry.host}/repo${i}/app:1`);
      await pushImage(source, clients, { reference: `${registry.host}/repo${i}/app:1` });
      if (i === 0) singleDigest = record.manifestDigest;
    }
    const multi = await addMultiPlatformImage(source, `${registry.host}/multi/app:2`);
    platforms = multi.platforms;
    indexDigest = multi.digest;
    await pushImage(source, clients, { reference: `${registry.host}/multi/app:2` });
  });
  after(async () => {
    await clients.close();
    await registry.stop();
    await dir.cleanup();
  });

  it('follows the registry\'s Link header one page at a time until the end', async () => {
    const client = clients.for(registry.host);
    const seen: string[][] = [];
    let page = await fetchCatalogPage(client, { pageSize: 2 });
    seen.push(page.repositories);
    while (page.next) {
      page = await fetchCatalogPage(client, { cursor: page.next });
      seen.push(page.repositories);
    }
    assert.deepEqual(seen, [['multi/app', 'repo0/app'], ['repo1/app', 'repo2/app'], ['repo3/app', 'repo4/app']]);
  });

  it('describes a multi-platform tag by its index entries and a single-platform tag by its config', async () => {
    const client = clients.for(registry.host);
    const multi = await describeRemoteTag(client, 'multi/app', '2');
    assert.equal(multi.multiPlatform, true);
    assert.equal(multi.digest, indexDigest);
    assert.deepEqual(multi.platforms.map((p) => [p.platform, p.digest]), [['linux/amd64', platforms['linux/amd64']], ['linux/arm64/v8', platforms['linux/arm64']]]);
    const single = await describeRemoteTag(client, 'repo0/app', '1');
    assert.equal(single.multiPlatform, false);
    assert.equal(single.digest, singleDigest);
    assert.match(single.platforms[0]!.platform, /^linux\//);
  });

  it('tells with a HEAD whether a tag is multi-platform, and which platforms it offers', async () => {
    const client = clients.for(registry.host);
    assert.equal(await remotePlatforms(client, 'repo0/app', '1'), undefined);
    assert.deepEqual((await remotePlatforms(client, 'multi/app', '2'))?.map((p) => p.platform), ['linux/amd64', 'linux/arm64/v8']);
    await assert.rejects(remotePlatforms(client, 'repo0/app', 'missing'), { code: 'MANIFEST_UNKNOWN' });
  });
});
