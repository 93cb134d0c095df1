// Bundles the suite that runs inside VS Code: test/vscode/suite/index.ts (which exports `run()`)
// plus every test/vscode/suite/**/*.vscodeTest.ts, into dist/test/vscode/suite/index.js.
// Test files are named *.vscodeTest.ts, not *.test.ts, so that scripts/runTests.mjs (plain Node,
// where `vscode` cannot be imported) does not pick them up.
//
//   node scripts/vscodeHost/buildSuite.mjs
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { REPO_ROOT } from './codeServer.mjs';

export const SUITE_DIR = join(REPO_ROOT, 'test', 'vscode', 'suite');
export const SUITE_BUNDLE = join(REPO_ROOT, 'dist', 'test', 'vscode', 'suite', 'index.js');
export const TEST_FILE_SUFFIX = '.vscodeTest.ts';

export function findSuiteTests(dir = SUITE_DIR) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...findSuiteTests(full));
    else if (name.endsWith(TEST_FILE_SUFFIX)) out.push(full);
  }
  return out;
}

/** Builds the bundle and returns its path. */
export async function buildSuite({ outfile = SUITE_BUNDLE } = {}) {
  const tests = findSuiteTests();
  if (tests.length === 0) throw new Error(`no ${TEST_FILE_SUFFIX} files under ${relative(REPO_ROOT, SUITE_DIR)}`);
  const imports = tests.map((f) => `import './${relative(SUITE_DIR, f).split('\\').join('/')}';`);
  await build({
    stdin: {
      // `run` comes first so the harness is loaded before the test files register with it.
      contents: [`export { run } from './index';`, ...imports, ''].join('\n'),
      resolveDir: SUITE_DIR,
      sourcefile: 'suite-entry.ts',
      loader: 'ts',
    },
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    sourcemap: true,
    external: ['vscode'],
    logLevel: 'warning',
  });
  return outfile;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(await buildSuite());
}
