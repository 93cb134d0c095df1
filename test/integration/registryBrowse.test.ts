// Browsing registries: tags and the catalog across many pages (the real registry pages its
// catalog itself; tags are paged by a proxy, since distribution 2.8 ignores `n` there), Docker
// Hub's search API answered in its exact schema by a loopback server, and a private registry's
// catalog searched by term.

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { putManifest } from '../../src/core/registry/manifests';
import { listRepositories, listTags } from '../../src/core/registry/pagedLists';
import { pushImage } from '../../src/core/registry/pushImage';
import { RegistryClients } from '../../src/core/registry/registryClients';
import { FileImageStore } from '../../src/core/store/fileImageStore';
import { runCli } from '../helpers/cli';
import { startFaultProxy, type FaultProxy } from '../helpers/faultProxy';
import { importBuffer, randomRootfs, tempDir } from '../helpers/fixtures';
import { startRegistry, type RunningRegistry } from '../helpers/registry';

const HUB_RESULTS = [
  { star_count: 12000, is_official: true, name: 'redis', is_automated: false, description: 'Redis is the world’s fastest data platform for caching, vector search, and NoSQL databases.' },
  { star_count: 95, is_official: false, name: 'bitnami/redis', is_automated: true, description: 'Bitnami container image\nfor Redis' },
  { star_count: 3, is_official: false, name: 'someone/redis-tools', is_automated: false, description: '' },
];

