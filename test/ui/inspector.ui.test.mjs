// UI test of the layer and digest inspector in a real VS Code (code-server) driven by Playwright:
// opened from the command palette and from the Images view, a layer selected, its files filtered and shown merged, Verify
// run to the end, the panel restored as it was left after the window reloads, and a layer of
// 100,000 files scrolled to its end with only a screenful of rows in the page, and the error a
// restored panel shows when its image is gone; the Signatures section of an unsigned image. Screenshots of the panel in a light and a dark
// theme go to test-output/screenshots/inspector-*.png.
//
// Run: node scripts/build.mjs && node --test test/ui/inspector.ui.test.mjs
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { tsImport } from 'tsx/esm/api';
import { inspectorFrame, openInspector, runFromPalette, useTheme } from '../../scripts/vscodeHost/inspectorDriver.mjs';
import { startVscode, waitForWorkbench } from '../../scripts/vscodeHost/uiHarness.mjs';

const load = (path) => tsImport(new URL(path, import.meta.url).href, import.meta.url);
const { FileImageStore } = await load('../../src/core/store/fileImageStore.ts');
const { removeImages } = await load('../../src/core/store/removeImages.ts');
const { bulkTar, exampleLayers, storeLayeredImage } = await load('../helpers/layeredImages.ts');

const WAIT = { timeout: 60_000 };

let root;
let store;
let vscode;
let example;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'stevedore-ui-inspector-'));
  const storeDir = join(root, 'store');
  store = await FileImageStore.open(storeDir);
  example = await storeLayeredImage(store, await exampleLayers(), 'example/layers:1', { emptySteps: { 1: 'ENV PATH=/usr/local/bin:/usr/bin', 2: 'CMD ["sh"]' } });
  const entries = [{ name: 'usr/' }, { name: 'usr/share/' }, { name: 'usr/share/doc/' }];
  for (let d = 0; d < 100; d++) {
    entries.push({ name: `usr/share/doc/package-${String(d).padStart(2, '0')}/` });
    for (let f = 0; f < 1000; f++) entries.push({ name: `usr/share/doc/package-${String(d).padStart(2, '0')}/file-${String(f).padStart(3, '0')}.txt`, content: f % 10 === 0 ? `text ${d} ${f}\n` : '' });
  }
  await storeLayeredImage(store, [{ tar: bulkTar(entries), createdBy: 'COPY docs /usr/share/doc' }], 'many/files:1');
  // A config that lies about its layer's diffID: Verify must say which digest does not match.
  const lie = `sha256:${'0'.repeat(64)}`;
  await storeLayeredImage(store, [{ tar: bulkTar([{ name: 'app/' }, { name: 'app/run.sh', content: 'echo hi\n' }]), createdBy: 'COPY run.sh /app/' }], 'broken/diffid:1', { diffIds: [lie] });
  vscode = await startVscode({ env: { STEVEDORE_STORE: storeDir }, viewport: { width: 1440, height: 960 } });
}, { timeout: 15 * 60_000 });

