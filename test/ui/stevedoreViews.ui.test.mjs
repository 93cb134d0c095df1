// UI tests in a real VS Code (code-server) driven by Playwright: the Images view with its sources
// (the store with several repositories, a private Docker engine with its images, Podman not
// running with a Retry), an image dragged with the mouse from Docker's row onto the store's,
// right-click an image → Save…, right-click a tar in the Explorer → Load, the
// Registries view expanded to tags and platforms, and a pull's progress notification, cancelled
// with its Cancel button (the store is then exactly as before), and a pull in the Transfers view
// (a bar per layer) cancelled from there. Screenshots go to
// test-output/screenshots/. The registry is Debian's docker-registry on loopback, behind a proxy
// that holds one layer's download half way, so the notification stays on screen until cancelled.
//
// Run: node scripts/build.mjs && node --test test/ui/
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { tsImport } from 'tsx/esm/api';
import { extensionHostLogs } from '../../scripts/vscodeHost/codeServer.mjs';
import { runFromPalette } from '../../scripts/vscodeHost/inspectorDriver.mjs';
import { startVscode } from '../../scripts/vscodeHost/uiHarness.mjs';

// The TypeScript test helpers and core, loaded through tsx so that this file stays plain `node --test`.
const load = (path) => tsImport(new URL(path, import.meta.url).href, import.meta.url);
const { importBuffer, randomRootfs, makeTar } = await load('../helpers/fixtures.ts');
const { startRegistry } = await load('../helpers/registry.ts');
const { startFaultProxy } = await load('../helpers/faultProxy.ts');
const { addMultiPlatformImage } = await load('../helpers/registryImages.ts');
const { storeLayeredImage } = await load('../helpers/layeredImages.ts');
const { storeSnapshot } = await load('../helpers/storeSnapshot.ts');
const { startDockerd } = await load('../helpers/dockerd.ts');
const { busyboxRootfs } = await load('../helpers/busybox.ts');
const { FileImageStore } = await load('../../src/core/store/fileImageStore.ts');
const { tagImage } = await load('../../src/core/store/tagImage.ts');
const { RegistryClients } = await load('../../src/core/registry/registryClients.ts');
const { pushImage } = await load('../../src/core/registry/pushImage.ts');
const { selectImagesToSave } = await load('../../src/core/archive/saveSelection.ts');
const { ArchiveSource } = await load('../../src/core/sources/archiveSource.ts');
const { copyImages } = await load('../../src/core/sources/copyImages.ts');
const { StoreSource } = await load('../../src/core/sources/storeSource.ts');

const WAIT = { timeout: 60_000 };
const DAY = 86_400_000;

