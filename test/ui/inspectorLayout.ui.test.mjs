// UI test of the inspector's layout in a real VS Code (code-server) at the sizes people use: at
// 1280×720 with the side bar open and at 1920×1080, every column of the layers table fits without
// horizontal scrolling, the page itself does not scroll, the file tree takes at least half of the
// panel's height, the layer title stays on one line and Expand all / Collapse all are labelled
// buttons. An opaque directory has a mark of its own; the efficiency agrees with the wasted bytes
// (1 − wasted ÷ stored) and dive's score is shown as such. Screenshots of both sizes are kept:
// test-output/screenshots/inspector-1280x720.png and inspector-1920x1080.png.
//
// Run: node scripts/build.mjs && node --test test/ui/inspectorLayout.ui.test.mjs
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { tsImport } from 'tsx/esm/api';
import { inspectorFrame, openInspector } from '../../scripts/vscodeHost/inspectorDriver.mjs';
import { startVscode } from '../../scripts/vscodeHost/uiHarness.mjs';

const load = (path) => tsImport(new URL(path, import.meta.url).href, import.meta.url);
const { FileImageStore } = await load('../../src/core/store/fileImageStore.ts');
const { exampleLayers, storeLayeredImage } = await load('../helpers/layeredImages.ts');
const { analyseImageLayers } = await load('../../src/core/layers/imageLayers.ts');
const { percent } = await load('../../src/webview/inspector/formatting.ts');

const WAIT = { timeout: 60_000 };
// A long build step, as real images have: it must wrap or shorten, not widen the table.
const LONG_STEP = 'RUN /bin/sh -c set -eux; apt-get update; apt-get install -y --no-install-recommends ca-certificates curl gnupg netbase wget; rm -rf /var/lib/apt/lists/*';

let root;
let storeDir;
let analysis;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'stevedore-ui-layout-'));
  storeDir = join(root, 'store');
  const store = await FileImageStore.open(storeDir);
  const layers = await exampleLayers();
  layers[1] = { ...layers[1], createdBy: LONG_STEP };
  const record = await storeLayeredImage(store, layers, 'registry.example.com/team/layered-application-image:1.0.0-with-a-long-tag');
  analysis = (await analyseImageLayers(await store.load(record), { cache: false })).analysis;
});