after(async () => {
  await vscode?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

/** The names in the file tree's rows, top to bottom as drawn. */
async function treeNames(frame) {
  const rows = await frame.locator('.tree-row:not([hidden])').evaluateAll((els) =>
    els
      // Rows are placed with transform: translateY(Npx) (see fileTreeView.ts).
      .map((el) => ({ y: Number(/translateY\((-?[\d.]+)px\)/.exec(el.style.transform)?.[1] ?? 0), text: `${el.querySelector('.mark')?.textContent ?? ''} ${el.querySelector('.name-text')?.textContent ?? ''}`.trim() }))
      .sort((a, b) => a.y - b.y)
      .map((r) => r.text),
  );
  return rows;
}

/** Runs a test's steps; when one fails, keeps a screenshot of the moment (test-output/screenshots/inspector-failed-*.png). */
function uiTest(name, options, fn) {
  test(name, options, async () => {
    try {
      await fn();
    } catch (err) {
      const shot = name.replace(/[^\w]+/g, '-').slice(0, 60);
      await vscode?.screenshot(`inspector-failed-${shot}`).catch(() => undefined);
      throw err;
    }
  });
}

/** Re-reads the tree until it shows exactly `expected` (the virtual list draws on the next animation frame). */
async function untilTreeNames(frame, expected) {
  const deadline = Date.now() + WAIT.timeout;
  let names = await treeNames(frame);
  while (JSON.stringify(names) !== JSON.stringify(expected) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    names = await treeNames(frame);
  }
  assert.deepEqual(names, expected);
}

uiTest('the inspector opens from the command palette with the image header and the layers table', { timeout: 180_000 }, async () => {
  const { page } = vscode;
  await useTheme(page, 'light');
  await runFromPalette(page, 'View: Close Primary Side Bar');
  await openInspector(page, 'example/layers:1');
  const frame = inspectorFrame(page);
  await frame.locator('tr.layer').first().waitFor(WAIT);
  assert.equal(await frame.locator('h1.title').textContent(), 'example/layers:1');
  const facts = await frame.locator('.facts').textContent();
  assert.ok(facts.includes(example.id), 'the image ID (config digest) is in the header');
  assert.ok(facts.includes(example.manifestDigest), 'the manifest digest is in the header');
  assert.equal(await frame.locator('tr.layer').count(), 3);
  assert.deepEqual(await frame.locator('tr.empty-step .step-text').allTextContents(), ['ENV PATH=/usr/local/bin:/usr/bin', 'CMD ["sh"]']);
  assert.deepEqual(await frame.locator('tr.layer td.step').allTextContents(), ['ADD rootfs.tar /', 'RUN configure', 'RUN tidy']);
  // The analysis fills in the efficiency score and the largest wasted files, and layer 0's files show.
  await frame.locator('#efficiency').waitFor(WAIT);
  assert.match(await frame.locator('#efficiency').textContent(), /^\d+\.\d\d %$/);
  await frame.locator('.wasted-item', { hasText: '/var/cache/big.bin' }).waitFor(WAIT);
  await frame.locator('.tree-row', { hasText: 'os-release' }).waitFor(WAIT);
  // The Signatures section: an image imported here has none kept, and says so in its summary line;
  // opened, it says why.
  await frame.locator('details.signatures[data-state="unsigned"]').waitFor(WAIT);
  assert.match(await frame.locator('details.signatures > summary').textContent(), /^Signatures\s+Unsigned/);
  await frame.locator('details.signatures > summary').click();
  await frame.locator('details.signatures', { hasText: 'No signature was verified when this image came into the store' }).waitFor(WAIT);
  await vscode.screenshot('inspector-signatures-unsigned');
  await frame.locator('details.signatures > summary').click();
  // Copy buttons put the full digest on the clipboard (the host confirms in the status bar).
  await frame.locator('.facts button.copy[aria-label="Copy image ID"]').click();
  await page.locator('.statusbar', { hasText: 'Copied image ID' }).waitFor(WAIT);
  // Hovering a digest's help explains it.
  await frame.locator('.facts dt', { hasText: 'Image ID' }).locator('.help').hover();
  await frame.locator('.tooltip', { hasText: 'sha256 of the image config' }).waitFor(WAIT);
  await page.mouse.move(0, 0);
});

uiTest('selecting a layer shows its changes; the filter, "only changes" and the merged view narrow and widen them', { timeout: 180_000 }, async () => {
  const frame = inspectorFrame(vscode.page);
  await frame.locator('tr.layer[data-layer="1"]').click();
  await frame.locator('tr.layer.selected[data-layer="1"]').waitFor(WAIT);
  await untilTreeNames(frame, ['etc/', 'O conf.d/', 'D a.conf', 'D b.conf', 'A c.conf', 'M hosts', 'passwd', 'A home/', 'A user/', 'A notes.txt', 'usr/', 'bin/', 'M sh', 'var/', 'cache/', 'D big.bin']);
  await frame.locator('body.vscode-light').waitFor(WAIT);
  await vscode.page.mouse.move(0, 0);
  await vscode.screenshot('inspector-light');

  await frame.locator('#filter').fill('conf');
  await untilTreeNames(frame, ['etc/', 'O conf.d/', 'D a.conf', 'D b.conf', 'A c.conf']);
  assert.equal(await frame.locator('.files-count').textContent(), '5 of 16 entries shown');

  await frame.locator('#filter').fill('');
  await frame.locator('#changes-only').check();
  await untilTreeNames(frame, ['etc/', 'O conf.d/', 'D a.conf', 'D b.conf', 'A c.conf', 'M hosts', 'A home/', 'A user/', 'A notes.txt', 'usr/', 'bin/', 'M sh', 'var/', 'cache/', 'D big.bin']);
  await frame.locator('#changes-only').uncheck();

  await frame.locator('#view-merged').click();
  await frame.locator('#filter').fill('etc/');
  // The union filesystem after layer 1: the base layer's os-release shows through, unmarked.
  await untilTreeNames(frame, ['etc/', 'O conf.d/', 'D a.conf', 'D b.conf', 'A c.conf', 'M hosts', 'os-release', 'passwd']);
});

uiTest('Verify recomputes every digest and marks each one as matching', { timeout: 180_000 }, async () => {
  const frame = inspectorFrame(vscode.page);
  await frame.locator('#verify').click();
  await frame.locator('.verify-status.ok', { hasText: 'All 8 digests match' }).waitFor(WAIT);
  // Image ID and manifest digest in the header, and both digests of each of the three layers.
  assert.equal(await frame.locator('.check[data-check="match"]').count(), 8);
  assert.equal(await frame.locator('.check[data-check]:not([data-check="match"])').count(), 0);
  await useTheme(vscode.page, 'dark');
  await frame.locator('body.vscode-dark').waitFor(WAIT);
  await vscode.page.mouse.move(0, 0);
  await vscode.screenshot('inspector-dark');
});

uiTest('after the window reloads, the panel comes back on the same layer, view and filter', { timeout: 240_000 }, async () => {
  const { page } = vscode;
  // Developer: Reload Window shuts the workbench down as VS Code does (saving editor and webview
  // state) before the page reloads; the serializer then brings the panel back.
  const reloaded = page.waitForEvent('load', WAIT);
  await runFromPalette(page, 'Developer: Reload Window');
  await reloaded;
  await waitForWorkbench(page);
  const frame = inspectorFrame(page);
  await frame.locator('tr.layer.selected[data-layer="1"]').waitFor(WAIT);
  assert.equal(await frame.locator('#filter').inputValue(), 'etc/');
  assert.equal(await frame.locator('#view-merged').getAttribute('aria-checked'), 'true');
  await untilTreeNames(frame, ['etc/', 'O conf.d/', 'D a.conf', 'D b.conf', 'A c.conf', 'M hosts', 'os-release', 'passwd']);
});

uiTest('from the Images view, Inspect on a layer of 100,000 files: only a screenful of rows exists, the end is one key away, and the filter finds the 100 files among them', { timeout: 240_000 }, async () => {
  const { page } = vscode;
  // Right-click the image in the Images view → Inspect (the sidebar was closed by the first test).
  await page.locator('.activitybar [aria-label^="Stevedore"]').first().click();
  const images = page.locator('.pane', { has: page.locator('.pane-header[aria-label^="Images"]') });
  const group = images.locator('.monaco-list-row[aria-label^="many/files,"]').first();
  await group.waitFor(WAIT);
  if ((await group.getAttribute('aria-expanded')) !== 'true') await group.click();
  const item = images.locator('.monaco-list-row[aria-label^="many/files:1,"]').first();
  await item.waitFor(WAIT);
  const tab = page.locator('.tabs-container .tab.active', { hasText: 'Inspect many/files:1' });
  // The context menu sometimes closes without running the item it was given (seen once in CI on a
  // busy machine): the menu is opened again, at most three times, and only the tab decides.
  for (let attempt = 1; ; attempt++) {
    await item.click({ button: 'right' });
    const inspect = page.getByRole('menuitem', { name: 'Inspect', exact: true });
    await inspect.waitFor(WAIT);
    // Menus ignore a click that comes right after they open (against accidental picks); the
    // keyboard has no such guard.
    await inspect.hover();
    await inspect.focus();
    await page.keyboard.press('Enter');
    if (attempt === 3) break;
    if (await tab.waitFor({ timeout: 20_000 }).then(() => true, () => false)) break;
    await page.keyboard.press('Escape');
  }
  await tab.waitFor(WAIT);
  const frame = inspectorFrame(page);
  await frame.locator('h1.title', { hasText: 'many/files:1' }).waitFor(WAIT);
  await runFromPalette(page, 'View: Close Primary Side Bar');
  await frame.locator('.tree-row', { hasText: 'package-00' }).first().waitFor(WAIT);
  assert.equal(await frame.locator('.files-count').textContent(), '100,103 entries');
  const drawn = await frame.locator('.tree-row').count();
  assert.ok(drawn < 120, `${drawn} row elements for 100,103 entries: the list is not virtualised`);

  await frame.locator('.tree-viewport').focus();
  await frame.locator('.tree-viewport').press('End');
  await frame.locator('.tree-row.focused', { hasText: 'file-999.txt' }).waitFor(WAIT);
  assert.equal(await frame.locator('#tree-active').getAttribute('aria-level'), '5');

  await frame.locator('#filter').fill('file-999.');
  await frame.locator('.files-count', { hasText: '203 of 100,103 entries shown' }).waitFor(WAIT);
  await page.mouse.move(0, 0);
  await vscode.screenshot('inspector-many-files');
});

uiTest('Verify names the digest that does not match, and marks it', { timeout: 180_000 }, async () => {
  const { page } = vscode;
  await openInspector(page, 'broken/diffid:1');
  const frame = inspectorFrame(page);
  await frame.locator('h1.title', { hasText: 'broken/diffid:1' }).waitFor(WAIT);
  await frame.locator('#verify').click();
  const status = frame.locator('.verify-status.bad');
  await status.waitFor(WAIT);
  assert.match(await status.textContent(), /1 of 4 digests does not match.*Layer 0 \(diffID\): Layer 0 uncompresses to sha256:[a-f0-9]{64}, but the config lists diffID sha256:0{64}/);
  assert.equal(await frame.locator('.check[data-check="match"]').count(), 3);
  assert.equal(await frame.locator('tr.layer td.digest-col .check[data-check="mismatch"]').count(), 1);
  await page.mouse.move(0, 0);
  await vscode.screenshot('inspector-mismatch');
});

uiTest('a restored panel whose image was removed meanwhile says so, instead of spinning', { timeout: 240_000 }, async () => {
  const { page } = vscode;
  await removeImages(store, ['many/files:1']);
  const reloaded = page.waitForEvent('load', WAIT);
  await runFromPalette(page, 'Developer: Reload Window');
  await reloaded;
  await waitForWorkbench(page);
  await page.locator('.tabs-container .tab', { hasText: 'Inspect many/files:1' }).click();
  const frame = inspectorFrame(page);
  const error = frame.locator('.screen-error');
  await error.waitFor(WAIT);
  assert.match(await error.textContent(), /Cannot inspect this image.*many\/files:1 .*is no longer in the store.*Pull or load it again/);
  await frame.locator('#retry').waitFor(WAIT);
  await vscode.screenshot('inspector-error');
});
