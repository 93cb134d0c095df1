// Registry commands and the Registries view inside VS Code, against real distribution registries
// (Debian's docker-registry) started by the suite on loopback: pull (one platform of a
// multi-platform image too), the catalog a page at a time with "Load more…", tags and platforms,
// save to a file, remove, load that file back, push to a second repository, and a registry that
// refuses until Log In….

import * as assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar-stream';
import * as vscode from 'vscode';
import { listTags } from '../../../src/core/registry/pagedLists';
import { pushImage } from '../../../src/core/registry/pushImage';
import { RegistryClients } from '../../../src/core/registry/registryClients';
import { FileImageStore } from '../../../src/core/store/fileImageStore';
import type { StevedoreApi } from '../../../src/extension/extension';
import type { LoadMoreNode, NamespaceNode, RegistriesTreeNode, RegistryMessageNode, RegistryNode, RemotePlatformNode, RemoteTagNode, RepositoryNode } from '../../../src/extension/views/registryNodes';
import { importBuffer, randomRootfs } from '../../helpers/fixtures';
import { startRegistry, type RunningRegistry } from '../../helpers/registry';
import { addMultiPlatformImage } from '../../helpers/registryImages';
import { storeSnapshot } from '../../helpers/storeSnapshot';
import { suite, suiteSetup, suiteTeardown, test } from './harness';
import { familiarTags, imageNamed, run, runFailing, setSetting, stevedoreApi } from './stevedore';

const LONG = { timeoutMs: 600_000 };

