// Drives the layer inspector in a VS Code started by uiHarness.mjs, for the UI test
// (test/ui/inspector.ui.test.mjs) and the first-paint benchmark (bench/inspectorBench.ts): runs
// commands from the palette, opens an image's inspector, and reaches into its webview.
//
// A webview is two iframes deep: VS Code's host frame (iframe.webview), then the page itself
// (#active-frame). Only the visible editor's webview exists: the inspector does not keep hidden
// ones alive.

const WAIT = { timeout: 60_000 };

/**
 * Runs a command by its palette title ("Stevedore: Open Layer Inspector…"). The palette lists the
 * commands known when it opens, so right after start-up (before the extension's contributions
 * arrive) it is closed and opened again until the command shows; the same when it closes because
 * something else took the focus.
 */
export async function runFromPalette(page, title) {
  const input = page.locator('.quick-input-widget input.input');
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  for (let attempt = 1; ; attempt++) {
    try {
      await page.keyboard.press('F1');
      // A webview that is just loading can take the focus, which closes the palette: try again.
      await input.fill(`>${title}`, { timeout: 10_000 });
      await row.waitFor({ timeout: 10_000 });
      break;
    } catch (err) {
      if (attempt >= 6) throw err;
      await page.keyboard.press('Escape');
    }
  }
  await input.press('Enter');
}

/**
 * Opens the inspector through the palette and picks `image` (its label in the quick pick, e.g.
 * "example/layers:1"). Resolves when the pick is made, returning the time it was (Date.now()).
 * A quick pick closes when something else takes the focus (a panel VS Code is still restoring
 * after a reload, say); then it is opened again.
 */
export async function openInspector(page, image) {
  const input = page.locator('.quick-input-widget input.input');
  for (let attempt = 1; ; attempt++) {
    await runFromPalette(page, 'Stevedore: Open Layer Inspector');
    try {
      // The image picker's title (src/extension/inspector/pickInspectorImage.ts).
      await page.locator('.quick-input-widget', { hasText: 'Inspect Layers and Digests' }).waitFor(WAIT);
      await input.fill(image, { timeout: 10_000 });
      await page.locator('.quick-input-list .monaco-list-row', { hasText: image }).first().waitFor({ timeout: 10_000 });
    } catch (err) {
      if (attempt >= 4) throw err;
      await page.keyboard.press('Escape');
      continue;
    }
    const picked = Date.now();
    await input.press('Enter');
    return picked;
  }
}

/** The inspector page of the visible webview. */
export function inspectorFrame(page) {
  return page.frameLocator('iframe.webview.ready >> visible=true').frameLocator('#active-frame');
}

/**
 * When the inspector page of the visible webview was first painted, and when VS Code began making
 * the frame it was written into (Date.now() times), from the page's own Paint Timing: its first
 * contentful paint, which has the header and layers table in it (VS Code shows a webview's page only
 * once it has loaded, and the page draws them before that). Exact, where waiting for a row with a
 * locator sees it only at Playwright's next poll (its back-off polls 0, 20, 70, 170, 270, 770… ms
 * after the wait starts). Call it once a layer row is there.
 */
export async function firstPaintAt(page) {
  for (const frame of page.frames()) {
    const times = await frame
      .evaluate(() => {
        // Runs in the page (globalThis is its window).
        const { document, performance } = globalThis;
        if (!document.querySelector('tr.layer')) return undefined;
        const fcp = performance.getEntriesByType('paint').find((p) => p.name === 'first-contentful-paint');
        return fcp ? { paintedAt: performance.timeOrigin + fcp.startTime, frameStartedAt: performance.timeOrigin } : undefined;
      })
      .catch(() => undefined);
    if (times !== undefined) return times;
  }
  throw new Error('no inspector page with a layer row has a first contentful paint');
}

/** Switches the workbench to its default light or dark theme (with "Toggle between Light/Dark Themes"). */
export async function useTheme(page, kind) {
  const isDark = async () => /\bvs-dark\b|\bhc-black\b/.test((await page.locator('.monaco-workbench').getAttribute('class')) ?? '');
  if ((await isDark()) === (kind === 'dark')) return;
  await runFromPalette(page, 'Preferences: Toggle between Light/Dark Themes');
  await page.locator(kind === 'dark' ? '.monaco-workbench.vs-dark' : '.monaco-workbench.vs').waitFor(WAIT);
}
