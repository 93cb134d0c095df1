// Runs the extension's integration suite (test/vscode/suite) inside a real VS Code: code-server
// on a loopback port, driven by headless Chromium. Installs the test host first if it is missing.
//
//   node scripts/vscodeHost/runSuite.mjs [--grep TEXT] [--timeout SECONDS] [--no-build] [--keep]
//                                        [--extension-path DIR] [--untrusted]
//
//   --grep TEXT          run only tests whose full name contains TEXT
//   --timeout SECONDS    fail if the suite has not finished by then (default 1800, a hang guard, or
//                        $STEVEDORE_VSCODE_TEST_TIMEOUT)
//   --no-build           do not run scripts/build.mjs first (the suite bundle is always rebuilt)
//   --keep               keep the temp folder (user data, logs, store) and print where it is
//   --extension-path     the extension to load (default: $STEVEDORE_EXTENSION_PATH, else the
//                        repository root); only the repository's own is built first
//   --untrusted          Workspace Trust on and the workspace left untrusted (Restricted Mode); the
//                        suite then registers its "untrusted workspace" tests (and only runs those
//                        unless --grep says otherwise)
//
// The suite appends JSON lines to $STEVEDORE_TEST_RESULTS; the tests see a fresh empty store in
// $STEVEDORE_STORE, and a cache folder of the run's own in $XDG_CACHE_HOME (the engine-image cache
// is written there, not in the user's). Prints each test, then `N passed, N failed`; exits 1 when a test failed or
// no result arrived in time.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { buildSuite } from './buildSuite.mjs';
import { extensionHostLogs, launchChromium, makeRunDir, openPage, REPO_ROOT, startCodeServer, tailFile, workbenchUrl } from './codeServer.mjs';
import { ensureVscodeHost } from './ensure.mjs';
import { consumeResults, newTally } from './results.mjs';

const { values: opts } = parseArgs({
  options: {
    grep: { type: 'string', default: '' },
    timeout: { type: 'string', default: process.env.STEVEDORE_VSCODE_TEST_TIMEOUT || '1800' },
    'no-build': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
    'extension-path': { type: 'string', default: process.env.STEVEDORE_EXTENSION_PATH || REPO_ROOT },
    untrusted: { type: 'boolean', default: false },
  },
});
const timeoutMs = Number(opts.timeout) * 1000;
if (!(timeoutMs > 0)) {
  console.error(`--timeout must be a number of seconds, not ${JSON.stringify(opts.timeout)}`);
  process.exit(2);
}
const extensionPath = resolve(opts['extension-path']);

