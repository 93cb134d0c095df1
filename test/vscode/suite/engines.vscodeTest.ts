// The engines in the Images view, against real engines: a private dockerd (vfs) and Podman's API
// service, both started by the suite. The view has one row per source; Docker's lists what
// `docker images` lists; dragging an image from one source's row onto another's copies it; an
// engine that is not running says why, and its Retry works once it runs; hidden sources are not
// shown; Tag, Remove, Save and Push work on an engine's images through the engine.

import * as assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { loadArchive } from '../../../src/core/archive/loadArchive';
import { engineCachePath } from '../../../src/core/engine/engineCachePath';
import { FileImageStore } from '../../../src/core/store/fileImageStore';
import type { StevedoreApi } from '../../../src/extension/extension';
import type { CommandOutcome } from '../../../src/extension/registerCommands';
import type { EngineSource } from '../../../src/extension/engines/imageSources';
import type { EngineChildNode, EngineImageNode } from '../../../src/extension/views/engineNodes';
import { IMAGES_TREE_MIME } from '../../../src/extension/views/imagesDragAndDrop';
import type { ImagesViewNode } from '../../../src/extension/views/imagesTreeProvider';
import type { SourceNode } from '../../../src/extension/views/sourceNodes';
import { busyboxRootfs } from '../../helpers/busybox';
import { importBuffer, randomRootfs } from '../../helpers/fixtures';
import { storeSnapshot } from '../../helpers/storeSnapshot';
import { startDockerd, type Dockerd } from '../../helpers/dockerd';
import { podmanServiceDir, startPodmanService, type PodmanService } from '../../helpers/podmanService';
import { startRegistry, type RunningRegistry } from '../../helpers/registry';
import { suite, suiteSetup, suiteTeardown, test } from './harness';
import { EXTENSION_ID, imageNamed, run, setSetting, stevedoreApi, untilImagesView } from './stevedore';

const LONG = { timeoutMs: 600_000 };
const token = (): vscode.CancellationToken => new vscode.CancellationTokenSource().token;

/**
 * The commands the Images view's context menu offers on an item with this contextValue, from the
 * extension's package.json: each `viewItem =~ /…/` of an entry's `when` must match (the view's other
 * clauses, such as `view == stevedore.images`, are VS Code's to check and hold for this view).
 */