describe('tags, catalog and search', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let registry: RunningRegistry;
  let proxy: FaultProxy;
  let clients: RegistryClients;
  let hub: Server;
  let hubUrl: string;
  const hubQueries: string[] = [];

  before(async () => {
    dir = await tempDir();
    registry = await startRegistry({});
    proxy = await startFaultProxy(registry.url);
    proxy.pageTags = true;
    clients = new RegistryClients({});
    const source = await FileImageStore.open(join(dir.path, 'source'));
    const record = await importBuffer(source, await randomRootfs(1, 500), `${registry.host}/many/tags:base`);
    await pushImage(source, clients, { reference: `${registry.host}/many/tags:base` });
    const manifest = await source.blobs.readSmall(record.manifestDigest);
    const client = clients.for(registry.host);
    for (let i = 0; i < 200; i++) await putManifest(client, 'many/tags', `t${String(i).padStart(3, '0')}`, manifest, record.manifestMediaType);
    for (let i = 0; i < 49; i++) {
      await importBuffer(source, await randomRootfs(1, 100), `${registry.host}/repo${String(i).padStart(2, '0')}/app:1`);
      await pushImage(source, clients, { reference: `${registry.host}/repo${String(i).padStart(2, '0')}/app:1` });
    }
    hub = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://hub');
      hubQueries.push(url.search);
      if (url.pathname !== '/v1/search') return void res.writeHead(404).end();
      const q = url.searchParams.get('q') ?? '';
      const n = Number(url.searchParams.get('n') ?? 25);
      const results = HUB_RESULTS.filter((r) => r.name.includes(q)).slice(0, n);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ num_pages: 1, num_results: results.length, page_size: n, page: 1, query: q, results }));
    });
    await new Promise<void>((resolve) => hub.listen(0, '127.0.0.1', resolve));
    const address = hub.address();
    hubUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });
  after(async () => {
    await clients.close();
    await proxy.stop();
    await registry.stop();
    await new Promise((resolve) => hub.close(resolve));
    await dir.cleanup();
  });

  it('lists all 201 tags of a repository in pages of 7, following Link headers', async () => {
    const tags = await listTags(clients.for(proxy.host), 'many/tags', { pageSize: 7 });
    assert.equal(tags.length, 201);
    assert.equal(new Set(tags).size, 201);
    const pages = proxy.requests.filter((r) => r.path.startsWith('/v2/many/tags/tags/list'));
    assert.equal(pages.length, Math.ceil(201 / 7));
    assert.match(pages[1]!.path, /[?&]last=/);
  });

  it('`stevedore tags` prints every tag, one per line', async () => {
    const out = await runCli(join(dir.path, 'cli'), ['tags', '--page-size', '50', `${proxy.host}/many/tags`]);
    assert.equal(out.code, 0, out.stderr);
    const lines = out.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 201);
    assert.ok(lines.includes('base') && lines.includes('t199'));
  });

  it('lists all 50 repositories of the catalog in pages of 6 (the registry pages it itself)', async () => {
    const repos = await listRepositories(clients.for(registry.host), { pageSize: 6 });
    assert.equal(repos.length, 50);
    assert.ok(repos.includes('many/tags') && repos.includes('repo48/app'));
  });

  it('searches a private registry\'s catalog by term', async () => {
    const out = await runCli(join(dir.path, 'cli'), ['search', '--format', '{{.Name}}', `${registry.host}/repo1`]);
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual(out.stdout.trim().split('\n'), Array.from({ length: 10 }, (_, i) => `${registry.host}/repo1${i}/app`));
    const limited = await runCli(join(dir.path, 'cli'), ['search', '--limit', '3', '--format', '{{.Name}}', '--registry', registry.host, 'app']);
    assert.equal(limited.stdout.trim().split('\n').length, 3);
  });

  it('searches Docker Hub\'s API and prints Docker\'s table, truncating descriptions', async () => {
    const env = { STEVEDORE_SEARCH_ENDPOINT: hubUrl };
    const out = await runCli(join(dir.path, 'cli'), ['search', 'redis'], { env });
    assert.equal(out.code, 0, out.stderr);
    assert.equal(hubQueries.at(-1), '?q=redis&n=25');
    const lines = out.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^NAME\s+DESCRIPTION\s+STARS\s+OFFICIAL$/);
    assert.match(lines[1]!, /^redis\s+Redis is the world’s fastest data platform f…\s+12000\s+\[OK\]$/);
    assert.match(lines[2]!, /^bitnami\/redis\s+Bitnami container image for Redis\s+95\s*$/);
    assert.equal(lines.length, 4);
    const noTrunc = await runCli(join(dir.path, 'cli'), ['search', '--no-trunc', '--format', '{{.Description}}', 'redis'], { env });
    assert.equal(noTrunc.stdout.split('\n')[0], HUB_RESULTS[0]!.description);
  });

  it('applies --filter and --limit as the Docker daemon does, and --format json', async () => {
    const env = { STEVEDORE_SEARCH_ENDPOINT: hubUrl };
    const official = await runCli(join(dir.path, 'cli'), ['search', '--filter', 'is-official=true', '--format', '{{.Name}}', 'redis'], { env });
    assert.equal(official.stdout, 'redis\n');
    const stars = await runCli(join(dir.path, 'cli'), ['search', '-f', 'stars=50', '--format', '{{.Name}} {{.StarCount}}', 'redis'], { env });
    assert.equal(stars.stdout, 'redis 12000\nbitnami/redis 95\n');
    const automated = await runCli(join(dir.path, 'cli'), ['search', '-f', 'is-automated=true', 'redis'], { env });
    assert.equal(automated.stdout, 'NAME      DESCRIPTION   STARS     OFFICIAL\n');
    const json = await runCli(join(dir.path, 'cli'), ['search', '--limit', '2', '--format', 'json', 'redis'], { env });
    assert.equal(hubQueries.at(-1), '?q=redis&n=2');
    const first = JSON.parse(json.stdout.split('\n')[0]!) as Record<string, string>;
    assert.deepEqual(Object.keys(first), ['Description', 'IsOfficial', 'Name', 'StarCount']);
    assert.equal(first.IsOfficial, 'true');
    const badLimit = await runCli(join(dir.path, 'cli'), ['search', '--limit', '101', 'redis'], { env });
    assert.equal(badLimit.code, 1);
    assert.match(badLimit.stderr, /limit 101 is outside the range of \[1, 100\]/);
    const badFilter = await runCli(join(dir.path, 'cli'), ['search', '-f', 'stars=many', 'redis'], { env });
    assert.match(badFilter.stderr, /invalid filter 'stars=many'/);
  });
});