suite('registries: pull, save, load, push, browse, log in', () => {
  let api: StevedoreApi;
  let dir: string;
  let registry: RunningRegistry;
  let guarded: RunningRegistry;
  let hub: Server | undefined;
  const creds = { username: 'stevedore', password: 'pa55-w0rd' };
  let host: string;
  let multiPlatforms: Record<string, string>;

  suiteSetup(async () => {
    api = await stevedoreApi();
    dir = await mkdtemp(join(tmpdir(), 'stevedore-registries-'));
    registry = await startRegistry({});
    guarded = await startRegistry({ htpasswd: creds });
    host = registry.host;
    // Images are made in a separate store and pushed with the core, so the extension's store starts empty of them.
    const source = await FileImageStore.open(join(dir, 'source'));
    const clients = new RegistryClients({});
    try {
      for (const tag of ['1.0', '1.1']) {
        await importBuffer(source, await randomRootfs(3, 40_000), `${host}/demo/app:${tag}`);
        await pushImage(source, clients, { reference: `${host}/demo/app:${tag}` });
      }
      multiPlatforms = (await addMultiPlatformImage(source, `${host}/demo/multi:1`)).platforms;
      await pushImage(source, clients, { reference: `${host}/demo/multi:1` });
      for (let i = 0; i < 4; i++) {
        await importBuffer(source, await randomRootfs(1, 100), `${host}/page/r${i}:1`);
        await pushImage(source, clients, { reference: `${host}/page/r${i}:1` });
      }
    } finally {
      await clients.close();
    }
    await setSetting('registries', [{ url: host }, { url: guarded.host }]);
    await setSetting('catalogPageSize', 3);
  });

  suiteTeardown(async () => {
    await setSetting('registries', undefined);
    await setSetting('catalogPageSize', undefined);
    await registry?.stop();
    await guarded?.stop();
    await new Promise<void>((resolve) => (hub ? hub.close(() => resolve()) : resolve()));
    delete process.env.STEVEDORE_SEARCH_ENDPOINT;
    await rm(dir, { recursive: true, force: true });
  });

  test('Pull Image… downloads an image; the store records its repo digest and the view shows it', async () => {
    const value = await run<{ reference: string; digest: string; id: string }>('stevedore.pullImage', { reference: `${host}/demo/app:1.0` });
    assert.equal(value.reference, `${host}/demo/app:1.0`);
    const record = (await (await api.openStore()).list()).find((r) => r.id === value.id);
    assert.ok(record);
    assert.deepEqual(record.repoDigests, [`${host}/demo/app@${value.digest}`]);
    const node = await imageNamed(api, `${host}/demo/app:1.0`);
    const tooltip = (await api.imagesTree.getTreeItem(node)).tooltip;
    // The list ends before Platform: a blank line, or Markdown pulls the lines below into the last bullet.
    assert.match(tooltip instanceof vscode.MarkdownString ? tooltip.value : String(tooltip), new RegExp(`Repo digests:\\n- \`${host.replace(/\./g, '\\.')}/demo/app@${value.digest}\`\\n\\nPlatform: `));
    assert.equal(await run('stevedore.copyDigest', node, [node]), `${host}/demo/app@${value.digest}`);
  }, LONG);

  test('a multi-platform image is pulled for the platform asked for', async () => {
    const value = await run<{ platform: string; id: string }>('stevedore.pullImage', { reference: `${host}/demo/multi:1`, platform: 'linux/arm64' });
    assert.equal(value.platform, 'linux/arm64/v8');
    const record = (await (await api.openStore()).list()).find((r) => r.id === value.id);
    assert.equal(record?.summary.architecture, 'arm64');
    assert.equal(record?.manifestDigest, multiPlatforms['linux/arm64']);
  }, LONG);

  test('a failed pull says why and leaves the store exactly as it was', async () => {
    const before = await storeSnapshot(api.storePath);
    const failure = await runFailing('stevedore.pullImage', { reference: `${host}/demo/app:no-such-tag` });
    assert.equal(failure.code, 'MANIFEST_UNKNOWN');
    assert.match(failure.message, /not found/);
    assert.deepEqual(await storeSnapshot(api.storePath), before);
  }, LONG);

  test('the Registries view lists the catalog a page at a time, then tags and platforms with digests', async () => {
    const tree = api.registriesTree;
    const registryNode = ((await tree.getChildren()) ?? []).find((n): n is RegistryNode => n.kind === 'registry' && n.domain === host);
    assert.ok(registryNode, `${host} is not in the Registries view`);
    // Repositories are grouped by namespace (demo/, page/), a page of the catalog at a time.
    let children = (await tree.getChildren(registryNode)) ?? [];
    assert.deepEqual(children.map(label), ['demo/', 'page/', 'Load more…']);
    for (let pages = 0; children.some((c) => c.kind === 'loadMore'); pages++) {
      assert.ok(pages < 5, 'Load more… never ends');
      await run('stevedore.registries.loadMore', children.find((c): c is LoadMoreNode => c.kind === 'loadMore'));
      children = (await tree.getChildren(registryNode)) ?? [];
    }
    assert.deepEqual(children.map(label), ['demo/', 'page/']);
    const namespaces = children as NamespaceNode[];
    const demo = (await tree.getChildren(namespaces[0]!)) as RepositoryNode[];
    assert.deepEqual(demo.map(label), ['demo/app', 'demo/multi']);
    assert.equal((await tree.getTreeItem(demo[0]!)).label, 'app');
    assert.deepEqual(((await tree.getChildren(namespaces[1]!)) ?? []).map(label), ['page/r0', 'page/r1', 'page/r2', 'page/r3']);
    // The filter narrows the catalog, and shows beside the registry.
    await run('stevedore.registries.filter', registryNode, [registryNode], { text: 'R2' });
    assert.deepEqual(((await tree.getChildren(registryNode)) ?? []).map(label), ['page/']);
    assert.deepEqual(((await tree.getChildren(((await tree.getChildren(registryNode)) ?? [])[0]!)) ?? []).map(label), ['page/r2']);
    assert.match(String((await tree.getTreeItem(registryNode)).description), /filter: R2/);
    await run('stevedore.registries.filter', registryNode, [registryNode], { text: '' });
    children = [...demo, ...(((await tree.getChildren(namespaces[1]!)) ?? []) as RepositoryNode[])];

    const app = children.find((c): c is RepositoryNode => c.kind === 'repository' && c.repository === 'demo/app')!;
    const tags = (await tree.getChildren(app)) ?? [];
    assert.deepEqual(tags.map(label), ['1.1', '1.0']);
    // A tag's tooltip is fetched when first shown: created time, platforms, compressed size.
    const tagItem = await tree.getTreeItem(tags[1]!);
    const resolved = await tree.resolveTreeItem!(tagItem, tags[1]!, new vscode.CancellationTokenSource().token);
    const tip = resolved?.tooltip instanceof vscode.MarkdownString ? resolved.tooltip.value : String(resolved?.tooltip);
    assert.match(tip, /Created: \d{4}-\d\d-\d\dT/);
    assert.match(tip, /Platforms: linux\//);
    assert.match(tip, /Compressed size: \d+(\.\d+)?kB/);
    const single = (await tree.getChildren(tags.find((t) => label(t) === '1.0')!)) as RemotePlatformNode[];
    assert.equal(single.length, 1);
    const pulled = (await (await api.openStore()).list()).find((r) => r.refs.includes(`${host}/demo/app:1.0`))!;
    assert.equal(single[0]!.digest, pulled.manifestDigest);
    assert.match(single[0]!.platform, /^linux\//);

    const multi = children.find((c): c is RepositoryNode => c.kind === 'repository' && c.repository === 'demo/multi')!;
    const multiTag = ((await tree.getChildren(multi)) ?? [])[0] as RemoteTagNode;
    const platforms = (await tree.getChildren(multiTag)) as RemotePlatformNode[];
    assert.deepEqual(platforms.map((p) => [p.platform, p.digest]), [
      ['linux/amd64', multiPlatforms['linux/amd64']],
      ['linux/arm64/v8', multiPlatforms['linux/arm64']],
    ]);
    assert.equal((await tree.getTreeItem(platforms[0]!)).contextValue, 'remotePlatform');
  }, LONG);

  test('Pull from a tag in the Registries view', async () => {
    const tagNode: RemoteTagNode = { kind: 'remoteTag', id: `tag/${host}/demo/app:1.1`, domain: host, repository: 'demo/app', tag: '1.1' };
    await run('stevedore.pullImage', tagNode, [tagNode]);
    assert.ok((await familiarTags(api)).includes(`${host}/demo/app:1.1`));
  }, LONG);

  test('Save Image(s)… writes the selected images into one archive, named from the reference', async () => {
    const a = await imageNamed(api, `${host}/demo/app:1.0`);
    const b = await imageNamed(api, `${host}/demo/app:1.1`);
    const file = join(dir, 'saved.tar');
    const value = await run<{ file: string; bytes: number; images: number }>('stevedore.saveImages', a, [a, b], { file });
    assert.equal(value.file, file);
    assert.equal(value.images, 2);
    assert.equal((await stat(file)).size, value.bytes);
    const manifest = JSON.parse(await tarEntry(file, 'manifest.json')) as { RepoTags: string[] }[];
    assert.deepEqual(manifest.map((m) => m.RepoTags).flat().sort(), [`${host}/demo/app:1.0`, `${host}/demo/app:1.1`]);
    // A copy into the archive: each layer of the two images is a row, written whole, beside the archive's bytes.
    const store = await api.openStore();
    const layers = [...new Set((await Promise.all([a, b].map(async (n) => (await store.load(n.record)).manifest.layers))).flat().map((l) => `${l.digest} ${l.size}`))].sort();
    const shown = api.transfers.view().find((t) => t.title === 'Saving 2 images to saved.tar');
    assert.ok(shown, `no save in the Transfers view; it lists ${api.transfers.view().map((t) => t.title).join(', ')}`);
    assert.equal(shown.state, 'done');
    assert.deepEqual(shown.layers.filter((l) => l.key !== 'saved.tar').map((l) => `${l.key} ${l.current}`).sort(), layers);
    assert.ok(shown.layers.every((l) => l.phase === 'done'), shown.layers.map((l) => `${l.key} ${l.phase}`).join(', '));
  }, LONG);

  test('Remove both, then Load Image Archive… on the file brings them back with the same IDs', async () => {
    const a = await imageNamed(api, `${host}/demo/app:1.0`);
    const b = await imageNamed(api, `${host}/demo/app:1.1`);
    const ids = [a.record.id, b.record.id].sort();
    await run('stevedore.removeImage', a, [a, b], { skipConfirmation: true });
    assert.ok(!(await familiarTags(api)).some((t) => t.startsWith(`${host}/demo/app:`)));
    const uri = vscode.Uri.file(join(dir, 'saved.tar'));
    const value = await run<{ images: string[] }>('stevedore.loadArchive', uri, [uri]);
    assert.deepEqual(value.images.sort(), [`${host}/demo/app:1.0`, `${host}/demo/app:1.1`]);
    const records = (await (await api.openStore()).list()).filter((r) => r.refs.some((ref) => ref.startsWith(`${host}/demo/app:`)));
    assert.deepEqual(records.map((r) => r.id).sort(), ids);
    assert.ok((await familiarTags(api)).includes(`${host}/demo/app:1.1`));
  }, LONG);

  test('dropping the archive onto the Images view loads it', async () => {
    const a = await imageNamed(api, `${host}/demo/app:1.0`);
    const b = await imageNamed(api, `${host}/demo/app:1.1`);
    await run('stevedore.removeImage', a, [a, b], { skipConfirmation: true, force: true });
    assert.ok(!(await familiarTags(api)).some((t) => t.startsWith(`${host}/demo/app:`)));
    // What VS Code hands the view's drag-and-drop controller when a file from the Explorer is dropped.
    const transfer = new vscode.DataTransfer();
    transfer.set('text/uri-list', new vscode.DataTransferItem(`${vscode.Uri.file(join(dir, 'saved.tar')).toString()}\r\n`));
    await api.imagesDrop.handleDrop!(undefined, transfer, new vscode.CancellationTokenSource().token);
    const tags = await familiarTags(api);
    assert.ok(tags.includes(`${host}/demo/app:1.0`) && tags.includes(`${host}/demo/app:1.1`), `the view shows ${tags.join(', ')}`);
  }, LONG);

  test('Push sends a tagged image to a second repository without uploading blobs the registry has', async () => {
    const source = await imageNamed(api, `${host}/demo/app:1.0`);
    await run('stevedore.tagImage', source, [source], { target: `${host}/second/app:copy` });
    const node = await imageNamed(api, `${host}/second/app:copy`);
    const [pushed] = await run<{ reference: string; digest: string; uploaded: number; skipped: number; mounted: number }[]>('stevedore.pushImage', node, [node]);
    assert.equal(pushed!.reference, `${host}/second/app:copy`);
    assert.equal(pushed!.uploaded + pushed!.skipped + pushed!.mounted, 2, 'one layer and a config');
    assert.equal(pushed!.uploaded, 0, 'blobs the registry has in demo/app were uploaded again');
    const clients = new RegistryClients({});
    try {
      assert.deepEqual(await listTags(clients.for(host), 'second/app'), ['copy']);
    } finally {
      await clients.close();
    }
    // No Refresh: the push itself refreshed the registry it went to.
    const registryNode = api.registriesTree.registryNodes().find((n) => n.domain === host)!;
    let children = (await api.registriesTree.getChildren(registryNode)) ?? [];
    while (children.some((c) => c.kind === 'loadMore')) {
      await run('stevedore.registries.loadMore', children.find((c) => c.kind === 'loadMore'));
      children = (await api.registriesTree.getChildren(registryNode)) ?? [];
    }
    assert.ok(children.map(label).includes('second/'), `the pushed repository's namespace is not listed: ${children.map(label).join(', ')}`);
  }, LONG);

  test('a registry that refuses offers to log in; Log In… with a wrong password fails, the right one lists it', async () => {
    const node = api.registriesTree.registryNodes().find((n) => n.domain === guarded.host)!;
    const refused = ((await api.registriesTree.getChildren(node)) ?? []) as RegistryMessageNode[];
    assert.equal(refused.length, 1);
    assert.match(refused[0]!.text, /refused access — Log In…/);
    assert.equal(refused[0]!.command?.command, 'stevedore.registries.login');

    const wrong = await runFailing('stevedore.registries.login', { registry: guarded.host, username: creds.username, password: 'wrong' });
    assert.equal(wrong.code, 'UNAUTHORIZED');
    assert.ok(!wrong.message.includes('wrong'), 'the password appears in the error message');

    const ok = await run<{ registry: string }>('stevedore.registries.login', { ...(refused[0]!.command!.arguments![0] as object), username: creds.username, password: creds.password });
    assert.equal(ok.registry, guarded.host);
    const listed = (await api.registriesTree.getChildren(node)) ?? [];
    assert.deepEqual(listed.map(label), ['No repositories yet']);
    assert.match(String((await api.registriesTree.getTreeItem(node)).contextValue), /\bloggedIn\b/);

    // Pulls from it now work with the stored login: push something there first, with the same login.
    const clients = new RegistryClients({ credentials: async () => creds });
    const store = await FileImageStore.open(join(dir, 'guarded-source'));
    try {
      await importBuffer(store, await randomRootfs(1, 1000), `${guarded.host}/private/app:1`);
      await pushImage(store, clients, { reference: `${guarded.host}/private/app:1` });
    } finally {
      await clients.close();
    }
    // "No repositories yet" was not remembered: the next look (no Refresh) lists what was pushed.
    assert.deepEqual(((await api.registriesTree.getChildren(node)) ?? []).map(label), ['private/']);
    await run('stevedore.pullImage', { reference: `${guarded.host}/private/app:1` });
    assert.ok((await familiarTags(api)).includes(`${guarded.host}/private/app:1`));

    await run('stevedore.registries.logout', node, [node]);
    await run('stevedore.registries.refresh');
    const again = ((await api.registriesTree.getChildren(node)) ?? []) as RegistryMessageNode[];
    assert.match(again[0]!.text, /refused access/);
  }, LONG);

  test('Search Docker Hub… returns the search API\'s results', async () => {
    // Docker Hub cannot be reached from here; a loopback server answers in its exact schema.
    hub = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://hub');
      const results = [
        { name: 'redis', description: 'Redis is an open source key-value store.', star_count: 12000, is_official: true, is_automated: false },
        { name: 'bitnami/redis', description: 'Bitnami Redis', star_count: 95, is_official: false, is_automated: false },
      ].filter((r) => r.name.includes(url.searchParams.get('q') ?? ''));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ query: url.searchParams.get('q'), num_results: results.length, results }));
    });
    await new Promise<void>((resolve) => hub!.listen(0, '127.0.0.1', resolve));
    process.env.STEVEDORE_SEARCH_ENDPOINT = `http://127.0.0.1:${(hub.address() as AddressInfo).port}`;
    const results = await run<{ name: string; is_official: boolean; star_count: number }[]>('stevedore.searchDockerHub', { term: 'redis', pull: false });
    assert.deepEqual(results.map((r) => [r.name, r.is_official, r.star_count]), [['redis', true, 12000], ['bitnami/redis', false, 95]]);
  });

  test('a tag that is not there offers Browse Tags instead of CLI advice; Browse Tags lists versions highest first', async () => {
    const failure = await runFailing('stevedore.pullImage', { reference: `${host}/demo/app:9.9` });
    assert.equal(failure.code, 'MANIFEST_UNKNOWN');
    assert.deepEqual(failure.actions, ['Browse Tags']);
    assert.doesNotMatch(failure.message, /stevedore tags/);
    assert.deepEqual(await run<string[]>('stevedore.browseTags', { repository: `${host}/demo/app`, pick: false }), ['1.1', '1.0']);
  });

  test('Browse Tags opens the repository in the Registries view, selected and expanded to its tags — also one past the first catalog page', async () => {
    const revealed = await run<{ revealed: string }>('stevedore.browseTags', { repository: `${host}/demo/app` });
    assert.deepEqual(revealed, { revealed: `${host}/demo/app` });
    assert.equal(api.registriesView.visible, true, 'the Registries view is not on screen');
    // The selection reaches the extension host from the window a moment after reveal resolves.
    const selection = async (): Promise<string[]> => {
      for (;;) {
        const now = api.registriesView.selection.map((n) => (n.kind === 'repository' ? `${n.domain}/${n.repository}` : n.id));
        if (now.length > 0) return now;
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    assert.deepEqual(await selection(), [`${host}/demo/app`]);
    // page/r3 is not on the catalog's first page (3 per page): it is added to the registry's children and revealed there.
    await run('stevedore.registries.refresh');
    await run('stevedore.browseTags', { repository: `${host}/page/r3` });
    // As above: the harness's timeout is the only limit on waiting for the selection to arrive.
    while (api.registriesView.selection[0]?.id !== `repo/${host}/page/r3`) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(api.registriesView.selection.map((n) => n.id), [`repo/${host}/page/r3`]);
    const registryNode = api.registriesTree.registryNodes().find((n) => n.domain === host)!;
    const top = (await api.registriesTree.getChildren(registryNode)) ?? [];
    assert.ok(top.some((n) => n.id === `repo/${host}/page/r3`), `page/r3 is not among ${top.map((n) => n.id).join(', ')}`);
  });

  test('Browse Tags on a loopback registry the view does not list adds it (no Secure/Insecure question) and reveals the repository there', async () => {
    const extra = await startRegistry({});
    const clients = new RegistryClients({});
    try {
      const source = await FileImageStore.open(join(dir, 'extra-source'));
      await importBuffer(source, await randomRootfs(1, 100), `${extra.host}/elsewhere/app:2.0`);
      await pushImage(source, clients, { reference: `${extra.host}/elsewhere/app:2.0` });
      assert.ok(!api.registriesTree.registryNodes().some((n) => n.domain === extra.host));
      // Before this change it showed a quick pick of the tags, which nothing here answers: the test timed out.
      const revealed = await run<{ revealed: string }>('stevedore.browseTags', { repository: `${extra.host}/elsewhere/app` });
      assert.deepEqual(revealed, { revealed: `${extra.host}/elsewhere/app` });
      const configured = vscode.workspace.getConfiguration('stevedore').get<{ url: string; insecure?: boolean }[]>('registries') ?? [];
      assert.deepEqual(configured.find((r) => r.url === extra.host), { url: extra.host }, 'added as Add Registry adds a loopback registry: not marked insecure');
      assert.ok(api.registriesTree.registryNodes().some((n) => n.domain === extra.host), 'the registry is not in the view');
      // The selection reaches the extension host a moment after reveal resolves; the harness's timeout bounds the wait.
      while (api.registriesView.selection[0]?.id !== `repo/${extra.host}/elsewhere/app`) await new Promise((r) => setTimeout(r, 20));
      const tags = (await api.registriesTree.getChildren(api.registriesView.selection[0]!)) ?? [];
      assert.deepEqual(tags.map((t) => (t.kind === 'remoteTag' ? (t as RemoteTagNode).tag : t.kind)), ['2.0']);
    } finally {
      await setSetting('registries', [{ url: host }, { url: guarded.host }]);
      await clients.close();
      await extra.stop();
    }
  }, LONG);

  test('Docker Hub search follows its setting, and its network error names that setting with an Open Setting button', async () => {
    delete process.env.STEVEDORE_SEARCH_ENDPOINT;
    // A loopback port nobody listens on: bound, then closed.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    await setSetting('dockerHub.searchEndpoint', `http://127.0.0.1:${port}`);
    try {
      const failure = await runFailing('stevedore.searchDockerHub', { term: 'redis', pull: false });
      assert.equal(failure.code, 'NETWORK_ERROR');
      assert.match(failure.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
      assert.match(failure.message, /stevedore\.dockerHub\.searchEndpoint/);
      assert.doesNotMatch(failure.message, /STEVEDORE_SEARCH_ENDPOINT/);
      assert.deepEqual(failure.actions, ['Open Setting']);
    } finally {
      await setSetting('dockerHub.searchEndpoint', undefined);
    }
  });

  test('adding a loopback registry does not ask Secure or Insecure', async () => {
    const added = await run<string>('stevedore.registries.add', { url: '127.0.0.1:5999' });
    assert.equal(added, '127.0.0.1:5999');
    const entry = (vscode.workspace.getConfiguration('stevedore').get<{ url: string; insecure?: boolean }[]>('registries') ?? []).find((r) => r.url === '127.0.0.1:5999');
    assert.deepEqual(entry, { url: '127.0.0.1:5999' });
    await setSetting('registries', [{ url: host }, { url: guarded.host }]);
  });
});


function label(node: RegistriesTreeNode): string {
  switch (node.kind) {
    case 'namespace':
      return `${node.namespace}/`;
    case 'repository':
      return node.repository;
    case 'remoteTag':
      return node.tag;
    case 'remotePlatform':
      return node.platform;
    case 'loadMore':
      return 'Load more…';
    case 'registryMessage':
      return node.text;
    case 'registry':
      return node.label;
  }
}

/** The text of one entry of a tar file. */
async function tarEntry(file: string, name: string): Promise<string> {
  const extract = tar.extract();
  let found: string | undefined;
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => {
        if (header.name === name) chunks.push(c as Buffer);
      });
      stream.on('end', () => {
        if (header.name === name) found = Buffer.concat(chunks).toString('utf8');
        next();
      });
      stream.resume();
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  createReadStream(file).pipe(extract);
  await done;
  assert.ok(found !== undefined, `${name} is not in ${file}`);
  return found;
}
