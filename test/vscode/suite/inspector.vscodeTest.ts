// The layer and digest inspector inside VS Code, driven only through its command, as a user's
// keybinding or another extension would: `stevedore.openInspector` with a reference, an image ID,
// an Images view item or something invalid. Checked through VS Code's own tab model (one webview
// panel per image, titled after it) and the store (the layers get analysed and cached). What the
// webview shows is the UI test's part (test/ui/inspector.ui.test.mjs).

import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { layerCachePath } from '../../../src/core/layers/layerCache';
import type { StevedoreApi } from '../../../src/extension/extension';
import type { ImageRecord, ImageStore } from '../../../src/core/store/imageStore';
import { FileImageStore } from '../../../src/core/store/fileImageStore';
import { exampleLayers, layerTar, storeLayeredImage } from '../../helpers/layeredImages';
import { suite, suiteSetup, suiteTeardown, test } from './harness';

const COMMAND = 'stevedore.openInspector';
const VIEW_TYPE = 'stevedore.inspector';
const EXTENSION_ID = 'stevedore.stevedore';

type Outcome = { ok: true; value: unknown } | { ok: false; cancelled: boolean; code?: string; message: string };
interface Opened {
  manifestDigest: string;
  imageId: string;
  title: string;
  reused: boolean;
}

async function open(arg?: unknown): Promise<Outcome> {
  const outcome = await vscode.commands.executeCommand<Outcome>(COMMAND, arg);
  assert.ok(outcome && typeof outcome === 'object' && 'ok' in outcome, `${COMMAND} returned ${JSON.stringify(outcome)} instead of an outcome`);
  return outcome;
}

async function opened(arg?: unknown): Promise<Opened> {
  const outcome = await open(arg);
  if (!outcome.ok) assert.fail(`${COMMAND} failed: ${outcome.code ?? ''} ${outcome.message}`);
  return outcome.value as Opened;
}

function inspectorTabs(): vscode.Tab[] {
  // VS Code reports a webview tab's viewType with a prefix of its own ("mainThreadWebview-…").
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith(VIEW_TYPE));
}

async function closeInspectors(): Promise<void> {
  const tabs = inspectorTabs();
  if (tabs.length) await vscode.window.tabGroups.close(tabs);
  await untilTabs(0);
}

/** The inspector tabs once there are `count` of them: the tab model reaches the extension host asynchronously. */
async function untilTabs(count: number): Promise<vscode.Tab[]> {
  await until(`${count} inspector tab(s)`, () => inspectorTabs().length === count);
  return inspectorTabs();
}

/** Waits for a condition the extension reaches on its own; the harness's timeout bounds the wait. */
async function until(what: string, condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(condition(), what);
}