const cleanups = [];
let cleaningUp;
function cleanUp() {
  cleaningUp ??= (async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (err) {
        console.error(`cleanup: ${err instanceof Error ? err.message : err}`);
      }
    }
  })();
  return cleaningUp;
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping code-server and the browser`);
    void cleanUp().then(() => process.exit(130));
  });
}

const started = Date.now();
let exitCode = 1;
let runDir;
try {
  exitCode = await main();
} catch (err) {
  console.error(`vscode suite: ${err instanceof Error ? err.message : err}`);
  if (runDir) printLogs(runDir);
  console.log('0 passed, 1 failed');
} finally {
  await cleanUp();
}
process.exit(exitCode);

async function main() {
  const host = await ensureVscodeHost();

  if (!opts['no-build'] && extensionPath === REPO_ROOT) {
    const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO_ROOT, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('scripts/build.mjs failed');
  }
  const manifest = JSON.parse(readFileSync(join(extensionPath, 'package.json'), 'utf8'));
  const entry = manifest.main && resolve(extensionPath, manifest.main);
  if (entry && !existsSync(entry) && !existsSync(entry + '.js')) throw new Error(`the extension's main ${entry} does not exist: run \`node scripts/build.mjs\``);
  const suite = await buildSuite();

  runDir = makeRunDir('stevedore-vscode-suite-', { untrusted: opts.untrusted });
  const dir = runDir;
  cleanups.push(() => (opts.keep ? console.log(`kept ${dir.root}`) : dir.cleanup()));
  const resultsFile = join(dir.root, 'results.ndjson');

  const server = await startCodeServer({
    codeServerBin: host.codeServerBin,
    runDir: dir,
    env: {
      STEVEDORE_TEST_RESULTS: resultsFile,
      STEVEDORE_TEST_GREP: opts.grep || (opts.untrusted ? 'untrusted workspace' : ''),
      STEVEDORE_TEST_WORKSPACE_TRUST: opts.untrusted ? 'untrusted' : 'trusted',
      STEVEDORE_STORE: dir.store,
      XDG_CACHE_HOME: dir.cache,
    },
  });
  cleanups.push(() => server.stop());

  const chromium = await launchChromium({ executablePath: host.chromium });
  cleanups.push(() => chromium.stop());
  const page = await openPage(chromium.browser, { logFile: join(dir.logs, 'browser-console.log') });
  const url = workbenchUrl(server, { folder: dir.workspace, extensionDevelopmentPath: extensionPath, extensionTestsPath: suite });
  await page.goto(url, { waitUntil: 'domcontentloaded' });

  const outcome = await followResults(resultsFile, timeoutMs, () => server.exited, server.logFile);
  const tookS = ((Date.now() - started) / 1000).toFixed(1);
  if (!outcome.ended) {
    const why = outcome.reason ?? `no result within ${timeoutMs / 1000} s`;
    console.log(`vscode suite did not finish: ${why}`);
    printLogs(dir);
    console.log(`${outcome.passed} passed, ${outcome.failed + 1} failed`);
    return 1;
  }
  if (outcome.failed > 0 || outcome.passed === 0) printLogs(dir);
  if (outcome.skipped > 0) console.log(`${outcome.skipped} skipped`);
  console.log(`vscode suite took ${tookS} s`);
  console.log(`${outcome.passed} passed, ${outcome.failed} failed`);
  return outcome.failed === 0 && outcome.passed > 0 ? 0 : 1;
}

/** Prints the suite's results as they are appended, until its end event, a dead host or the time limit. */
async function followResults(file, limitMs, serverExited, codeServerLog) {
  const tally = newTally();
  const deadline = Date.now() + limitMs;
  let offset = 0;
  let extensionHostExitedAt;
  while (Date.now() < deadline) {
    offset = consumeResults(file, offset, tally);
    if (tally.ended) return tally;
    const exited = serverExited();
    if (exited !== undefined) return { ...tally, reason: `code-server stopped (${exited})` };
    // The workbench ends the extension host once run() has settled, so an exit with no end
    // event means the suite never ran to the end (it failed to load, or the host crashed).
    if (extensionHostExitedAt === undefined && /Extension Host Process exited/.test(readText(codeServerLog))) {
      extensionHostExitedAt = Date.now();
    }
    if (extensionHostExitedAt !== undefined && Date.now() - extensionHostExitedAt > 3000) {
      return { ...tally, reason: 'the extension host exited before the suite finished (see the logs below)' };
    }
    await sleep(250);
  }
  return tally;
}

function readText(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function printLogs(dir) {
  const exthost = extensionHostLogs(dir.userDataDir);
  for (const file of exthost.slice(-4)) {
    // Leave out the extension path mappings VS Code lists after a warning, one line per extension.
    const lines = readText(file).trimEnd().split('\n').filter((l) => !/^\tfile:\/\/\S+ -> \S+$/.test(l));
    console.log(`--- ${relative(dir.root, file)} (last 60 lines) ---`);
    console.log(lines.slice(-60).join('\n'));
  }
  if (exthost.length === 0) console.log(`--- no extension host logs under ${join(dir.userDataDir, 'logs')} ---`);
  console.log('--- code-server log (last 20 lines) ---');
  console.log(tailFile(join(dir.logs, 'code-server.log'), 20));
  console.log('--- browser console (last 20 lines) ---');
  console.log(tailFile(join(dir.logs, 'browser-console.log'), 20));
}