let root;
let storeDir;
let workspace;
let registry;
let proxy;
let vscode;
let bigLayer;
let docker;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'stevedore-ui-'));
  storeDir = join(root, 'store');
  workspace = join(root, 'workspace');
  mkdirSync(join(workspace, '.vscode'), { recursive: true });

  // The store VS Code will show: several repositories, created on different days.
  const store = await FileImageStore.open(storeDir);
  const now = Date.now();
  const images = [['redis:7.2', 2, 60_000], ['redis:6.2', 9, 55_000], ['team/app:1.0', 20, 12_000], ['team/app:1.1', 3, 12_500], ['postgres:16', 30, 90_000], ['localhost:5000/tools/busybox:1.36', 45, 8_000]];
  for (const [ref, days, bytes] of images) await importBuffer(store, await randomRootfs(2, bytes), ref, { created: new Date(now - days * DAY) });
  // One image under three names, for Remove's dialog.
  await importBuffer(store, await randomRootfs(1, 3_000), 'shared/app:1.0', { created: new Date(now - DAY) });
  for (const other of ['shared/app:stable', 'mirror/app:1.0']) await tagImage(store, 'shared/app:1.0', other);

  // An archive made elsewhere, to load from the Explorer.
  const other = await FileImageStore.open(join(root, 'other-store'));
  await importBuffer(other, await randomRootfs(2, 5_000), 'loaded/app:1');
  const toSave = selectImagesToSave(await other.list(), ['loaded/app:1']);
  await copyImages(new StoreSource(other), toSave.map((t) => ({ ref: t.record.manifestDigest, refs: t.refs })), new ArchiveSource('docker-archive', join(workspace, 'from-elsewhere.tar'), other.root));

  // A registry with a few repositories, a multi-platform image, and a three-layer image to pull.
  registry = await startRegistry({});
  proxy = await startFaultProxy(registry.url);
  const source = await FileImageStore.open(join(root, 'source'));
  const clients = new RegistryClients({});
  try {
    for (const tag of ['1.0', '1.1', '2.0']) {
      await importBuffer(source, await randomRootfs(1, 2_000), `${registry.host}/demo/app:${tag}`);
      await pushImage(source, clients, { reference: `${registry.host}/demo/app:${tag}` });
    }
    await addMultiPlatformImage(source, `${registry.host}/demo/multi:1`);
    await pushImage(source, clients, { reference: `${registry.host}/demo/multi:1` });
    const layers = [];
    for (let i = 0; i < 3; i++) layers.push({ tar: await makeTar([{ name: `data/part${i}.bin`, content: (await import('node:crypto')).randomBytes(3_000_000) }]), createdBy: `COPY part${i}.bin /data/` });
    const big = await storeLayeredImage(source, layers, `${registry.host}/big/app:1`);
    await pushImage(source, clients, { reference: `${registry.host}/big/app:1` });
    bigLayer = (await source.load(big)).manifest.layers[1].digest;
  } finally {
    await clients.close();
  }
  // A private Docker engine with one image; Podman is pointed at a socket nothing serves.
  docker = await startDockerd();
  const rootfs = join(root, 'busybox-rootfs.tar');
  writeFileSync(rootfs, await busyboxRootfs());
  const imported = await docker.docker(['import', '-c', 'CMD ["/bin/sh"]', rootfs, 'myapp:dev']);
  assert.equal(imported.code, 0, imported.stderr);

  writeFileSync(join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'stevedore.registries': [{ url: registry.host }] }, null, 2));
  // Machine-scoped settings: read from the machine's settings file only.
  const machineSettings = { 'stevedore.engines.dockerHost': docker.host, 'stevedore.engines.podmanHost': `unix://${join(root, 'no-podman.sock')}` };

  vscode = await startVscode({ folder: workspace, env: { STEVEDORE_STORE: storeDir }, machineSettings });
}, { timeout: 15 * 60_000 });

after(async () => {
  // The extension's own log says what went wrong when a step failed.
  if (vscode && process.exitCode) printStevedoreLog(vscode.runDir.userDataDir);
  await vscode?.close();
  await proxy?.stop();
  await registry?.stop();
  await docker?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
});

