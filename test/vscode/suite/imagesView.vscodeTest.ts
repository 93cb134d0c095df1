// The Images view and the local image commands, run inside VS Code through executeCommand against
// the throwaway store in STEVEDORE_STORE; each effect is checked in the store and in the tree
// provider's children.

import * as assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { StevedoreApi } from '../../../src/extension/extension';
import type { ImageGroupNode } from '../../../src/extension/views/imageTreeModel';
import { ArchiveSource } from '../../../src/core/sources/archiveSource';
import { copyImages } from '../../../src/core/sources/copyImages';
import { StoreSource } from '../../../src/core/sources/storeSource';
import { FileImageStore } from '../../../src/core/store/fileImageStore';
import { importBuffer, randomRootfs } from '../../helpers/fixtures';
import { suite, suiteSetup, suiteTeardown, test } from './harness';
import { familiarTags, imageNamed, imagesViewNodes, run, runCli, runFailing, setSetting, stevedoreApi, untilImagesView } from './stevedore';

suite('images view and local commands', () => {
  let api: StevedoreApi;
  let dir: string;
  const tarballs: string[] = [];

  suiteSetup(async () => {
    api = await stevedoreApi();
    await setSetting('images.groupBy', undefined);
    await setSetting('images.sortBy', undefined);
    await setSetting('images.showDangling', undefined);
    dir = await mkdtemp(join(tmpdir(), 'stevedore-images-view-'));
    for (let i = 0; i < 4; i++) {
      const file = join(dir, `rootfs${i}.tar`);
      await writeFile(file, await randomRootfs(3, 20_000 * (i + 1)));
      tarballs.push(file);
    }
  });

  suiteTeardown(async () => {
    await setSetting('images.groupBy', undefined);
    await setSetting('images.sortBy', undefined);
    await setSetting('images.showDangling', undefined);
    await run('stevedore.images.clearFilter');
    await rm(dir, { recursive: true, force: true });
  });

  test('Import Root Filesystem… makes an image that the view shows under its repository', async () => {
    const value = await run<{ id: string }>('stevedore.importRootfs', { file: tarballs[0], reference: 'example/app:1.0' });
    assert.match(value.id, /^sha256:[a-f0-9]{64}$/);
    const records = await (await api.openStore()).list();
    assert.deepEqual(records.find((r) => r.id === value.id)?.refs, ['docker.io/example/app:1.0']);
    const { roots } = await imagesViewNodes(api);
    const group = roots.find((r): r is ImageGroupNode => r.kind === 'imageGroup' && r.label === 'example/app');
    assert.ok(group, 'no example/app group at the top of the view');
    const children = (await api.imagesTree.getChildren(group)) ?? [];
    assert.deepEqual(children.map((c) => (c.kind === 'image' ? c.label : c.kind)), ['1.0']);
    // The row shows the size alone (counts cut long names off at the default width); counts are in the tooltip.
    const groupItem = await api.imagesTree.getTreeItem(group);
    assert.match(String(groupItem.description), /^\d+(\.\d+)?kB$/);
    assert.match(String(groupItem.tooltip), /^example\/app\n1 tag · 1 image · \d+(\.\d+)?kB$/);
  });

  test('an image item shows size and age, and a tooltip with reference, ID, digests, platform, layers, created', async () => {
    const node = await imageNamed(api, 'example/app:1.0');
    const item = await api.imagesTree.getTreeItem(node);
    // Imported by the test before, a moment or (on a busy machine) minutes ago: any of Docker's
    // wordings below an hour; the exact wording per age is unit-tested with a fixed now.
    assert.match(String(item.description), /^\d+(\.\d+)?kB · (Less than a second|\d+ seconds?|About a minute|\d+ minutes) ago$/);
    const tooltip = item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : String(item.tooltip);
    assert.match(tooltip, /docker\.io\/example\/app:1\.0/);
    assert.match(tooltip, new RegExp(`Image ID: \`${node.record.id}\``));
    assert.match(tooltip, /Manifest digest: `sha256:[a-f0-9]{64}`/);
    assert.match(tooltip, /Platform: linux\/\w+/);
    assert.match(tooltip, /Layers: 1/);
    assert.match(tooltip, /Created: \d{4}-\d\d-\d\dT/);
    assert.match(String(item.contextValue), /^image tagged pushable$/);
  });

  test('Tag… adds a name; the store and the view both have it', async () => {
    const node = await imageNamed(api, 'example/app:1.0');
    const value = await run<{ reference: string }>('stevedore.tagImage', node, [node], { target: 'example/other:2.0' });
    assert.equal(value.reference, 'docker.io/example/other:2.0');
    const record = (await (await api.openStore()).list()).find((r) => r.id === node.record.id);
    assert.deepEqual(record?.refs, ['docker.io/example/app:1.0', 'docker.io/example/other:2.0']);
    assert.deepEqual(await familiarTags(api), ['example/app:1.0', 'example/other:2.0']);
  });

  test('Tag… refuses an invalid name with a clear error and changes nothing', async () => {
    const node = await imageNamed(api, 'example/app:1.0');
    const failure = await runFailing('stevedore.tagImage', node, [node], { target: 'Bad Name' });
    assert.equal(failure.code, 'INVALID_REFERENCE');
    assert.match(failure.message, /whitespace/);
    assert.deepEqual(await familiarTags(api), ['example/app:1.0', 'example/other:2.0']);
  });

  test('Inspect as JSON opens docker inspect\'s JSON in a read-only document', async () => {
    const node = await imageNamed(api, 'example/app:1.0');
    const uri = await run<string>('stevedore.inspectImageJson', node, [node]);
    const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri);
    assert.ok(doc, 'the inspect document is not open');
    assert.equal(doc.languageId, 'json');
    assert.equal(doc.uri.scheme, 'stevedore-inspect');
    const [inspect] = JSON.parse(doc.getText()) as [{ Id: string; RepoTags: string[]; Layers: { Digest: string; DiffID: string }[] }];
    assert.equal(inspect.Id, node.record.id);
    assert.deepEqual(inspect.RepoTags, ['example/app:1.0', 'example/other:2.0']);
    assert.equal(inspect.Layers.length, 1);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
  });

  test('Inspect opens the layer inspector on the image', async () => {
    const node = await imageNamed(api, 'example/app:1.0');
    const opened = await run<{ manifestDigest: string; title: string }>('stevedore.inspectImage', node, [node]);
    assert.equal(opened.manifestDigest, node.record.manifestDigest);
    const inspectorTabs = (): vscode.Tab[] => vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('stevedore.inspector'));
    // The tab model reaches the extension host asynchronously; the harness's timeout bounds the wait.
    while (inspectorTabs().length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.match(inspectorTabs()[0]!.label, /example\/app:1\.0/);
    await vscode.window.tabGroups.close(inspectorTabs());
  });

  test('Copy Full Tag, Copy Image ID and Copy Digest put the right text on the clipboard', async () => {
    const node = await imageNamed(api, 'example/other:2.0');
    assert.equal(await run('stevedore.copyFullTag', node, [node]), 'example/other:2.0');
    assert.equal(await vscode.env.clipboard.readText(), 'example/other:2.0');
    assert.equal(await run('stevedore.copyImageId', node, [node]), node.record.id);
    assert.equal(await vscode.env.clipboard.readText(), node.record.id);
    assert.equal(await run('stevedore.copyDigest', node, [node]), node.record.manifestDigest);
  });

  test('Remove untags one name and keeps the image; removing its last name deletes it and its blobs', async () => {
    const store = await api.openStore();
    const blobsBefore = await readdir(join(store.root, 'blobs', 'sha256'));
    const other = await imageNamed(api, 'example/other:2.0');
    const first = await run<{ untagged: number; deleted: number; reclaimedBytes: number; message: string }>('stevedore.removeImage', other, [other], { skipConfirmation: true });
    assert.deepEqual({ untagged: first.untagged, deleted: first.deleted, reclaimedBytes: first.reclaimedBytes }, { untagged: 1, deleted: 0, reclaimedBytes: 0 });
    assert.equal(first.message, 'Removed example/other:2.0: 1 tag untagged, 0B reclaimed.');
    assert.deepEqual(await familiarTags(api), ['example/app:1.0']);
    const app = await imageNamed(api, 'example/app:1.0');
    const second = await run<{ deleted: number; reclaimedBytes: number }>('stevedore.removeImage', app, [app], { skipConfirmation: true });
    assert.equal(second.deleted, 1);
    assert.ok(second.reclaimedBytes > 0);
    assert.deepEqual(await familiarTags(api), []);
    assert.equal((await store.list()).length, 0);
    assert.ok((await readdir(join(store.root, 'blobs', 'sha256'))).length < blobsBefore.length, 'the image\'s blobs are still in the store');
  });

  test('several selected images are removed at once; force removes an image with all its tags', async () => {
    await run('stevedore.importRootfs', { file: tarballs[1], reference: 'multi/one:a' });
    await run('stevedore.importRootfs', { file: tarballs[2], reference: 'multi/two:b' });
    const one = await imageNamed(api, 'multi/one:a');
    await run('stevedore.tagImage', one, [one], { target: 'elsewhere/one:copy' });
    const a = await imageNamed(api, 'multi/one:a');
    const b = await imageNamed(api, 'multi/two:b');
    // Right-click on one of two selected items: both go. Force removes "elsewhere/one:copy" too.
    const result = await run<{ deleted: number; untagged: number; message: string }>('stevedore.removeImage', b, [a, b], { skipConfirmation: true, force: true });
    assert.equal(result.deleted, 2);
    // The message counts tags (three names went), not "untagged" events of any kind.
    assert.equal(result.untagged, 3);
    assert.match(result.message, /^Removed 2 images: 3 tags untagged, 2 images deleted, \S+ reclaimed\.$/);
    assert.deepEqual(await familiarTags(api), []);
  });

  test('dangling images show behind the toggle, and Prune Dangling Images removes them', async () => {
    await run('stevedore.importRootfs', { file: tarballs[1], reference: 'example/prune:1' });
    await run('stevedore.importRootfs', { file: tarballs[2], reference: 'example/prune:1' }); // the first loses its name
    const store = await api.openStore();
    assert.equal((await store.list()).filter((r) => r.refs.length === 0).length, 1);
    assert.deepEqual(await familiarTags(api), ['example/prune:1'], 'a dangling image is shown while the toggle is off');
    await run('stevedore.images.showDangling');
    const { roots, images } = await imagesViewNodes(api);
    assert.ok(roots.some((r) => r.kind === 'imageGroup' && r.label === 'Untagged'), 'no Untagged group');
    const dangling = images.find((n) => n.dangling);
    assert.ok(dangling);
    assert.match(String((await api.imagesTree.getTreeItem(dangling)).contextValue), /^image dangling$/);
    const pruned = await run<{ deletedImages: number }>('stevedore.pruneImages', { skipConfirmation: true });
    assert.equal(pruned.deletedImages, 1);
    assert.equal((await store.list()).filter((r) => r.refs.length === 0).length, 0);
    assert.ok(!(await imagesViewNodes(api)).images.some((n) => n.dangling));
    await run('stevedore.images.hideDangling');
  });

  test('the view follows changes the CLI makes to the store, without a refresh', async () => {
    const tags = await runCli(api.storePath, ['tag', 'example/prune:1', 'from-cli/app:7']);
    assert.equal(tags.code, 0, tags.stderr);
    await untilImagesView(api, (t) => t.includes('from-cli/app:7'));
    const rmi = await runCli(api.storePath, ['rmi', 'from-cli/app:7']);
    assert.equal(rmi.code, 0, rmi.stderr);
    await untilImagesView(api, (t) => !t.includes('from-cli/app:7'));
  });

  test('grouping by registry or not at all, and sorting by name or size', async () => {
    await run('stevedore.importRootfs', { file: tarballs[3], reference: 'localhost:5000/team/big:1' });
    await run('stevedore.importRootfs', { file: tarballs[0], reference: 'aaa/small:1' });
    await run('stevedore.images.groupBy', { groupBy: 'registry' });
    let { roots } = await imagesViewNodes(api);
    assert.deepEqual(roots.map((r) => (r.kind === 'imageGroup' ? r.label : r.kind)).sort(), ['docker.io', 'localhost:5000']);
    const local = roots.find((r): r is ImageGroupNode => r.kind === 'imageGroup' && r.label === 'localhost:5000');
    assert.deepEqual(local?.children.map((c) => c.label), ['team/big:1']);
    await run('stevedore.images.groupBy', { groupBy: 'none' });
    await run('stevedore.images.sortBy', { sortBy: 'name' });
    ({ roots } = await imagesViewNodes(api));
    assert.deepEqual(roots.map((r) => r.kind === 'image' && r.label), ['aaa/small:1', 'example/prune:1', 'localhost:5000/team/big:1']);
    await run('stevedore.images.sortBy', { sortBy: 'size' });
    ({ roots } = await imagesViewNodes(api));
    assert.equal(roots[0]?.kind === 'image' && roots[0].label, 'localhost:5000/team/big:1');
    await run('stevedore.images.groupBy', { groupBy: 'repository' });
    await run('stevedore.images.sortBy', { sortBy: 'created' });
  });

  test('a reference pattern filters the view, and clearing it shows everything again', async () => {
    assert.equal(await run('stevedore.images.filter', { pattern: 'example/*' }), 'example/*');
    assert.deepEqual(await familiarTags(api), ['example/prune:1']);
    const failure = await runFailing('stevedore.images.filter', { pattern: '[a' });
    assert.equal(failure.code, 'INVALID_ARGUMENT');
    await run('stevedore.images.clearFilter');
    assert.deepEqual(await familiarTags(api), ['aaa/small:1', 'example/prune:1', 'localhost:5000/team/big:1']);
  });

  test('an untagged import is revealed: dangling images are shown and the new image is in the view', async () => {
    await setSetting('images.showDangling', undefined);
    const value = await run<{ id: string; reference?: string; revealed: boolean }>('stevedore.importRootfs', { file: tarballs[2] });
    assert.equal(value.reference, undefined);
    assert.equal(value.revealed, true);
    assert.equal(vscode.workspace.getConfiguration('stevedore').get('images.showDangling'), true);
    const { images } = await imagesViewNodes(api);
    assert.ok(images.some((n) => n.dangling && n.record.id === value.id), 'the untagged image is not in the view');
    await run('stevedore.pruneImages', { skipConfirmation: true });
    await run('stevedore.images.hideDangling');
  });

  test('an untagged image loaded from an archive is revealed too: dangling images are shown and it is in the view', async () => {
    await setSetting('images.showDangling', undefined);
    // An archive of an image without a name, saved by ID from another store.
    const other = await FileImageStore.open(join(dir, 'untagged-source'));
    const made = await importBuffer(other, await randomRootfs(2, 777));
    const file = join(dir, 'untagged.tar');
    await copyImages(new StoreSource(other), [{ ref: made.manifestDigest, refs: [] }], new ArchiveSource('docker-archive', file, other.root));
    const value = await run<{ revealed: boolean }>('stevedore.loadArchive', { files: [file] });
    assert.equal(value.revealed, true);
    assert.equal(vscode.workspace.getConfiguration('stevedore').get('images.showDangling'), true);
    const { images } = await imagesViewNodes(api);
    assert.ok(images.some((n) => n.dangling && n.record.id === made.id), 'the loaded untagged image is not in the view');
    await run('stevedore.pruneImages', { skipConfirmation: true });
    await run('stevedore.images.hideDangling');
  });

  test('Load on a root filesystem tarball offers Import as Root Filesystem…, not CLI advice, and loads nothing', async () => {
    const before = (await (await api.openStore()).list()).length;
    const failure = await runFailing('stevedore.loadArchive', { files: [tarballs[0]] });
    assert.equal(failure.code, 'INVALID_ARCHIVE');
    assert.deepEqual(failure.actions, ['Import as Root Filesystem…']);
    assert.doesNotMatch(failure.message, /stevedore import/);
    assert.match(failure.message, /not an image archive/);
    assert.equal((await (await api.openStore()).list()).length, before);
  });
  test('a damaged store offers Repair Store, not "stevedore system check --repair"; Check Store finds the damage and Repair Store removes the broken image', async () => {
    const made = await run<{ id: string }>('stevedore.importRootfs', { file: tarballs[3], reference: 'damaged/app:1' });
    const store = await api.openStore();
    // The config blob overwritten with something that is not JSON (and no longer matches its digest).
    await writeFile(store.blobs.path(made.id), 'not json');
    const node = await imageNamed(api, 'damaged/app:1');
    const failure = await runFailing('stevedore.inspectImageJson', node, [node]);
    assert.equal(failure.code, 'STORE_CORRUPT');
    assert.doesNotMatch(failure.message, /stevedore system check/);
    assert.match(failure.message, /Repair the store \(Repair Store\)/);
    assert.deepEqual(failure.actions, ['Repair Store']);
    const checked = await run<{ problems: { kind: string; subject: string }[]; repaired: string[] }>('stevedore.checkStore');
    assert.ok(checked.problems.some((p) => p.kind === 'corrupt-blob' && p.subject === made.id), JSON.stringify(checked.problems));
    assert.deepEqual(checked.repaired, []);
    const repaired = await run<{ repaired: string[] }>('stevedore.checkStore', { repair: true });
    assert.ok(repaired.repaired.length > 0, 'Repair Store repaired nothing');
    assert.ok(!(await store.list()).some((r) => r.id === made.id), 'the image with a corrupt config is still listed after the repair');
  });
});

