// Helpers for UI tests (test/ui/*.ui.test.mjs, run with `node --test`): a real VS Code (code-server)
// with the extension under development loaded, driven by Playwright in headless Chromium.
//
//   const vscode = await startVscode();          // installs the test host first if needed
//   try {
//     await vscode.page.click('...');
//     await vscode.screenshot('tree');            // test-output/screenshots/tree.png
//   } finally {
//     await vscode.close();
//   }
//
// The extension must be built first (`node scripts/build.mjs`): this loads dist/ as it is.
// $STEVEDORE_EXTENSION_PATH loads another copy of the extension instead (an unpacked .vsix, say).
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { launchChromium, makeRunDir, openPage, REPO_ROOT, startCodeServer, workbenchUrl } from './codeServer.mjs';
import { ensureVscodeHost } from './ensure.mjs';

export { REPO_ROOT };
export const SCREENSHOT_DIR = join(REPO_ROOT, 'test-output', 'screenshots');
/**
 * The README's screenshots (media/readme/), written by the UI tests that take them when
 * STEVEDORE_README_SCREENSHOTS=1: `STEVEDORE_README_SCREENSHOTS=1 npm run test:ui` regenerates them.
 */
export const README_SCREENSHOT_DIR = join(REPO_ROOT, 'media', 'readme');

/**
 * Starts code-server with the extension at `extensionPath` loaded (no test suite) and opens the
 * workbench in headless Chromium, waiting until it has rendered. `folder` is opened as the
 * workspace (default: a new empty folder); `env` reaches the extension host (STEVEDORE_STORE
 * defaults to a new empty store, XDG_CACHE_HOME to the run's own cache folder); `machineSettings` go into the machine's settings file (see makeRunDir). Returns { page, browser, server, runDir, url, screenshot(name), close() }.
 */
export async function startVscode({ extensionPath = process.env.STEVEDORE_EXTENSION_PATH || REPO_ROOT, folder, env = {}, machineSettings = {}, viewport, workbenchTimeoutMs = 300_000, keep = false } = {}) {
  const host = await ensureVscodeHost();
  assertExtensionBuilt(extensionPath);
  const runDir = makeRunDir('stevedore-vscode-ui-', { machineSettings });
  const stops = [];
  const close = async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    stops.length = 0;
  };
  stops.push(async () => (keep ? console.log(`kept ${runDir.root}`) : runDir.cleanup()));
  try {
    const server = await startCodeServer({
      codeServerBin: host.codeServerBin,
      runDir,
      folder: folder ?? runDir.workspace,
      env: { STEVEDORE_STORE: runDir.store, XDG_CACHE_HOME: runDir.cache, ...env },
    });
    stops.push(server.stop);
    const chromium = await launchChromium({ executablePath: host.chromium });
    stops.push(chromium.stop);
    const page = await openPage(chromium.browser, { logFile: join(runDir.logs, 'browser-console.log'), ...(viewport ? { viewport } : {}) });
    const url = workbenchUrl(server, { folder: folder ?? runDir.workspace, extensionDevelopmentPath: extensionPath });
    // Playwright's own 30 s default is reached on a loaded machine; this limit only guards a hang.
    await page.goto(url, { waitUntil: 'domcontentloaded', timeout: workbenchTimeoutMs });
    await waitForWorkbench(page, { timeoutMs: workbenchTimeoutMs });
    await waitForExtensionHost(server, extensionPath, { timeoutMs: workbenchTimeoutMs });
    return { page, browser: chromium.browser, server, runDir, url, screenshot: (name, options) => screenshot(page, name, options), close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Waits until the workbench has rendered: its root, the activity bar and the status bar are visible. */
export async function waitForWorkbench(page, { timeoutMs = 90_000 } = {}) {
  await page.waitForSelector('.monaco-workbench', { state: 'visible', timeout: timeoutMs });
  await page.waitForSelector('.monaco-workbench .part.activitybar', { state: 'visible', timeout: timeoutMs });
  await page.waitForSelector('.monaco-workbench .part.statusbar', { state: 'visible', timeout: timeoutMs });
}

/**
 * Saves a PNG of the page as test-output/screenshots/<name>.png and returns its path. With
 * `{ readme: true }` and STEVEDORE_README_SCREENSHOTS=1 it is also written to media/readme/<name>.png.
 */
export async function screenshot(page, name, { readme = false } = {}) {
  if (!/^[\w.-]+$/.test(name)) throw new Error(`screenshot name ${JSON.stringify(name)} must be letters, digits, '.', '-' or '_'`);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file });
  if (readme && process.env.STEVEDORE_README_SCREENSHOTS === '1') {
    mkdirSync(README_SCREENSHOT_DIR, { recursive: true });
    copyFileSync(file, join(README_SCREENSHOT_DIR, `${name}.png`));
  }
  return file;
}

/**
 * Waits until code-server has loaded the extension under development and launched the extension
 * host that runs it. (Activation is up to the extension's activation events; a test that needs it
 * waits for what the extension shows.)
 */
export async function waitForExtensionHost(server, extensionPath, { timeoutMs = 90_000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const log = existsSync(server.logFile) ? readFileSync(server.logFile, 'utf8') : '';
    const loadedAt = log.indexOf(`Loading development extension at ${resolve(extensionPath)}`);
    if (loadedAt >= 0 && /Launched Extension Host Process/.test(log)) return;
    if (server.exited !== undefined) throw new Error(`code-server stopped (${server.exited}) before the extension host started`);
    if (Date.now() > deadline) {
      throw new Error(`no extension host running ${extensionPath} after ${timeoutMs / 1000} s; code-server log: ${server.logFile}`);
    }
    await sleep(250);
  }
}

/** True once code-server has logged that it loaded the extension under development from `extensionPath`. */
export function extensionLoaded(server, extensionPath = process.env.STEVEDORE_EXTENSION_PATH || REPO_ROOT) {
  const log = existsSync(server.logFile) ? readFileSync(server.logFile, 'utf8') : '';
  return log.includes(`Loading development extension at ${resolve(extensionPath)}`);
}

function assertExtensionBuilt(extensionPath) {
  const manifest = JSON.parse(readFileSync(join(extensionPath, 'package.json'), 'utf8'));
  const entry = manifest.main && resolve(extensionPath, manifest.main);
  if (entry && !existsSync(entry) && !existsSync(entry + '.js')) {
    throw new Error(`the extension's main ${entry} does not exist: run \`node scripts/build.mjs\` first`);
  }
}
