// UI test: VS Code (code-server) opens with the extension loaded, and the workbench renders.
// Run: node scripts/build.mjs && node --test test/ui/   (screenshots land in test-output/screenshots/)
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { extensionLoaded, startVscode } from '../../scripts/vscodeHost/uiHarness.mjs';

let vscode;
before(async () => {
  vscode = await startVscode();
}, { timeout: 15 * 60_000 }); // a first run installs the test host

after(async () => {
  await vscode?.close();
});

test('the workbench renders with the extension loaded', { timeout: 120_000 }, async () => {
  const { page } = vscode;
  // The workspace folder is open in the Explorer: the workbench got past its loading state.
  await page.locator('.explorer-folders-view, .explorer-viewlet .pane-header').first().waitFor({ state: 'visible', timeout: 60_000 });
  assert.ok(await page.locator('.monaco-workbench .part.editor').isVisible(), 'the editor area is not visible');
  assert.ok(await page.locator('.monaco-workbench .part.sidebar').isVisible(), 'the side bar is not visible');
  assert.ok(extensionLoaded(vscode.server), 'code-server did not load the extension under development');
  assert.match(await page.title(), /\[Extension Development Host\]/);

  const file = await vscode.screenshot('workbench');
  const png = readFileSync(file);
  assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG', `${file} is not a PNG`);
  assert.ok(png.length > 10_000, `${file} is suspiciously small (${png.length} bytes)`);
});
