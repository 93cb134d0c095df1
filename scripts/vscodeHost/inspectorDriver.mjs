// Drives the layer inspector in a VS Code started by uiHarness.mjs, for the UI test
// (test/ui/inspector.ui.test.mjs) and the first-paint benchmark (bench/inspectorBench.ts): runs
// commands from the palette, opens an image's inspector, and reaches into its webview.
//
// A webview is two iframes deep: VS Code's host frame (iframe.webview), then the page itself
// (#active-frame). Only the visible editor's webview exists: the inspector does not keep hidden
// ones alive.

const WAIT = { timeout: 60_000 };

/** Runs a command by its palette title ("Stevedore: Open Layer Inspector…"). */
export async function runFromPalette(page, title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input.input');
  await input.waitFor(WAIT);
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor(WAIT);
  await input.press('Enter');
}

/**
 * Opens the inspector through the palette and picks `image` (its label in the quick pick, e.g.
 * "example/layers:1"). Resolves when the pick is made, returning the time it was (Date.now()).
 */
export async function openInspector(page, image) {
  await runFromPalette(page, 'Stevedore: Open Layer Inspector');
  const input = page.locator('.quick-input-widget input.input');
  // The image picker's title (src/extension/inspector/pickInspectorImage.ts).
  await page.locator('.quick-input-widget', { hasText: 'Inspect Layers and Digests' }).waitFor(WAIT);
  await input.fill(image);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: image }).first().waitFor(WAIT);
  const picked = Date.now();
  await input.press('Enter');
  return picked;
}

/** The inspector page of the visible webview. */
export function inspectorFrame(page) {
  return page.frameLocator('iframe.webview.ready >> visible=true').frameLocator('#active-frame');
}

/** Switches the workbench to its default light or dark theme (with "Toggle between Light/Dark Themes"). */
export async function useTheme(page, kind) {
  const isDark = async () => /\bvs-dark\b|\bhc-black\b/.test((await page.locator('.monaco-workbench').getAttribute('class')) ?? '');
  if ((await isDark()) === (kind === 'dark')) return;
  await runFromPalette(page, 'Preferences: Toggle between Light/Dark Themes');
  await page.locator(kind === 'dark' ? '.monaco-workbench.vs-dark' : '.monaco-workbench.vs').waitFor(WAIT);
}