after(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

/** Measures the inspector page: overflow of the layers table and the page, heights of the panel and the file tree. */
async function measure(frame) {
  return frame.locator('body').evaluate((body) => {
    // Runs in the page: its document and window, reached from the element (no browser globals here).
    const document = body.ownerDocument;
    const window = document.defaultView;
    const getComputedStyle = (el) => window.getComputedStyle(el);
    const scroll = document.querySelector('.table-scroll');
    const content = document.querySelector('.content');
    const tree = document.querySelector('.files');
    const title = document.querySelector('.files-title');
    const lineHeight = parseFloat(getComputedStyle(title).lineHeight) || 16;
    return {
      tableOverflowX: scroll.scrollWidth - scroll.clientWidth,
      pageOverflowY: content.scrollHeight - content.clientHeight,
      panelHeight: window.innerHeight,
      treeHeight: tree.getBoundingClientRect().height,
      titleLines: Math.round(title.getBoundingClientRect().height / lineHeight),
      headers: [...document.querySelectorAll('.layer-table th')].map((th) => {
        const r = th.getBoundingClientRect();
        // A header whose words do not fit its column is cut: scrollWidth beyond its box.
        return { text: th.textContent.trim(), right: r.right, width: r.width, cut: th.scrollWidth > th.clientWidth + 1 };
      }),
      viewportWidth: document.documentElement.clientWidth,
      // Cells cut short, but for Created by (shortened on purpose, the full step on hover).
      cutCells: [...document.querySelectorAll('.layer-table tr.layer td:not(.step)')].filter((td) => td.scrollWidth > td.clientWidth + 1).map((td) => td.textContent),
    };
  });
}

for (const size of [
  { width: 1280, height: 720, sideBar: true },
  { width: 1920, height: 1080, sideBar: true },
]) {
  test(`at ${size.width}×${size.height} the layers table fits, the page does not scroll and the file tree fills the rest`, { timeout: 300_000 }, async () => {
    const vscode = await startVscode({ env: { STEVEDORE_STORE: storeDir }, viewport: { width: size.width, height: size.height } });
    try {
      const { page } = vscode;
      // The Stevedore side bar open beside the panel, as a user has it.
      await page.locator('.activitybar [aria-label^="Stevedore"]').first().click();
      await page.locator('.pane-header[aria-label^="Images"]').waitFor(WAIT);
      await openInspector(page, 'layered-application-image');
      const frame = inspectorFrame(page);
      await frame.locator('tr.layer').first().waitFor(WAIT);
      await frame.locator('#efficiency').waitFor(WAIT);
      await frame.locator('tr.layer[data-layer="1"] td.num').click();
      await frame.locator('.tree-row', { hasText: 'conf.d' }).first().waitFor(WAIT);
      await page.mouse.move(0, 0);
      await vscode.screenshot(`inspector-${size.width}x${size.height}`, { readme: size.width === 1920 });

      const m = await measure(frame);
      const shown = m.headers.map((h) => h.text);
      for (const column of ['Created by', 'Size', 'Changes', 'Wasted', 'Media type']) assert.ok(shown.some((t) => t.startsWith(column)), `no ${column} column: ${shown.join(', ')}`);
      assert.ok(m.tableOverflowX <= 0, `the layers table scrolls sideways by ${m.tableOverflowX}px at ${size.width}×${size.height}`);
      for (const h of m.headers) {
        assert.ok(h.right <= m.viewportWidth + 0.5, `column ${h.text} ends at ${h.right}px, past the panel's ${m.viewportWidth}px`);
        assert.equal(h.cut, false, `the ${h.text} header is cut`);
      }
      assert.deepEqual(m.cutCells, [], 'cells of the layers table are cut short');
      // The digest columns show 12 hex digits in full; the whole digest is on hover and copy.
      const digest = await frame.locator('tr.layer[data-layer="0"] td.digest-col .digest-text').first().evaluate((el) => ({ text: el.textContent, title: el.title, cut: el.scrollWidth > el.clientWidth }));
      assert.match(digest.text, /^[0-9a-f]{12}$/);
      assert.match(digest.title, /^sha256:[0-9a-f]{64}$/);
      assert.equal(digest.cut, false, 'the short digest is cut');
      assert.ok(m.pageOverflowY <= 0, `the page scrolls by ${m.pageOverflowY}px besides the file tree`);
      assert.ok(m.treeHeight >= m.panelHeight / 2, `the file tree (with its toolbar) is ${Math.round(m.treeHeight)}px high in a ${m.panelHeight}px panel`);
      assert.equal(m.titleLines, 1, '"Layer 1" and its step wrap onto more than one line');

      // One efficiency, agreeing with the wasted bytes beside it; dive's score shown as such.
      assert.equal(await frame.locator('#efficiency').textContent(), percent(1 - analysis.wastedBytes / analysis.contentBytes));
      assert.notEqual(analysis.efficiency, 1 - analysis.wastedBytes / analysis.contentBytes, 'the test image does not tell the two scores apart');
      assert.equal(await frame.locator('#dive-score').textContent(), percent(analysis.efficiency));
      assert.match(await frame.locator('.dive-score').textContent(), /^dive's score: /);

      // Expand all / Collapse all say what they do, as text, not only as a tooltip.
      const expand = frame.getByRole('button', { name: 'Expand all' });
      const collapse = frame.getByRole('button', { name: 'Collapse all' });
      assert.equal((await expand.textContent()).trim(), 'Expand all');
      assert.equal((await collapse.textContent()).trim(), 'Collapse all');
      // Both on the toolbar's row: the same top.
      const [e, c] = [await expand.boundingBox(), await collapse.boundingBox()];
      assert.ok(Math.abs(e.y - c.y) < 2, 'Expand all and Collapse all sit on different rows');

      // The opaque directory etc/conf.d has its own mark, explained in the legend.
      const confd = frame.locator('.tree-row', { hasText: 'conf.d' }).first();
      assert.equal((await confd.locator('.mark').textContent()).trim(), 'O');
      assert.match(await confd.getAttribute('title') ?? await confd.locator('.mark').getAttribute('title'), /opaque/i);
      assert.match(await frame.locator('.legend').textContent(), /O opaque/);
    } finally {
      await vscode.close();
    }
  });
}
