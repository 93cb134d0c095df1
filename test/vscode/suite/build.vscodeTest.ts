// Build Image… inside VS Code: a Dockerfile's folder becomes an image in the store with the layers
// and config the Dockerfile asks for; a RUN that fails stops the build and changes nothing.

import * as assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendLayer } from '../../../src/core/archive/appendLayer';
import { pushImage } from '../../../src/core/registry/pushImage';
import { RegistryClients } from '../../../src/core/registry/registryClients';
import { FileImageStore } from '../../../src/core/store/fileImageStore';
import { removeImages } from '../../../src/core/store/removeImages';
import type { StevedoreApi } from '../../../src/extension/extension';
import { importBuffer, randomRootfs } from '../../helpers/fixtures';
import { startRegistry } from '../../helpers/registry';
import { storeSnapshot } from '../../helpers/storeSnapshot';
import { suite, suiteSetup, suiteTeardown, test } from './harness';
import * as vscode from 'vscode';
import { imageNamed, imagesViewNodes, run, runFailing, setSetting, stevedoreApi } from './stevedore';

suite('build an image from a Dockerfile', () => {
  let api: StevedoreApi;
  let dir: string;
  /** Images a test built that may end up without a name (a rebuild takes the name away). */
  const madeIds: string[] = [];

  suiteSetup(async () => {
    api = await stevedoreApi();
    dir = await mkdtemp(join(tmpdir(), 'stevedore-build-'));
  });
  suiteTeardown(async () => {
    // The suites share one store: leave it as this one found it.
    const store = await api.openStore();
    const pulledBases = (await store.list()).flatMap((r) => r.refs).filter((r) => r.endsWith('/build/base:1'));
    await removeImages(store, ['site:dev', 'layered:dev', 'cached:dev', ...pulledBases], { force: true }).catch(() => undefined);
    for (const id of madeIds) await removeImages(store, [id], { force: true }).catch(() => undefined);
    api.imagesTree.refresh();
    await rm(dir, { recursive: true, force: true });
  });

  test('Build Image… stores the image the Dockerfile describes, and the view shows it', async () => {
    const context = join(dir, 'site');
    await mkdir(join(context, 'public'), { recursive: true });
    await writeFile(join(context, 'public', 'index.html'), '<h1>hello</h1>\n');
    await writeFile(join(context, 'Dockerfile'), 'FROM scratch\nCOPY public/ /srv/www/\nENV PORT=8080\nEXPOSE 8080\nCMD ["/serve"]\n');
    const value = await run<{ id: string; reference: string }>('stevedore.buildImage', { dockerfile: join(context, 'Dockerfile'), reference: 'site:dev' });
    assert.equal(value.reference, 'docker.io/library/site:dev');
    const store = await api.openStore();
    const record = (await store.list()).find((r) => r.id === value.id);
    assert.ok(record);
    assert.equal(record.summary.layerCount, 1);
    const image = await store.load(record);
    // As docker build: a stage whose base has no PATH gets the default one first (moby's setDefaultPath).
    assert.deepEqual(image.config.config?.Env, ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'PORT=8080']);
    assert.deepEqual(image.config.config?.Cmd, ['/serve']);
    assert.ok(await imageNamed(api, 'site:dev'));
  });

  test("Build Image… is a transfer in the Transfers view: a row per layer, the base image's pulled layers and each step's written one, all done", async () => {
    const registry = await startRegistry({});
    try {
      // A two-layer base the extension's store does not have, so the build pulls it.
      const source = await FileImageStore.open(join(dir, 'base-source'));
      const base = `${registry.host}/build/base:1`;
      await importBuffer(source, await randomRootfs(2, 30_000), 'base-source:1');
      await mkdir(join(dir, 'extra', 'etc'), { recursive: true });
      await writeFile(join(dir, 'extra', 'etc', 'extra.conf'), 'extra\n');
      await appendLayer(source, { base: 'base-source:1', source: { kind: 'folder', path: join(dir, 'extra') }, reference: base });
      const clients = new RegistryClients({});
      try {
        await pushImage(source, clients, { reference: base });
      } finally {
        await clients.close();
      }

      const context = join(dir, 'layered');
      await mkdir(context);
      await writeFile(join(context, 'a.txt'), 'a'.repeat(20_000));
      await writeFile(join(context, 'b.txt'), 'b'.repeat(30_000));
      // Steps 2 and 4 write layers; the ENV between them writes none.
      await writeFile(join(context, 'Dockerfile'), `FROM ${base}\nCOPY a.txt /a.txt\nENV X=1\nCOPY b.txt /b.txt\n`);
      const value = await run<{ id: string }>('stevedore.buildImage', { dockerfile: join(context, 'Dockerfile'), reference: 'layered:dev' });
      // The base's layers as the pull stored them (the push compressed them on the way), then the build's own.
      const store = await api.openStore();
      const baseLayers = (await store.load(await store.find(base))).manifest.layers.map((l) => l.digest);
      assert.equal(baseLayers.length, 2);
      const stepLayers = (await store.load(await store.find(value.id))).manifest.layers.slice(2);

      const shown = api.transfers.view().find((t) => t.title === 'Building layered:dev');
      assert.ok(shown, `no build in the Transfers view; it lists ${api.transfers.view().map((t) => t.title).join(', ')}`);
      assert.equal(shown.state, 'done');
      assert.deepEqual(
        shown.layers.map((l) => [l.key, l.phase, l.status]),
        [...baseLayers.map((d) => [d, 'done', 'Pull complete']), ['step 2', 'done', 'Written'], ['step 4', 'done', 'Written']],
      );
      // Each step's row ends at the size of the layer it wrote.
      assert.deepEqual(
        shown.layers.slice(2).map((l) => [l.current, l.total]),
        stepLayers.map((l) => [l.size, l.size]),
      );
    } finally {
      await registry.stop();
    }
  }, { timeoutMs: 600_000 });

  test('a RUN that fails stops the build with the command and its status, and the store is unchanged', async () => {
    const context = join(dir, 'needs-run');
    await mkdir(context);
    await writeFile(join(context, 'Dockerfile'), 'FROM scratch\nRUN make\n');
    const before = await storeSnapshot(api.storePath);
    const failure = await runFailing('stevedore.buildImage', { dockerfile: join(context, 'Dockerfile'), reference: 'never:1' });
    // An empty image has no /bin/sh: the runtime cannot start the command.
    assert.equal(failure.code, 'BUILD_STEP_FAILED');
    assert.match(failure.message, /The command '\/bin\/sh -c make' returned a non-zero code: 1 \(Dockerfile line 2\)/);
    assert.deepEqual(await storeSnapshot(api.storePath), before);
  });

  test('Prune Build Cache removes the entries builds remembered; the next build runs its steps again', async () => {
    const context = join(dir, 'cached');
    await mkdir(context);
    await writeFile(join(context, 'note.txt'), 'cached\n');
    await writeFile(join(context, 'Dockerfile'), 'FROM scratch\nCOPY note.txt /\n');
    const cache = join(api.storePath, 'stevedore', 'cache', 'build');
    // Other tests of this suite (and other suites: they share one store) built before this one.
    const before = await readdir(cache).catch(() => [] as string[]);
    const first = await run<{ id: string }>('stevedore.buildImage', { dockerfile: join(context, 'Dockerfile'), reference: 'cached:dev' });
    madeIds.push(first.id);
    const entries = await readdir(cache);
    const mine = entries.filter((e) => !before.includes(e));
    assert.ok(mine.length > 0, 'the build remembered its step');
    const pruned = await run<{ deleted: number }>('stevedore.pruneBuildCache', { skipConfirmation: true, all: true });
    assert.equal(pruned.deleted, entries.length);
    assert.deepEqual(await readdir(cache), []);
    // The image keeps its layer; building again remembers this build's step anew (and, its step run
    // again, gives a new image that takes the name, as docker build does after a prune).
    await run('stevedore.buildImage', { dockerfile: join(context, 'Dockerfile'), reference: 'cached:dev' });
    assert.deepEqual((await readdir(cache)).sort(), [...mine].sort());
    assert.ok(await imageNamed(api, 'cached:dev'));
  });
  test('an untagged build is revealed: dangling images are shown and the new image is in the view', async () => {
    await setSetting('images.showDangling', undefined);
    const context = join(dir, 'untagged');
    await mkdir(context);
    await writeFile(join(context, 'note.txt'), `untagged ${Date.now()}\n`);
    await writeFile(join(context, 'Dockerfile'), 'FROM scratch\nCOPY note.txt /\n');
    const value = await run<{ id: string; reference?: string; revealed: boolean }>('stevedore.buildImage', { dockerfile: join(context, 'Dockerfile') });
    madeIds.push(value.id);
    assert.equal(value.reference, undefined);
    assert.equal(value.revealed, true);
    assert.equal(vscode.workspace.getConfiguration('stevedore').get('images.showDangling'), true);
    const { images } = await imagesViewNodes(api);
    assert.ok(images.some((n) => n.dangling && n.record.id === value.id), 'the untagged image is not in the view');
    await setSetting('images.showDangling', undefined);
  });
});
