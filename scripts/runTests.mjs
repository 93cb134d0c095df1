// Runs the test files under the given folders or files (default: test/) with Node's built-in
// runner and prints its summary (`# pass N`, `# fail N`); exits non-zero when a test fails.
//
// Each test file is bundled once with esbuild (src and helpers included, npm packages left to
// require) and the bundles run several at a time: starting a bundle costs ~0.1 s where loading the
// TypeScript through tsx cost ~2.6 s per file. `__dirname`/`__filename` keep the values of the
// source file, so `join(__dirname, 'workers', 'x.ts')` still names the source.
//
// Files run concurrently (STEVEDORE_TEST_CONCURRENCY, default 3), each in its own process, and the
// machine is a busy 2-core one. So a test file must:
//   - never use a fixed port (listen on 0, or freePort() from test/helpers/registry.ts);
//   - keep every store, HOME, DOCKER_CONFIG, registry and daemon in its own temporary folder;
//   - never assert on elapsed time, and never let a timeout, deadline or sleep decide an outcome
//     (wait for an event, a line of output or a file instead); relative times ("2 days ago") come
//     from fixed dates and an injected `now`, never from the wall clock;
//   - draw random choices (kill moments, fault positions) from seededRandom() in
//     test/helpers/seed.ts, which prints its seed and replays one given in STEVEDORE_TEST_SEED.
import { build } from 'esbuild';
import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { spawn } from 'node:child_process';

function collect(dir, out) {
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) collect(full, out);
    else if (name.endsWith('.test.ts')) out.push(full);
  }
  return out;
}

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
// Arguments starting with "--" go to `node --test` (e.g. --test-name-pattern=…); the rest are
// folders or files.
const passThrough = process.argv.slice(2).filter((a) => a.startsWith('--'));
const roots = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const files = (roots.length ? roots : ['test']).flatMap((r) => (r.endsWith('.ts') ? [r] : collect(r, []))).map((f) => resolve(f));
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}

// One folder per run, so two runs in one checkout do not overwrite each other's bundles.
const outDir = join(root, 'test-output', `bundles-${process.pid}`);
const cleanup = () => rmSync(outDir, { recursive: true, force: true });
process.on('exit', cleanup);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

const bundles = await Promise.all(
  files.map(async (file) => {
    const outfile = join(outDir, relative(root, file)).replace(/\.ts$/, '.js');
    await build({
      entryPoints: [file],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      packages: 'external',
      sourcemap: 'inline',
      keepNames: true,
      logLevel: 'warning',
      define: { __dirname: JSON.stringify(dirname(file)), __filename: JSON.stringify(file) },
    });
    return outfile;
  }),
);

const concurrency = Number(process.env.STEVEDORE_TEST_CONCURRENCY) || 3;
// Registries the CLI found speaking plain HTTP are remembered in a file of this run, not in the
// user's cache (tests start loopback registries on ports another run may reuse for TLS ones).
const env = { ...process.env, STEVEDORE_PLAIN_HTTP_MEMORY: join(outDir, 'plain-http-registries.json') };
const child = spawn(
  process.execPath,
  ['--enable-source-maps', '--test', '--test-reporter=spec', '--test-reporter-destination=stdout', '--test-reporter=tap', `--test-reporter-destination=${join(outDir, 'tap.txt')}`, `--test-concurrency=${concurrency}`, ...passThrough, ...bundles],
  { stdio: 'inherit', cwd: root, env },
);
child.on('exit', (code) => {
  // The spec reporter's totals scroll by with "ℹ"; repeat them as TAP's `# pass N` lines at the end.
  const tap = readFileSync(join(outDir, 'tap.txt'), 'utf8');
  const summary = tap.split('\n').filter((line) => /^# (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) /.test(line));
  console.log(summary.join('\n'));
  process.exit(code ?? 1);
});
