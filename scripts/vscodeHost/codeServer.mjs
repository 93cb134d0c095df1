// Shared by runSuite.mjs and uiHarness.mjs: starts code-server (VS Code as a server) on a free
// loopback port and headless Chromium to drive it, and stops both by process group.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Chromium flags that work as root on these machines, with a closed network. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/** User settings for a quiet, deterministic workbench: no welcome page, no network, no trust prompt. */
const USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': false,
  'git.enabled': false,
  'chat.disableAIFeatures': true,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
};

/**
 * Workspace Trust on, the folder left untrusted (Restricted Mode) with no prompt or banner: for the
 * suite's untrusted-workspace tests (runSuite.mjs --untrusted).
 */
const UNTRUSTED_SETTINGS = {
  'security.workspace.trust.enabled': true,
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.banner': 'never',
  'security.workspace.trust.emptyWindow': false,
};

/**
 * A temp folder for one run: user data, extensions, workspace, store, logs, tmp. `cleanup()` removes it.
 * `untrusted: true` turns Workspace Trust on and leaves the workspace untrusted; `machineSettings`
 * go into the remote machine's settings file, the one code-server reads machine-scoped settings
 * (`stevedore.engines.dockerHost`, say) from: it ignores them in the user's and the workspace's.
 */
export function makeRunDir(prefix = 'stevedore-vscode-', { untrusted = false, machineSettings = {} } = {}) {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const dirs = {
    root,
    userDataDir: join(root, 'user-data'),
    extensionsDir: join(root, 'extensions'),
    workspace: join(root, 'workspace'),
    store: join(root, 'store'),
    logs: join(root, 'logs'),
    tmp: join(root, 'tmp'),
    /** XDG_CACHE_HOME of a test run's extension host: the engine-image cache and the CLI's compile cache, not the user's. */
    cache: join(root, 'cache'),
  };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true });
  mkdirSync(join(dirs.userDataDir, 'User'), { recursive: true });
  writeFileSync(join(dirs.userDataDir, 'User', 'settings.json'), JSON.stringify({ ...USER_SETTINGS, ...(untrusted ? UNTRUSTED_SETTINGS : {}) }, null, 2) + '\n');
  mkdirSync(join(dirs.userDataDir, 'Machine'), { recursive: true });
  writeFileSync(join(dirs.userDataDir, 'Machine', 'settings.json'), JSON.stringify(machineSettings, null, 2) + '\n');
  return { ...dirs, untrusted, cleanup: () => rmSync(root, { recursive: true, force: true }) };
}

export function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * Starts code-server in its own process group and waits until it answers /healthz.
 * `env` is added to this process's environment; the server's extension host inherits it.
 * Returns { port, origin, pid, logFile, exited, stop() }.
 */
export async function startCodeServer(options) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startCodeServerOnce(options);
    } catch (err) {
      // Another process may take the free port between our probe and code-server's bind.
      if (attempt >= 3 || !/EADDRINUSE/.test(String(err))) throw err;
    }
  }
}

async function startCodeServerOnce({ codeServerBin, runDir, folder = runDir.workspace, env = {}, readyTimeoutMs = 60_000 }) {
  const port = await freePort();
  const logFile = join(runDir.logs, 'code-server.log');
  const out = openSync(logFile, 'a');
  const args = [
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry',
    '--disable-update-check',
    ...(runDir.untrusted ? [] : ['--disable-workspace-trust']),
    '--user-data-dir', runDir.userDataDir,
    '--extensions-dir', runDir.extensionsDir,
    '--vscode-option', 'enable-smoke-test-driver',
    folder,
  ];
  // TMPDIR inside the run folder: the server's sockets and the extension host's temp files go when it does.
  const child = spawn(codeServerBin, args, { env: { ...process.env, TMPDIR: runDir.tmp, ...env }, stdio: ['ignore', out, out], detached: true });
  closeSync(out);
  let exited;
  child.on('exit', (code, signal) => (exited = signal ?? `exit ${code}`));
  const stop = () => stopProcessGroup(child.pid, () => exited !== undefined);

  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (exited !== undefined) throw new Error(`code-server stopped before it was ready (${exited}); its log:\n${tailFile(logFile, 40)}`);
    try {
      const res = await fetch(`${origin}/healthz`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`code-server did not answer on ${origin} within ${readyTimeoutMs / 1000} s; its log:\n${tailFile(logFile, 40)}`);
    }
    await sleep(250);
  }
  return {
    port,
    origin,
    pid: child.pid,
    logFile,
    stop,
    /** undefined while running, else how it ended ('exit 0', 'SIGTERM', ...). */
    get exited() {
      return exited;
    },
  };
}