suite('layer inspector', () => {
  let store: ImageStore;
  let example: ImageRecord;
  let small: ImageRecord;

  suiteSetup(async () => {
    const storePath = process.env.STEVEDORE_STORE;
    assert.ok(storePath, 'STEVEDORE_STORE is not set in the extension host');
    store = await FileImageStore.open(storePath);
    example = await storeLayeredImage(store, await exampleLayers(), 'inspector/example:1', { emptySteps: { 1: 'ENV A=1' } });
    small = await storeLayeredImage(store, [{ tar: await layerTar([{ name: 'hello.txt', content: 'hello\n' }]), createdBy: 'COPY hello.txt /' }], 'inspector/small:1');
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
    await closeInspectors();
  });

  suiteTeardown(closeInspectors);

  test('the extension registers stevedore.openInspector', async () => {
    const commands = await vscode.commands.getCommands(true);
    assert.ok(
      commands.includes(COMMAND),
      `${COMMAND} is not registered: activate() must call registerInspector(context, { getStore, log }) from src/extension/inspector/registerInspector.ts, and package.json must contribute the command`,
    );
  });

  test('opening an image by reference shows one webview panel titled after it, and analyses its layers', async () => {
    const value = await opened('inspector/example:1');
    assert.deepEqual(value, { manifestDigest: example.manifestDigest, imageId: example.id, title: 'inspector/example:1', reused: false });
    const tabs = await untilTabs(1);
    assert.equal(tabs[0]!.label, 'Inspect inspector/example:1');
    assert.equal(tabs[0]!.isActive, true);
    // The panel reads every layer once and caches the listing in the store: a second look is instant.
    const layers = (await store.load(example)).manifest.layers;
    const caches = layers.map((l) => layerCachePath(store.layout, l.digest));
    await until('every layer of the image is analysed and cached', () => caches.every((c) => existsSync(c)));
    assert.ok(caches.every((c) => c.startsWith(join(store.root, 'stevedore'))));
  });

  test('opening the same image again, by ID or from an Images view item, brings its panel forward', async () => {
    assert.equal((await opened(example.id)).reused, true);
    const node = { kind: 'image', id: `image/x/${example.manifestDigest}`, record: example, reference: 'docker.io/inspector/example:1' };
    const again = await opened(node);
    assert.equal(again.reused, true);
    assert.equal(again.title, 'inspector/example:1');
    assert.equal((await untilTabs(1)).length, 1);
  });

  test('another image gets a panel of its own', async () => {
    const value = await opened({ reference: 'inspector/small:1' });
    assert.equal(value.manifestDigest, small.manifestDigest);
    assert.equal(value.reused, false);
    assert.deepEqual((await untilTabs(2)).map((t) => t.label).sort(), ['Inspect inspector/example:1', 'Inspect inspector/small:1']);
  });

  test('an image that is not in the store fails with IMAGE_NOT_FOUND and opens nothing', async () => {
    const before = inspectorTabs().length;
    const outcome = await open('inspector/missing:1');
    assert.equal(outcome.ok, false);
    assert.equal(!outcome.ok && outcome.code, 'IMAGE_NOT_FOUND');
    assert.match(!outcome.ok ? outcome.message : '', /No such image: inspector\/missing:1/);
    assert.equal(inspectorTabs().length, before);
  });

  test('an argument that names no image fails with INVALID_ARGUMENT, saying what to pass', async () => {
    const outcome = await open(42);
    assert.equal(outcome.ok, false);
    assert.equal(!outcome.ok && outcome.code, 'INVALID_ARGUMENT');
    assert.match(!outcome.ok ? outcome.message : '', /pass a reference/);
  });

  test('closing a panel forgets it: opening the image again makes a new one', async () => {
    await closeInspectors();
    const value = await opened('inspector/small:1');
    assert.equal(value.reused, false);
    assert.equal((await untilTabs(1))[0]!.label, 'Inspect inspector/small:1');
  });

  test('a panel VS Code restores with no saved state (reloaded before its page ran) comes back on its image, not blank and closed', async () => {
    const api = (await vscode.extensions.getExtension<StevedoreApi>(EXTENSION_ID)?.activate())!;
    // inspector/small:1 was opened by the test before; its tab closes, then a "reload" re-creates
    // it from its title alone, as VS Code does when the page never saved a state.
    await closeInspectors();
    await until('the closed panel is forgotten', () => !api.inspector.isOpen(small.manifestDigest));
    const panel = vscode.window.createWebviewPanel(VIEW_TYPE, 'Inspect inspector/small:1', vscode.ViewColumn.Active, { enableScripts: true });
    let disposed = false;
    panel.onDidDispose(() => (disposed = true));
    await api.inspector.restore(panel, undefined);
    assert.equal(disposed, false, 'the restored panel was closed: it did not know its image');
    // The extension took the panel over as the image's own: opening the image brings it forward.
    const again = await opened('inspector/small:1');
    assert.equal(again.reused, true);
    assert.equal(again.manifestDigest, small.manifestDigest);
    assert.equal((await untilTabs(1)).length, 1);
  });

  test('first paint does not wait for the layer analysis: the page paints the header and layers table, then the analysis starts', async () => {
    const api = (await vscode.extensions.getExtension<StevedoreApi>(EXTENSION_ID)?.activate())!;
    // An image whose layer nobody has analysed yet, so the analysis has work to do.
    await closeInspectors();
    const fresh = await storeLayeredImage(store, [{ tar: await layerTar([{ name: 'etc/fresh.conf', content: 'fresh\n' }]), createdBy: 'COPY fresh.conf /etc/' }], 'inspector/fresh:1');
    await opened('inspector/fresh:1');
    await until('the analysis is done', () => api.inspector.timeline(fresh.manifestDigest).includes('analysis:ready'));
    const events = api.inspector.timeline(fresh.manifestDigest).filter((e) => e !== 'analysis:waiting');
    const at = (event: string): number => events.indexOf(event);
    assert.ok(at('image:ready') >= 0 && at('painted') > at('image:ready'), `the page did not paint the image first: ${events.join(' → ')}`);
    assert.ok(at('analysis:loading') > at('painted'), `the analysis started before the first paint: ${events.join(' → ')}`);
    assert.ok(at('analysis:ready') > at('analysis:loading'), events.join(' → '));
  });
});
