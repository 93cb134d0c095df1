// Runs the same suite as runSuite.mjs, but in VS Code desktop through @vscode/test-electron, for
// machines that can download VS Code (these machines cannot: use runSuite.mjs, code-server, here).
// On Linux without a display, run it under `xvfb-run -a`.
//
//   node scripts/vscodeHost/runDesktop.mjs [--grep TEXT] [--no-build] [--vscode-version VERSION]
//
// VERSION defaults to $STEVEDORE_VSCODE_VERSION, else the newest stable release that package.json's
// engines.vscode accepts. Downloads are kept in ${XDG_CACHE_HOME:-~/.cache}/stevedore-test/vscode-desktop.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runTests } from '@vscode/test-electron';
import { buildSuite } from './buildSuite.mjs';
import { makeRunDir, REPO_ROOT } from './codeServer.mjs';
import { cacheRoot } from './ensure.mjs';
import { consumeResults, newTally } from './results.mjs';

const { values: opts } = parseArgs({
  options: {
    grep: { type: 'string', default: '' },
    'no-build': { type: 'boolean', default: false },
    'vscode-version': { type: 'string', default: process.env.STEVEDORE_VSCODE_VERSION || '' },
  },
});

if (!opts['no-build']) {
  const r = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (r.status !== 0) process.exit(1);
}
const suite = await buildSuite();
const dir = makeRunDir('stevedore-vscode-desktop-');
const resultsFile = join(dir.root, 'results.ndjson');

let exitCode = 1;
let launchError;
try {
  exitCode = await runTests({
    ...(opts['vscode-version'] ? { version: opts['vscode-version'] } : {}),
    cachePath: join(cacheRoot(), 'vscode-desktop'),
    extensionDevelopmentPath: REPO_ROOT,
    extensionTestsPath: suite,
    extensionTestsEnv: {
      STEVEDORE_TEST_RESULTS: resultsFile,
      STEVEDORE_TEST_GREP: opts.grep,
      STEVEDORE_STORE: dir.store,
      XDG_CACHE_HOME: dir.cache,
    },
    launchArgs: [
      dir.workspace,
      '--disable-extensions',
      '--disable-workspace-trust',
      '--skip-welcome',
      '--skip-release-notes',
      '--user-data-dir', dir.userDataDir,
      '--extensions-dir', dir.extensionsDir,
    ],
  });
} catch (err) {
  // runTests rejects when VS Code cannot be downloaded or started, or exits non-zero (a test failed).
  launchError = err;
}

const tally = newTally();
consumeResults(resultsFile, 0, tally);
dir.cleanup();
if (!tally.ended) {
  console.log(`the suite did not finish in VS Code desktop: ${launchError instanceof Error ? launchError.message : launchError ?? 'no results'}`);
  console.log(`${tally.passed} passed, ${tally.failed + 1} failed`);
  process.exit(1);
}
console.log(`${tally.passed} passed, ${tally.failed} failed`);
process.exit(tally.failed === 0 && tally.passed > 0 && exitCode === 0 && !launchError ? 0 : 1);
