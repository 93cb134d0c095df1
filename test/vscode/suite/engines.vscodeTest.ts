// The Engines view beside the store, against a real engine: a private dockerd (vfs) started by the
// suite. The view lists what the engine has; dragging an engine image onto the Images view copies
// it into the store with the same image ID, and dropping a store image onto Docker copies it there;
// an engine that is not running shows why and a way to try again.

import * as assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { StevedoreApi } from '../../../src/extension/extension';
import type { EngineMessageNode, EnginesTreeNode } from '../../../src/extension/views/engineNodes';
import { ENGINES_TREE_MIME, IMAGES_TREE_MIME } from '../../../src/extension/views/imagesDragAndDrop';
import { busyboxRootfs } from '../../helpers/busybox';
import { startDockerd, type Dockerd } from '../../helpers/dockerd';
import { suite, suiteSetup, suiteTeardown, test } from './harness';
import { imageNamed, run, setSetting, stevedoreApi, untilImagesView } from './stevedore';

const LONG = { timeoutMs: 600_000 };

suite('engines view: Docker beside the store', () => {
  let api: StevedoreApi;
  let dir: string;
  let docker: Dockerd;
  let dockerImageId: string;

  suiteSetup(async () => {
    api = await stevedoreApi();
    dir = await mkdtemp(join(tmpdir(), 'stevedore-engines-'));
    docker = await startDockerd();
    const rootfs = join(dir, 'rootfs.tar');
    await writeFile(rootfs, await busyboxRootfs());
    const imported = await docker.docker(['import', '-c', 'CMD ["/bin/sh"]', rootfs, 'enginetest/from-docker:1']);
    assert.equal(imported.code, 0, imported.stderr);
    dockerImageId = imported.stdout.trim();
    await setSetting('engines.show', ['docker', 'podman']);
    await setSetting('engines.dockerHost', docker.host);
    // Podman's service is not started here: its row must say so.
    await setSetting('engines.podmanHost', `unix://${join(dir, 'no-podman.sock')}`);
  });

  suiteTeardown(async () => {
    await setSetting('engines.show', undefined);
    await setSetting('engines.dockerHost', undefined);
    await setSetting('engines.podmanHost', undefined);
    // The suites share one store: leave it as it was found.
    for (const name of ['enginetest/from-docker:1', 'enginetest/from-store:1']) {
      const node = await imageNamed(api, name).catch(() => undefined);
      if (node) await run('stevedore.removeImage', node, [node], { force: true, skipConfirmation: true });
    }
    await docker?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('the view shows Docker with the engine\'s images, and Podman not running with a Retry', async () => {
    api.enginesTree.refresh();
    const roots = api.enginesTree.roots();
    assert.deepEqual(roots.map((r) => r.engine), ['docker', 'podman']);
    const images = await api.enginesTree.imageNodes('docker');
    assert.deepEqual(images.map((n) => `${n.tag} ${n.image.Id}`), [`enginetest/from-docker:1 ${dockerImageId}`]);
    const podmanRows = (await api.enginesTree.getChildren(roots[1])) ?? [];
    const message = podmanRows[0] as EngineMessageNode;
    assert.equal(message.kind, 'engineMessage');
    assert.match(message.message, /there is no socket at .*no-podman\.sock.*podman\.socket/);
    const item = await api.enginesTree.getTreeItem(message);
    assert.equal(item.command?.command, 'stevedore.refreshEngines');
  }, LONG);

  test('dragging a Docker image onto the Images view copies it into the store with its image ID', async () => {
    const [node] = await api.enginesTree.imageNodes('docker');
    assert.ok(node);
    const transfer = new vscode.DataTransfer();
    api.enginesDrop.handleDrag!([node], transfer, new vscode.CancellationTokenSource().token);
    assert.ok(transfer.get(ENGINES_TREE_MIME), 'the drag carries the engine images');
    await api.imagesDrop.handleDrop!(undefined, transfer, new vscode.CancellationTokenSource().token);
    await untilImagesView(api, (tags) => tags.includes('enginetest/from-docker:1'));
    const stored = await imageNamed(api, 'enginetest/from-docker:1');
    assert.equal(stored.record.id, dockerImageId);
  }, LONG);

  test('dropping a store image onto Docker copies it there; a second copy only names it', async () => {
    const fromDocker = await imageNamed(api, 'enginetest/from-docker:1');
    await run('stevedore.tagImage', fromDocker, [fromDocker], { target: 'enginetest/from-store:1' });
    const storeNode = await imageNamed(api, 'enginetest/from-store:1');
    const transfer = new vscode.DataTransfer();
    transfer.set(IMAGES_TREE_MIME, new vscode.DataTransferItem([storeNode]));
    const dockerRoot = api.enginesTree.roots().find((r) => r.engine === 'docker') as EnginesTreeNode;
    await api.enginesDrop.handleDrop!(dockerRoot, transfer, new vscode.CancellationTokenSource().token);
    const listed = await docker.docker(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}']);
    assert.match(listed.stdout, new RegExp(`enginetest/from-store:1 ${dockerImageId.slice(7, 19)}`));
    const names = (await api.enginesTree.imageNodes('docker')).map((n) => n.tag).sort();
    assert.deepEqual(names, ['enginetest/from-docker:1', 'enginetest/from-store:1']);

    const again = await run<{ alreadyPresent: boolean; bytes: number }[]>('stevedore.copyToDocker', storeNode, [storeNode]);
    assert.deepEqual(again.map((r) => [r.alreadyPresent, r.bytes]), [[true, 0]]);
  }, LONG);
  test('Inspect Layers on a Docker image opens the inspector on its export, read once into the engine-image cache', async () => {
    const [node] = await api.enginesTree.imageNodes('docker');
    assert.ok(node);
    const outcome = await run<{ ok: boolean; value?: { manifestDigest: string; imageId: string } }>('stevedore.inspectEngineImage', node, [node]);
    assert.ok(outcome.ok && outcome.value, 'the inspector opened');
    assert.equal(outcome.value.imageId, dockerImageId);
    assert.ok(api.inspector.isOpen(outcome.value.manifestDigest));
    const again = await run<{ ok: boolean; value?: { reused: boolean } }>('stevedore.inspectEngineImage', node, [node]);
    assert.equal(again.value?.reused, true);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  }, LONG);
});
