// Runs the product: VS Code (code-server, in the browser) with the Stevedore extension installed
// from a freshly packaged .vsix, on the default store the CLI uses too (STEVEDORE_STORE when set,
// else $XDG_DATA_HOME/stevedore or ~/.local/share/stevedore). Prints the local address to open.
// The test host is installed first when missing (a few minutes, once).
//
//   node scripts/vscodeHost/runProduct.mjs [--port N] [--no-build] [FOLDER]
//
//   --port N      listen on 127.0.0.1:N (default: 8080, or a free port when 8080 is taken)
//   --no-build    install the stevedore.vsix already there instead of packaging a new one
//   FOLDER        the workspace to open (default: the current directory)
//
// Settings, logins and installed extensions persist in ${XDG_CACHE_HOME:-~/.cache}/stevedore-test/product/.
// Stop with Ctrl-C: code-server is stopped with it.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { freePort, REPO_ROOT, stopProcessGroup } from './codeServer.mjs';
import { cacheRoot, ensureVscodeHost } from './ensure.mjs';

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  options: { port: { type: 'string' }, 'no-build': { type: 'boolean', default: false } },
});
const folder = resolve(positionals[0] ?? process.cwd());
const vsix = join(REPO_ROOT, 'stevedore.vsix');

const host = await ensureVscodeHost();
if (!opts['no-build'] || !existsSync(vsix)) {
  console.log('packaging the extension (npm run package)…');
  const r = spawnSync('npm', ['run', '--silent', 'package'], { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

const dir = join(cacheRoot(), 'product');
const userDataDir = join(dir, 'user-data');
const extensionsDir = join(dir, 'extensions');
mkdirSync(join(userDataDir, 'User'), { recursive: true });
mkdirSync(extensionsDir, { recursive: true });
const settingsFile = join(userDataDir, 'User', 'settings.json');
// A quiet first start: no welcome page, no telemetry, no update checks (kept if the user changes them).
if (!existsSync(settingsFile)) {
  writeFileSync(settingsFile, JSON.stringify({ 'workbench.startupEditor': 'none', 'telemetry.telemetryLevel': 'off', 'update.mode': 'none', 'extensions.autoCheckUpdates': false, 'security.workspace.trust.enabled': false, 'chat.disableAIFeatures': true, 'workbench.secondarySideBar.defaultVisibility': 'hidden' }, null, 2) + '\n');
}
const install = spawnSync(host.codeServerBin, ['--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--install-extension', vsix, '--force'], { encoding: 'utf8' });
if (install.status !== 0) {
  console.error(`installing ${vsix} into code-server failed:\n${install.stdout}${install.stderr}`);
  process.exit(1);
}

const port = opts.port ? Number(opts.port) : (await portFree(8080)) ? 8080 : await freePort();
const child = spawn(
  host.codeServerBin,
  ['--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, folder],
  { stdio: ['ignore', 'ignore', 'inherit'], detached: true },
);
let exited;
child.on('exit', (code, signal) => {
  exited = signal ?? code;
});
const stop = async () => {
  await stopProcessGroup(child.pid, () => exited !== undefined);
  process.exit(0);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

const origin = `http://127.0.0.1:${port}`;
for (;;) {
  if (exited !== undefined) {
    console.error(`code-server stopped (${exited})`);
    process.exit(1);
  }
  const ok = await fetch(`${origin}/healthz`).then((r) => r.ok, () => false);
  if (ok) break;
  await sleep(250);
}
const url = new URL(origin);
url.searchParams.set('folder', folder);
console.log(`\nStevedore in VS Code: ${url.href}`);
console.log(`store: ${process.env.STEVEDORE_STORE || 'the CLI\'s default (see README: The image store)'}; stop with Ctrl-C`);

function portFree(p) {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.once('error', () => resolvePort(false));
    server.listen(p, '127.0.0.1', () => server.close(() => resolvePort(true)));
  });
}