function itemMenu(contextValue: string): string[] {
  const manifest = vscode.extensions.getExtension(EXTENSION_ID)?.packageJSON as { contributes: { menus: Record<string, { command: string; when?: string }[]> } };
  return manifest.contributes.menus['view/item/context']!
    .filter((entry) => entry.when?.includes('view == stevedore.images'))
    .filter((entry) => [...(entry.when ?? '').matchAll(/viewItem =~ \/((?:[^/\\]|\\.)+)\//g)].every((m) => new RegExp(m[1]!).test(contextValue)))
    .map((entry) => entry.command);
}

suite('engines in the Images view: Docker and Podman beside the store', () => {
  let api: StevedoreApi;
  let dir: string;
  let docker: Dockerd;
  let podmanDir: string;
  let podman: PodmanService | undefined;
  let registry: RunningRegistry;
  let dockerImageId: string;

  /** The view's top-level rows. */
  async function roots(): Promise<ImagesViewNode[]> {
    return (await api.imagesTree.getChildren()) ?? [];
  }

  async function sourceRow(id: string): Promise<SourceNode> {
    const row = (await roots()).find((r): r is SourceNode => r.kind === 'source' && r.source.id === id);
    assert.ok(row, `no row for the source ${id}`);
    return row;
  }

  async function engineRows(id: string): Promise<EngineChildNode[]> {
    return (await api.imagesTree.getChildren(await sourceRow(id))) as EngineChildNode[];
  }

  async function engineImages(id: string): Promise<EngineImageNode[]> {
    return (await engineRows(id)).filter((n): n is EngineImageNode => n.kind === 'engineImage');
  }

  async function dockerImage(tag: string): Promise<EngineImageNode> {
    const node = (await engineImages('docker')).find((n) => n.tag === tag);
    assert.ok(node, `Docker's row does not list ${tag}`);
    return node;
  }

  /** What `docker images` prints, one "REPOSITORY:TAG ID" line per row, sorted. */
  async function dockerImagesLines(): Promise<string[]> {
    const listed = await docker.docker(['images', '--no-trunc', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}']);
    assert.equal(listed.code, 0, listed.stderr);
    return listed.stdout.split('\n').filter(Boolean).sort();
  }

  /** Every image Docker has, untagged ones and intermediate layers too: "REPOSITORY:TAG ID" lines, sorted. */
  async function dockerImagesAll(): Promise<string[]> {
    const listed = await docker.docker(['images', '-a', '--no-trunc', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}']);
    assert.equal(listed.code, 0, listed.stderr);
    return listed.stdout.split('\n').filter(Boolean).sort();
  }

  suiteSetup(async () => {
    api = await stevedoreApi();
    dir = await mkdtemp(join(tmpdir(), 'stevedore-engines-'));
    docker = await startDockerd();
    registry = await startRegistry({});
    const rootfs = join(dir, 'rootfs.tar');
    await writeFile(rootfs, await busyboxRootfs());
    const imported = await docker.docker(['import', '-c', 'CMD ["/bin/sh"]', rootfs, 'enginetest/from-docker:1']);
    assert.equal(imported.code, 0, imported.stderr);
    dockerImageId = imported.stdout.trim();
    // A second name, and an untagged image: rows `docker images` shows too.
    assert.equal((await docker.docker(['tag', 'enginetest/from-docker:1', 'enginetest/from-docker:latest'])).code, 0);
    const untagged = await docker.docker(['import', '-c', 'CMD ["/bin/true"]', rootfs]);
    assert.equal(untagged.code, 0, untagged.stderr);
    await setSetting('sources.hidden', undefined);
    await setSetting('engines.dockerHost', docker.host);
    // Podman's service is started only by the Retry test: until then its row must say why not.
    podmanDir = await podmanServiceDir();
    await setSetting('engines.podmanHost', `unix://${join(podmanDir, 'podman.sock')}`);
  });

  suiteTeardown(async () => {
    await setSetting('sources.hidden', undefined);
    await setSetting('engines.endpoints', undefined);
    await setSetting('engines.dockerHost', undefined);
    await setSetting('engines.podmanHost', undefined);
    // The suites share one store: leave it as it was found.
    for (const name of ['enginetest/from-docker:1', 'enginetest/from-store:1', 'enginetest/via-second:1', 'enginetest/big:1']) {
      const node = await imageNamed(api, name).catch(() => undefined);
      if (node) await run('stevedore.removeImage', node, [node], { force: true, skipConfirmation: true });
    }
    await podman?.stop();
    await rm(podmanDir, { recursive: true, force: true });
    await docker?.stop();
    await registry?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('the view has a row per source; Docker\'s row lists what `docker images` lists, and says where Docker is', async () => {
    api.imagesTree.refreshEngine();
    assert.deepEqual((await roots()).map((r) => r.id), ['source:store', 'source:docker', 'source:podman']);
    const rows = (await engineImages('docker')).map((n) => `${n.tag ?? '<none>:<none>'} ${n.image.Id}`).sort();
    assert.deepEqual(rows, await dockerImagesLines());
    assert.ok(rows.includes(`enginetest/from-docker:1 ${dockerImageId}`));
    const item = await api.imagesTree.getTreeItem(await sourceRow('docker'));
    assert.equal(item.label, 'Docker');
    assert.equal(item.description, docker.host);
    assert.equal((await api.imagesTree.getTreeItem(await sourceRow('store'))).label, 'Stevedore store');
  }, LONG);

  test('Podman not running: its row says why and offers Retry, which lists it once it runs', async () => {
    const [why, retry] = await engineRows('podman');
    assert.ok(why?.kind === 'engineMessage' && retry);
    assert.match(why.message, /there is no socket at .*podman\.sock.*podman\.socket/);
    assert.equal(retry?.kind === 'engineMessage' && retry.retry, true);
    const item = await api.imagesTree.getTreeItem(retry);
    assert.equal(item.label, 'Retry');
    assert.ok(item.command);

    podman = await startPodmanService({ dir: podmanDir });
    await vscode.commands.executeCommand(item.command.command, ...(item.command.arguments ?? []));
    const after = await engineRows('podman');
    assert.deepEqual(after.map((n) => (n.kind === 'engineMessage' ? n.message : n.name)), ['No images in Podman.']);
    assert.equal((await api.imagesTree.getTreeItem(await sourceRow('podman'))).description, podman.host);
  }, LONG);

  test('dragging a Docker image onto the store\'s row copies it into the store with its image ID', async () => {
    const node = await dockerImage('enginetest/from-docker:1');
    // The DataTransfer the view's controller fills when the drag starts is the one the drop gets.
    const transfer = new vscode.DataTransfer();
    await api.imagesDrop.handleDrag!([node], transfer, token());
    assert.deepEqual(transfer.get(IMAGES_TREE_MIME)?.value, [node]);
    await api.imagesDrop.handleDrop!(await sourceRow('store'), transfer, token());
    await untilImagesView(api, (tags) => tags.includes('enginetest/from-docker:1'));
    const stored = await imageNamed(api, 'enginetest/from-docker:1');
    assert.equal(stored.record.id, dockerImageId);
  }, LONG);

  test('dropping a store image onto Docker\'s row copies it there; onto Podman\'s too; a second copy only names it', async () => {
    const fromDocker = await imageNamed(api, 'enginetest/from-docker:1');
    await run('stevedore.tagImage', fromDocker, [fromDocker], { target: 'enginetest/from-store:1' });
    const storeNode = await imageNamed(api, 'enginetest/from-store:1');
    const transfer = new vscode.DataTransfer();
    await api.imagesDrop.handleDrag!([storeNode], transfer, token());
    await api.imagesDrop.handleDrop!(await sourceRow('docker'), transfer, token());
    assert.ok((await dockerImagesLines()).includes(`enginetest/from-store:1 ${dockerImageId}`));
    assert.ok((await engineImages('docker')).some((n) => n.tag === 'enginetest/from-store:1'), 'the Docker row was not listed again');

    await api.imagesDrop.handleDrop!(await sourceRow('podman'), transfer, token());
    const inPodman = await engineImages('podman');
    assert.ok(inPodman.some((n) => n.tag === 'enginetest/from-store:1' && n.image.Id === dockerImageId), `Podman lists ${inPodman.map((n) => `${n.tag} ${n.image.Id}`).join(', ') || 'nothing'}`);

    const again = await run<{ alreadyPresent: boolean; bytes: number }[]>('stevedore.copyToDocker', storeNode, [storeNode]);
    assert.deepEqual(again.map((r) => [r.alreadyPresent, r.bytes]), [[true, 0]]);
  }, LONG);

  test('Tag, Save, Push and Remove on a Docker image work through Docker', async () => {
    const node = await dockerImage('enginetest/from-docker:1');
    await run('stevedore.tagImage', node, [node], { target: 'enginetest/tagged:2' });
    assert.ok((await dockerImagesLines()).includes(`enginetest/tagged:2 ${dockerImageId}`));

    const file = join(dir, 'docker-save.tar');
    const saved = await run<{ file: string; bytes: number }>('stevedore.saveImages', node, [node], { file });
    assert.equal(saved.file, file);
    const check = await FileImageStore.open(join(dir, 'check-store'));
    const loaded = await loadArchive(check, { source: createReadStream(file), sourceName: file });
    assert.deepEqual(loaded.images.map((i) => i.id), [dockerImageId]);

    const pushName = `${registry.host}/enginetest/pushed:1`;
    await run('stevedore.tagImage', node, [node], { target: pushName });
    const toPush = await dockerImage(pushName);
    // Push copies the engine's image straight to the registry: the engine-image cache is not written.
    const cached = async (): Promise<string[]> => {
      const path = engineCachePath(process.env);
      if (!existsSync(path)) return [];
      return (await (await FileImageStore.open(path)).list()).map((r) => `${r.id} ${r.refs.join(',')}`).sort();
    };
    const cachedBefore = await cached();
    const [pushed] = await run<{ reference: string; digest: string; uploaded: number }[]>('stevedore.pushImage', toPush, [toPush]);
    assert.deepEqual(await cached(), cachedBefore, 'the push wrote to the engine-image cache');
    const manifest = await fetch(`${registry.url}/v2/enginetest/pushed/manifests/1`, {
      headers: { accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' },
    });
    assert.equal(manifest.status, 200);
    const manifestBytes = Buffer.from(await manifest.arrayBuffer());
    assert.equal(pushed?.digest, `sha256:${createHash('sha256').update(manifestBytes).digest('hex')}`);
    const served = JSON.parse(manifestBytes.toString()) as { config: { digest: string }; layers: { mediaType: string }[] };
    assert.equal(served.config.digest, dockerImageId);
    // The same image: its config (so its ID and diffIDs) as Docker has it, its layers gzip-compressed as docker push sends them.
    const config = (await (await fetch(`${registry.url}/v2/enginetest/pushed/blobs/${dockerImageId}`)).json()) as { rootfs: { diff_ids: string[] } };
    const dockerLayers = await docker.docker(['image', 'inspect', '--format', '{{json .RootFS.Layers}}', dockerImageId]);
    assert.deepEqual(config.rootfs.diff_ids, JSON.parse(dockerLayers.stdout) as string[]);
    assert.ok(served.layers.every((l) => l.mediaType.endsWith('gzip')), served.layers.map((l) => l.mediaType).join(', '));

    const tagged = await dockerImage('enginetest/tagged:2');
    await run('stevedore.removeImage', tagged, [tagged], { skipConfirmation: true });
    const lines = await dockerImagesLines();
    assert.ok(!lines.some((l) => l.startsWith('enginetest/tagged:2 ')), 'the tag is still there');
    assert.ok(lines.includes(`enginetest/from-docker:1 ${dockerImageId}`), 'the image went with the tag');
  }, LONG);

  test('Inspect as JSON, Copy Full Tag and Copy Digest are offered on Docker\'s rows as on the store\'s, and answer from Docker', async () => {
    const node = await dockerImage('enginetest/from-docker:1');
    const storeNode = await imageNamed(api, 'enginetest/from-docker:1');
    const offered = async (n: ImagesViewNode): Promise<string[]> => itemMenu((await api.imagesTree.getTreeItem(n)).contextValue ?? '');
    for (const command of ['stevedore.inspectImageJson', 'stevedore.copyFullTag', 'stevedore.copyImageId']) {
      assert.ok((await offered(storeNode)).includes(command), `${command} is not on the store's row`);
      assert.ok((await offered(node)).includes(command), `${command} is not on Docker's row`);
    }
    // Docker keeps a registry digest only for an image it pulled or pushed: no Copy Digest before.
    assert.ok(!(await offered(node)).includes('stevedore.copyDigest'), 'Copy Digest is offered on an image Docker has no digest for');

    const json = await run<string>('stevedore.inspectImageJson', node, [node]);
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === json);
    assert.ok(doc, `no document ${json} is open`);
    assert.equal(doc.languageId, 'json');
    const inspected = await docker.docker(['image', 'inspect', dockerImageId]);
    assert.equal(inspected.code, 0, inspected.stderr);
    assert.deepEqual(JSON.parse(doc.getText()), JSON.parse(inspected.stdout));
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');

    assert.equal(await run<string>('stevedore.copyFullTag', node, [node]), 'enginetest/from-docker:1');
    assert.equal(await vscode.env.clipboard.readText(), 'enginetest/from-docker:1');

    const pushed = `${registry.host}/enginetest/digested:1`;
    assert.equal((await docker.docker(['tag', 'enginetest/from-docker:1', pushed])).code, 0);
    const push = await docker.docker(['push', pushed]);
    assert.equal(push.code, 0, push.stderr);
    const head = await fetch(`${registry.url}/v2/enginetest/digested/manifests/1`, { method: 'HEAD', headers: { accept: 'application/vnd.docker.distribution.manifest.v2+json' } });
    const digest = head.headers.get('docker-content-digest');
    assert.ok(digest, 'the registry named no digest');
    api.imagesTree.refreshEngine();
    const digested = await dockerImage(pushed);
    assert.ok((await offered(digested)).includes('stevedore.copyDigest'), 'Copy Digest is not offered on a pushed image');
    assert.equal(await run<string>('stevedore.copyDigest', digested, [digested]), `${registry.host}/enginetest/digested@${digest}`);
    assert.equal(await vscode.env.clipboard.readText(), `${registry.host}/enginetest/digested@${digest}`);
    assert.equal((await docker.docker(['rmi', pushed])).code, 0);
  }, LONG);

  test('Inspect on a Docker image opens the inspector on its export, read once into the engine-image cache (the run\'s own, not the user\'s)', async () => {
    // The runner gives the extension host a cache folder beside the suite's store, in the run's temporary folder.
    const cacheHome = process.env.XDG_CACHE_HOME;
    assert.ok(cacheHome && process.env.STEVEDORE_STORE && dirname(cacheHome) === dirname(process.env.STEVEDORE_STORE), `XDG_CACHE_HOME is ${cacheHome ?? 'not set'}: the engine-image cache would be the user's`);
    const node = await dockerImage('enginetest/from-docker:1');
    const outcome = await run<{ ok: boolean; value?: { manifestDigest: string; imageId: string } }>('stevedore.inspectEngineImage', node, [node]);
    assert.ok(outcome.ok && outcome.value, 'the inspector opened');
    assert.ok(engineCachePath(process.env).startsWith(`${cacheHome}/`) && existsSync(engineCachePath(process.env)), 'the export was not read into the run\'s cache folder');
    assert.equal(outcome.value.imageId, dockerImageId);
    assert.ok(api.inspector.isOpen(outcome.value.manifestDigest));
    const again = await run<{ ok: boolean; value?: { reused: boolean } }>('stevedore.inspectEngineImage', node, [node]);
    assert.equal(again.value?.reused, true);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  }, LONG);

  /**
   * Runs a copy command and presses the Transfers view's Cancel (what its button calls) as soon as
   * one of its layers is seen part way through, from the progress event itself: no timing.
   */
  async function copyCancelledMidLayer(command: string, node: ImagesViewNode, title: string): Promise<{ outcome: CommandOutcome; seen: string }> {
    let seen = '';
    const sub = api.transfers.onDidChange(() => {
      if (seen) return;
      const transfer = api.transfers.view().find((t) => t.state === 'running' && t.title === title);
      const moving = transfer?.layers.find((l) => l.phase === 'transferring' && l.current > 0 && l.current < l.total);
      if (!transfer || !moving) return;
      seen = `${moving.id} at ${moving.current} of ${moving.total} bytes`;
      api.transfers.cancel(transfer.id);
    });
    try {
      const outcome = await vscode.commands.executeCommand<CommandOutcome>(command, node, [node]);
      assert.ok(outcome, `${command} returned nothing`);
      return { outcome, seen };
    } finally {
      sub.dispose();
    }
  }

  test('Copy to Docker cancelled while a layer streams: Docker has no new image (none dangling either), and a message that stays says nothing was changed', async () => {
    // 48 MB of random bytes in one layer: many progress events before the end.
    await importBuffer(await api.openStore(), await randomRootfs(1, 48 * 1024 * 1024), 'enginetest/big:1');
    api.imagesTree.refresh();
    await untilImagesView(api, (tags) => tags.includes('enginetest/big:1'));
    const node = await imageNamed(api, 'enginetest/big:1');
    const before = await dockerImagesAll();
    const { outcome, seen } = await copyCancelledMidLayer('stevedore.copyToDocker', node, 'Copying enginetest/big:1 to Docker');
    assert.ok(seen, 'no layer was seen part way');
    assert.ok(!outcome.ok, `the copy finished although Cancel was pressed with ${seen}`);
    assert.equal(outcome.cancelled, true, outcome.message);
    assert.equal(outcome.message, 'Copy of enginetest/big:1 to Docker cancelled; nothing was changed.');
    const ended = api.transfers.view().find((t) => t.title === 'Copying enginetest/big:1 to Docker');
    assert.equal(ended?.state, 'cancelled');
    assert.deepEqual(await dockerImagesAll(), before, 'Docker\'s images changed although the copy was cancelled');
  }, LONG);

  test('Copy to Stevedore cancelled while a layer streams leaves the store exactly as it was', async () => {
    const bigFile = join(dir, 'big.tar');
    await writeFile(bigFile, await randomRootfs(1, 48 * 1024 * 1024));
    const imported = await docker.docker(['import', bigFile, 'enginetest/big-docker:1']);
    assert.equal(imported.code, 0, imported.stderr);
    api.imagesTree.refreshEngine('docker');
    const node = await dockerImage('enginetest/big-docker:1');
    const store = await api.openStore();
    const before = await storeSnapshot(store.root);
    const { outcome, seen } = await copyCancelledMidLayer('stevedore.copyToStevedore', node, 'Copying enginetest/big-docker:1 to the Stevedore store');
    assert.ok(seen, 'no layer was seen part way');
    assert.ok(!outcome.ok && outcome.cancelled, `not cancelled: ${outcome.ok ? 'it finished' : outcome.message}`);
    assert.equal(outcome.message, 'Copy of enginetest/big-docker:1 to the Stevedore store cancelled; nothing was changed.');
    assert.deepEqual(await storeSnapshot(store.root), before, 'the store changed although the copy was cancelled');
    assert.equal((await docker.docker(['rmi', 'enginetest/big-docker:1'])).code, 0);
  }, LONG);

  test('an added endpoint is a row of its own; hidden sources are not shown; with both engines hidden the store\'s tree is the view', async () => {
    await setSetting('engines.endpoints', [{ name: 'second', host: docker.host }]);
    assert.deepEqual((await roots()).map((r) => r.id), ['source:store', 'source:docker', 'source:podman', 'source:second']);
    const second = await sourceRow('second');
    assert.equal((await api.imagesTree.getTreeItem(second)).description, docker.host);
    assert.equal((second.source as EngineSource).kind, 'docker');
    assert.deepEqual((await engineImages('second')).map((n) => `${n.tag ?? '<none>:<none>'} ${n.image.Id}`).sort(), await dockerImagesLines());
    // A drop onto the added engine's row goes to that engine (here the same dockerd under another name).
    const fromDocker = await imageNamed(api, 'enginetest/from-docker:1');
    await run('stevedore.tagImage', fromDocker, [fromDocker], { target: 'enginetest/via-second:1' });
    const transfer = new vscode.DataTransfer();
    await api.imagesDrop.handleDrag!([await imageNamed(api, 'enginetest/via-second:1')], transfer, token());
    await api.imagesDrop.handleDrop!(second, transfer, token());
    assert.ok((await dockerImagesLines()).includes(`enginetest/via-second:1 ${dockerImageId}`));
    assert.ok((await engineImages('second')).some((n) => n.tag === 'enginetest/via-second:1'), 'the added engine\'s row was not listed again');

    await setSetting('sources.hidden', ['podman', 'second']);
    assert.deepEqual((await roots()).map((r) => r.id), ['source:store', 'source:docker']);
    await setSetting('sources.hidden', ['store']);
    assert.deepEqual((await roots()).map((r) => r.id), ['source:docker', 'source:podman', 'source:second']);
    await setSetting('sources.hidden', ['docker', 'podman', 'second']);
    const top = await roots();
    assert.ok(top.length > 0 && top.every((r) => r.kind === 'imageGroup'), `the store's groups are not the view's rows: ${top.map((r) => r.kind).join(', ')}`);
    await setSetting('sources.hidden', undefined);
    await setSetting('engines.endpoints', undefined);
  }, LONG);
});