/** Polls a condition the workbench reaches on its own, up to the usual wait. */
async function until(condition, what) {
  const deadline = Date.now() + WAIT.timeout;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function printStevedoreLog(userDataDir) {
  for (const file of extensionHostLogs(userDataDir)) {
    if (!/Stevedore/i.test(file)) continue;
    console.log(`--- ${file} ---\n${readFileSync(file, 'utf8').split('\n').slice(-40).join('\n')}`);
  }
}

function imagesPane(page) {
  return page.locator('.pane', { has: page.locator('.pane-header[aria-label^="Images"]') });
}

function registriesPane(page) {
  return page.locator('.pane', { has: page.locator('.pane-header[aria-label^="Registries"]') });
}

/** A tree row by the start of its accessible label ("redis, 2 tags…", "redis:7.2, 60.1kB…"). */
function row(pane, labelStart) {
  return pane.locator(`.monaco-list-row[aria-label^="${labelStart}"]`).first();
}

async function expand(rowLocator) {
  const expanded = rowLocator.and(rowLocator.page().locator('[aria-expanded="true"]'));
  // A refresh of the tree (after a copy, say) can render the row anew between the click and its
  // effect, and the click is lost (seen in CI at load 20): click again while it shows collapsed.
  // Only the test's own timeout bounds this; the row's state alone decides.
  for (;;) {
    await rowLocator.waitFor(WAIT);
    if ((await rowLocator.getAttribute('aria-expanded')) !== 'true') await rowLocator.click();
    if (await expanded.waitFor({ timeout: 10_000 }).then(() => true, () => false)) return;
  }
}

async function contextMenu(page, target, item) {
  await target.click({ button: 'right' });
  const entry = page.getByRole('menuitem', { name: item });
  await entry.waitFor(WAIT);
  // Menus ignore a click that comes right after they open (against accidental picks); the
  // keyboard has no such guard.
  await entry.hover();
  await entry.focus();
  await page.keyboard.press('Enter');
  await entry.waitFor({ state: 'hidden', ...WAIT });
}

/**
 * A notification, found in the notification center: with the smoke-test driver on (which the test
 * host needs), VS Code shows no toasts, so the center is opened to see them.
 */
async function notification(page, text) {
  const center = page.locator('.notifications-center.visible');
  const item = center.locator('.notification-list-item', { hasText: text }).first();
  // The center closes by itself when its last notification goes (a progress that finished), so a
  // notification that comes just after is in a closed center: it is opened again until the item
  // shows (a CI run waited 60 s on a "Saved" notification the log shows was given 29 ms in).
  for (;;) {
    if (!(await center.isVisible())) await page.locator('.statusbar [aria-label="Notifications"], .statusbar [aria-label^="Notifications"]').first().click();
    if (await item.isVisible()) return item;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function closeNotifications(page) {
  const center = page.locator('.notifications-center.visible');
  if (await center.isVisible()) {
    await center.locator('[aria-label="Clear All Notifications"]').click();
    await page.keyboard.press('Escape');
  }
}

/** Expands or collapses a view of the side bar by its title (the header's middle holds its action buttons). */
async function setPaneExpanded(page, name, expanded) {
  const header = page.locator(`.pane-header[aria-label^="${name}"]`);
  if ((await header.getAttribute('aria-expanded')) !== String(expanded)) await header.locator('.title').click();
  await page.locator(`.pane-header[aria-label^="${name}"][aria-expanded="${expanded}"]`).waitFor(WAIT);
}

async function openStevedore(page) {
  await page.locator('.activitybar [aria-label^="Stevedore"]').first().click();
  await imagesPane(page).locator('.monaco-list-row').first().waitFor(WAIT);
}

test('the Images view shows a row per source: the store with several repositories with tags, sizes and ages, Docker with its image, Podman not running with a Retry', { timeout: 180_000 }, async () => {
  const { page } = vscode;
  await openStevedore(page);
  const pane = imagesPane(page);
  // The whole side bar for the Images view: the rows under the store push the engines' down.
  await setPaneExpanded(page, 'Registries', false);
  const sources = await pane.locator('.monaco-list-row[aria-level="1"]').evaluateAll((els) => els.map((el) => el.getAttribute('aria-label')));
  assert.deepEqual(sources.map((l) => l.split(',')[0]), ['Stevedore store', 'Docker', 'Podman']);
  await row(pane, 'myapp:dev in Docker,').waitFor(WAIT);
  // Where Docker is comes with its listing, and the row is redrawn with it.
  await row(pane, `Docker, ${docker.host}`).waitFor(WAIT);
  await row(pane, 'Retry Podman').waitFor(WAIT);
  await pane.locator('.monaco-list-row[aria-level="2"]', { hasText: 'no-podman.sock' }).first().waitFor(WAIT);
  for (const group of ['redis,', 'team/app,']) await expand(row(pane, group));
  await row(pane, 'redis:7.2,').waitFor(WAIT);
  const label = await row(pane, 'redis:7.2,').getAttribute('aria-label');
  assert.match(label, /^redis:7\.2, \d+(\.\d+)?kB · 2 days ago$/);
  for (const name of ['postgres,', 'localhost:5000/tools/busybox,']) await row(pane, name).waitFor(WAIT);
  await row(pane, 'redis:7.2,').hover();
  await page.locator('.monaco-hover', { hasText: 'Image ID' }).first().waitFor(WAIT);
  await vscode.screenshot('images-view', { readme: true });
  await page.keyboard.press('Escape');
});

test('dragging Docker\'s image with the mouse onto the store\'s row copies it into the store', { timeout: 180_000 }, async () => {
  const { page } = vscode;
  const pane = imagesPane(page);
  const dockerImage = row(pane, 'myapp:dev in Docker,');
  // dragTo's own wait is Playwright's 30 s default, which a loaded machine has run out (seen once).
  await dockerImage.waitFor(WAIT);
  await dockerImage.dragTo(row(pane, 'Stevedore store,'), WAIT);
  await notification(page, 'Copied myapp:dev to the Stevedore store');
  await closeNotifications(page);
  await expand(row(pane, 'myapp,'));
  await row(pane, 'myapp:dev,').waitFor(WAIT);
  const stored = (await (await FileImageStore.open(storeDir)).list()).find((r) => r.refs.includes('docker.io/library/myapp:dev'));
  const inspected = await docker.docker(['image', 'inspect', '--format', '{{.Id}}', 'myapp:dev']);
  assert.equal(stored?.id, inspected.stdout.trim());
});

test('right-click an image → Save Image(s)… writes an archive through the save dialog', { timeout: 180_000 }, async () => {
  const { page } = vscode;
  const pane = imagesPane(page);
  await contextMenu(page, row(pane, 'team/app:1.0,'), 'Save Image(s)…');
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor(WAIT);
  const target = join(workspace, 'team_app_1.0.tar');
  // The dialog proposes the name made from the reference, in the workspace folder (it fills the
  // folder first, then the name).
  await until(async () => (await input.inputValue()) === target, `the save dialog never proposed ${target}`);
  await input.press('Enter');
  await notification(page, `Saved team/app:1.0 to ${target}`);
  // The progress notification goes away by itself once the save is done.
  await page.locator('.notifications-center .notification-list-item', { hasText: 'Saving team/app:1.0' }).waitFor({ state: 'detached', ...WAIT });
  await closeNotifications(page);
  assert.ok(existsSync(target) && statSync(target).size > 12_000, `${target} was not written`);
});

test('right-click a tar in the Explorer → Load Image Archive… loads its images', { timeout: 180_000 }, async () => {
  const { page } = vscode;
  await page.locator('.activitybar [aria-label^="Explorer"]').first().click();
  const explorerRow = (name) => page.locator(`.explorer-folders-view .monaco-list-row[aria-label^="${name}"]`).first();
  // Wait for the Explorer to list everything (the saved archive too), so no row moves under the mouse.
  for (const name of ['.vscode', 'from-elsewhere.tar', 'team_app_1.0.tar']) await explorerRow(name).waitFor(WAIT);
  const file = explorerRow('from-elsewhere.tar');
  await contextMenu(page, file, 'Load Image Archive…');
  await notification(page, 'Loaded loaded/app:1');
  await page.locator('.notifications-center .notification-list-item', { hasText: 'Loading from-elsewhere.tar' }).waitFor({ state: 'detached', ...WAIT });
  await closeNotifications(page);
  await openStevedore(page);
  await expand(row(imagesPane(page), 'loaded/app,'));
  await row(imagesPane(page), 'loaded/app:1,').waitFor(WAIT);
});

test('the Registries view expands a registry to repositories, tags and platforms', { timeout: 180_000 }, async () => {
  const { page } = vscode;
  // Make room: the Images view is collapsed, the Registries view gets the side bar.
  await setPaneExpanded(page, 'Images', false);
  await setPaneExpanded(page, 'Registries', true);
  const pane = registriesPane(page);
  await expand(row(pane, registry.host));
  // Repositories are grouped by namespace: demo/ holds app and multi.
  await expand(row(pane, 'demo'));
  await expand(row(pane, 'app'));
  await row(pane, '2.0').waitFor(WAIT);
  // Tags in version order, highest first.
  const tags = await pane.locator('.monaco-list-row[aria-level="4"]').evaluateAll((els) => els.map((el) => el.getAttribute('aria-label')));
  assert.deepEqual(tags.slice(0, 3), ['2.0', '1.1', '1.0']);
  await expand(row(pane, 'multi'));
  await expand(pane.locator('.monaco-list-row[aria-label="1"]'));
  await row(pane, 'linux/arm64/v8').waitFor(WAIT);
  await vscode.screenshot('registries-view', { readme: true });
  await page.locator('.pane-header[aria-label^="Images"] .title').click();
});

test('a pull shows per-layer progress in a notification; Cancel stops it and leaves the store as it was', { timeout: 300_000 }, async () => {
  const { page } = vscode;
  proxy.inject({ method: 'GET', path: new RegExp(`/blobs/${bigLayer}$`), fault: { kind: 'stall', afterBytes: 1_000_000 } });
  const before = await storeSnapshot(storeDir);
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor(WAIT);
  await input.fill('>Stevedore: Pull Image');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Stevedore: Pull Image…' }).first().waitFor(WAIT);
  await input.press('Enter');
  await page.locator('.quick-input-widget', { hasText: 'Pull an image' }).waitFor(WAIT);
  await input.fill(`${proxy.host}/big/app:1`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Pull this image' }).first().waitFor(WAIT);
  await input.press('Enter');

  const toast = await notification(page, `Pulling ${proxy.host}/big/app:1`);
  await proxy.stalled;
  // Two layers are in, the third hangs part way: the message names it with its bytes and percentage.
  await toast.locator('.notification-list-item-message', { hasText: /2\/3 layers · \S+\/\S+ \(\d+ %\) · [0-9a-f]{12} downloading 1MB\/3\.\d+MB \(3\d %\)/ }).waitFor(WAIT);
  await vscode.screenshot('progress-notification', { readme: true });

  await toast.locator('.monaco-button', { hasText: 'Cancel' }).click();
  // A message that stays (it has a button) says what was cancelled and that nothing changed.
  const cancelled = await notification(page, `Pull of ${proxy.host}/big/app:1 cancelled; nothing was changed.`);
  await cancelled.locator('.monaco-button', { hasText: 'Show Log' }).waitFor(WAIT);
  await closeNotifications(page);
  assert.deepEqual(await storeSnapshot(storeDir), before, 'the store changed although the pull was cancelled');
});

test('a pull in the Transfers view: a row per layer with its bar, bytes and state; its Cancel stops the pull and leaves the store as it was', { timeout: 300_000 }, async () => {
  const { page } = vscode;
  proxy.inject({ method: 'GET', path: new RegExp(`/blobs/${bigLayer}$`), fault: { kind: 'stall', afterBytes: 1_000_000 } });
  const before = await storeSnapshot(storeDir);
  // (the palette is opened again until the command shows: run alone, this test starts before the extension has)
  await runFromPalette(page, 'Stevedore: Pull Image…');
  const input = page.locator('.quick-input-widget input.input');
  await page.locator('.quick-input-widget', { hasText: 'Pull an image' }).waitFor(WAIT);
  await input.fill(`${proxy.host}/big/app:1`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Pull this image' }).first().waitFor(WAIT);
  await input.press('Enter');

  // The status bar says a transfer runs; clicking it opens the Transfers view (in the bottom panel).
  await page.locator('.statusbar-item', { hasText: `Pulling ${proxy.host}/big/app:1` }).first().click();
  const frame = page.frameLocator('iframe.webview.ready >> visible=true').frameLocator('#active-frame');
  const transfer = frame.locator('section.transfer[data-state="running"]', { hasText: `Pulling ${proxy.host}/big/app:1` });
  await transfer.waitFor(WAIT);
  // The stalled layer sits at 1 MB of about 3 MB; the other two are in (or were there already).
  const stalled = transfer.locator('.layer[data-phase="transferring"]', { hasText: /1MB \/ 3(\.\d+)?MB/ });
  await stalled.waitFor(WAIT);
  await until(async () => (await transfer.locator('.layer[data-phase="done"], .layer[data-phase="skipped"]').count()) === 2, 'the two other layers never showed as done');
  const rows = transfer.locator('.layer');
  assert.equal(await rows.count(), 3, 'one row per layer of the image');
  for (let i = 0; i < 3; i++) assert.equal(await rows.nth(i).locator('.bar[role="progressbar"]').count(), 1, `row ${i} has no bar`);
  // 1 MB of a little over 3 MB (random bytes do not compress).
  assert.equal(await stalled.locator('.bar').getAttribute('aria-valuenow'), '33');
  assert.match(await stalled.locator('.layer-status').textContent(), /^Downloading$/);
  assert.match(await stalled.locator('.layer-id').textContent(), new RegExp(`^${bigLayer.slice(7, 19)}$`));
  await page.mouse.move(0, 0);
  await vscode.screenshot('transfers-view', { readme: true });

  const id = await transfer.getAttribute('data-id');
  await transfer.locator('button.cancel').click();
  // This pull, not the one the notification's Cancel stopped before.
  await frame.locator(`section.transfer[data-id="${id}"][data-state="cancelled"]`, { hasText: 'nothing was changed' }).waitFor(WAIT);
  await notification(page, `Pull of ${proxy.host}/big/app:1 cancelled; nothing was changed.`);
  await closeNotifications(page);
  assert.deepEqual(await storeSnapshot(storeDir), before, 'the store changed although the pull was cancelled');
});

test('Remove on one of an image\'s three tags: the buttons say exactly what each does, and the result counts tags', { timeout: 180_000 }, async () => {
  const { page } = vscode;
  // The Stevedore side bar is still open from the tests before (its icon would close it).
  if (!(await page.locator('.pane-header[aria-label^="Images"]').isVisible())) await openStevedore(page);
  const header = page.locator('.pane-header[aria-label^="Images"]');
  if ((await header.getAttribute('aria-expanded')) !== 'true') await header.locator('.title').click();
  const pane = imagesPane(page);
  await expand(row(pane, 'shared/app,'));
  await contextMenu(page, row(pane, 'shared/app:1.0,'), 'Remove');
  const dialog = page.locator('.monaco-dialog-box');
  await dialog.waitFor(WAIT);
  const buttons = (await dialog.locator('.dialog-buttons .monaco-button').allTextContents()).map((t) => t.trim());
  assert.ok(buttons.includes('Untag 1.0'), `buttons: ${buttons.join(' | ')}`);
  assert.ok(buttons.includes('Delete image and its 3 tags'), `buttons: ${buttons.join(' | ')}`);
  await page.mouse.move(0, 0);
  await vscode.screenshot('remove-dialog');
  await dialog.locator('.dialog-buttons .monaco-button', { hasText: 'Delete image and its 3 tags' }).click();
  await notification(page, /Removed shared\/app:1\.0: 3 tags untagged, 1 image deleted, \S+ reclaimed\./);
  await closeNotifications(page);
  const store = await FileImageStore.open(storeDir);
  assert.ok(!(await store.list()).some((r) => r.refs.some((ref) => /shared\/app|mirror\/app/.test(ref))), 'a tag of the image is still in the store');
});
