// Build Image… inside VS Code: a Dockerfile's folder becomes an image in the store with the layers
// and config the Dockerfile asks for; a RUN that fails stops the build and changes nothing.

import * as assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeImages } from '../../../src/core/store/removeImages';
import type { StevedoreApi } from '../../../src/extension/extension';
import { storeSnapshot } from '../../helpers/storeSnapshot';
import { suite, suiteSetup, suiteTeardown, test } from './harness';
import { imageNamed, run, runFailing, stevedoreApi } from './stevedore';

suite('build an image from a Dockerfile', () => {
  let api: StevedoreApi;
  let dir: string;

  suiteSetup(async () => {
    api = await stevedoreApi();
    dir = await mkdtemp(join(tmpdir(), 'stevedore-build-'));
  });
  suiteTeardown(async () => {
    // The suites share one store: leave it as this one found it.
    await removeImages(await api.openStore(), ['site:dev'], { force: true }).catch(() => undefined);
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
});