/**
 * The page URL that opens `folder` with the extension under development loaded and, when
 * `extensionTestsPath` is given, runs that suite's `run()` in the extension host. The paths are
 * on the server: they become vscode-remote URIs, which the smoke-test driver option honours.
 */
export function workbenchUrl(server, { folder, extensionDevelopmentPath, extensionTestsPath }) {
  const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${resolve(p)}`;
  const payload = [];
  if (extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remote(extensionDevelopmentPath)]);
  if (extensionTestsPath) payload.push(['extensionTestsPath', remote(extensionTestsPath)]);
  const url = new URL(server.origin + '/');
  if (folder) url.searchParams.set('folder', resolve(folder));
  if (payload.length) url.searchParams.set('payload', JSON.stringify(payload));
  return url.href;
}

/**
 * Launches headless Chromium through a Playwright browser server, so its PID is known and the
 * whole process group can be killed. Each launch gets a fresh profile. Returns { browser, pid, stop() }.
 */
export async function launchChromium({ executablePath = '/usr/bin/chromium', headless = true } = {}) {
  const server = await chromium.launchServer({ executablePath, headless, args: CHROMIUM_ARGS });
  const pid = server.process().pid;
  let browser;
  try {
    browser = await chromium.connect(server.wsEndpoint());
  } catch (err) {
    await server.kill();
    throw err;
  }
  const stop = async () => {
    await Promise.race([browser.close().catch(() => {}), sleep(5000)]);
    await Promise.race([server.close().catch(() => {}), sleep(5000)]);
    await stopProcessGroup(pid, () => !isAlive(pid));
  };
  return { browser, pid, stop };
}

/** Opens a page whose console and page errors go to a log file. */
export async function openPage(browser, { logFile, viewport = { width: 1400, height: 900 } } = {}) {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  if (logFile) {
    const log = (line) => {
      try {
        writeFileSync(logFile, line + '\n', { flag: 'a' });
      } catch {
        // The run folder may already be gone while the page shuts down.
      }
    };
    // The workbench styles its log lines ('%c INFO color: #33f message'): keep the level and message.
    page.on('console', (msg) => log(`[${msg.type()}] ${msg.text().replace(/^%c\s*(\w+)\s+color:\s*#[0-9a-f]+\s*/i, '$1 ')}`));
    page.on('pageerror', (err) => log(`[pageerror] ${err.message}`));
  }
  return page;
}

/** TERM the process group, then KILL it if it has not gone within `graceMs`. */
export async function stopProcessGroup(pid, hasExited, graceMs = 5000) {
  if (!pid) return;
  signalGroup(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (hasExited() && !groupAlive(pid)) return;
    await sleep(100);
  }
  signalGroup(pid, 'SIGKILL');
}

function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

export function tailFile(file, lines) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return `(no ${file})`;
  }
}

/**
 * The extension host logs of a run, oldest first: USERDATA/logs/<timestamp>/exthost<N>/ holds the
 * host's own log (remoteexthost.log under code-server, exthost.log in desktop) and one folder per
 * extension's output channels. `all` includes the other extensions' channels.
 */
export function extensionHostLogs(userDataDir, { extensionPrefix = 'stevedore.', all = false } = {}) {
  const found = [];
  const walk = (dir, inExthost, ownChannel) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      const st = statSync(full);
      if (st.isDirectory()) walk(full, inExthost || name.startsWith('exthost'), ownChannel || (inExthost && name.startsWith(extensionPrefix)));
      else if (inExthost && name.endsWith('.log') && (all || ownChannel || /exthost/i.test(name))) found.push({ file: full, mtime: st.mtimeMs });
    }
  };
  walk(join(userDataDir, 'logs'), false, false);
  return found.sort((a, b) => a.mtime - b.mtime).map((f) => f.file);
}
