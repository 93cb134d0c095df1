// The extension's CLI child (src/extension/containers/cliProcess.ts) against stand-in CLIs that
// fail the ways the real one can without a typed error on its channel: `unshare` refused (AppArmor's
// restriction on unprivileged user namespaces), an internal error, no dist/cli.js at all. Also the
// channel's error codes (runCli's machineError, and an unknown one arriving), and "--" before the
// arguments the extension passes (a name may not become a flag). Real processes, no VS Code.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { StevedoreError } from '../../src/core/errors';
import { machineError } from '../../src/cli/runCli';
import { callCli, type CliProcess } from '../../src/extension/containers/cliProcess';
import { runCli } from '../helpers/cli';
import { tempDir } from '../helpers/fixtures';

let dir: { path: string; cleanup: () => Promise<void> };
before(async () => {
  dir = await tempDir('stevedore-cliprocess-');
});
after(async () => {
  await dir.cleanup();
});

/** A stand-in for dist/cli.js with this body (its events descriptor is STEVEDORE_EVENTS_FD). */
async function fakeCli(name: string, body: string): Promise<CliProcess> {
  const cli = join(dir.path, `${name}.js`);
  await writeFile(cli, `const fs = require('node:fs');\nconst send = (m) => fs.writeSync(Number(process.env.STEVEDORE_EVENTS_FD), JSON.stringify(m) + '\\n');\n${body}\n`);
  return { cli, execPath: process.execPath, storePath: join(dir.path, 'store'), env: process.env };
}

async function rejection(promise: Promise<unknown>): Promise<StevedoreError> {
  const outcome = await promise.then(
    (value) => ({ value }),
    (err: unknown) => ({ err }),
  );
  assert.ok('err' in outcome, `resolved with ${JSON.stringify((outcome as { value: unknown }).value)}`);
  assert.ok(outcome.err instanceof StevedoreError, String(outcome.err));
  return outcome.err;
}

test('a CLI that exits 1 with only words on stderr (unshare refused) is a CLI_FAILED error with those words and what to do, not a status', async () => {
  const cli = await fakeCli('unshare-refused', `process.stderr.write('unshare: write failed /proc/self/uid_map: Operation not permitted\\n'); process.exit(1);`);
  const err = await rejection(callCli(cli, { args: ['commit', '--', 'abc', 'x/y:1'] }));
  assert.equal(err.code, 'CLI_FAILED');
  assert.match(err.message, /^stevedore commit failed \(exit status 1\)\. Its last output: unshare: write failed \/proc\/self\/uid_map: Operation not permitted /);
  assert.match(err.message, /Allow unprivileged user namespaces/);
});

test('an internal error (exit 2) and a missing dist/cli.js are CLI_FAILED too, for every command that is not run or start', async () => {
  const internal = await fakeCli('internal', `process.stderr.write('internal error: TypeError: boom\\n'); process.exitCode = 2;`);
  for (const args of [['diff', '--', 'abc'], ['rm', '--', 'abc'], ['builder', 'prune', '-f'], ['build', '-f', 'Dockerfile', '--', '.']]) {
    const err = await rejection(callCli(internal, { args }));
    assert.equal(err.code, 'CLI_FAILED');
    assert.match(err.message, new RegExp(`^stevedore ${args[0]} failed \\(exit status 2\\)\\. Its last output: internal error: TypeError: boom Run the same command`));
  }
  const missing: CliProcess = { cli: join(dir.path, 'no-such', 'cli.js'), execPath: process.execPath, storePath: dir.path, env: process.env };
  const err = await rejection(callCli(missing, { args: ['rm', '--', 'abc'] }));
  assert.equal(err.code, 'CLI_FAILED');
  assert.match(err.message, /Cannot find module/);
});

test('run and start keep the container\'s status: a non-zero exit without an error line is no failure', async () => {
  const cli = await fakeCli('container-exit', `process.exit(3);`);
  for (const command of ['run', 'start']) assert.deepEqual(await callCli(cli, { args: [command, '--', 'abc'] }), { status: 3 });
});

test('a cancel that came after the command was done (it exited 0 with its result) returns the result, not "cancelled"', async () => {
  // SIGTERM (the cancel) arrives while this stand-in runs; it then finishes as a commit whose image is made.
  const cli = await fakeCli('late-cancel', `process.on('SIGTERM', () => { send({ result: { id: 'sha256:made', refs: [] } }); process.exit(0); });\nprocess.stdout.write('working\\n');\nsetInterval(() => undefined, 1000);`);
  const controller = new AbortController();
  const outcome = await callCli(cli, { args: ['commit', '--', 'abc'], signal: controller.signal, onLine: (line) => line === 'working' && controller.abort() });
  assert.ok(controller.signal.aborted);
  assert.deepEqual(outcome, { status: 0, result: { id: 'sha256:made', refs: [] } });
});

test('an error code on the channel that is not one of ours becomes IO_ERROR; a known one passes through', async () => {
  const unknown = await fakeCli('errno-code', `send({ error: { code: 'ENOENT', message: 'ENOENT: no such file or directory' } }); process.exit(1);`);
  const err = await rejection(callCli(unknown, { args: ['diff', '--', 'abc'] }));
  assert.equal(err.code, 'IO_ERROR');
  assert.equal(err.message, 'ENOENT: no such file or directory');
  const known = await fakeCli('known-code', `send({ error: { code: 'CONTAINER_NOT_FOUND', message: 'No such container: abc' } }); process.exit(1);`);
  assert.equal((await rejection(callCli(known, { args: ['diff', '--', 'abc'] }))).code, 'CONTAINER_NOT_FOUND');
});

test('the CLI sends a system error it has no words for as IO_ERROR with a sentence that says what to do, not errno\'s code', () => {
  const raw = Object.assign(new Error("ENOENT: no such file or directory, open '/gone/file'"), { code: 'ENOENT', syscall: 'open', path: '/gone/file' });
  const reported = machineError(raw, '/store');
  assert.deepEqual(reported, {
    error: { code: 'IO_ERROR', message: `A system call failed on /gone/file (ENOENT: no such file or directory, open '/gone/file'). Check that path and its permissions, then try again; if it is in the image store, run "stevedore system check".` },
    status: 1,
  });
});

test('words after "--" are arguments: a name "-h" there is no request for help (the extension puts "--" before its arguments)', async () => {
  const store = join(dir.path, 'cli-store');
  const done = await runCli(store, ['commit', '--', 'no-such-container', '-h']);
  assert.equal(done.code, 1, done.stdout + done.stderr);
  assert.doesNotMatch(done.stdout, /Usage:/);
  assert.match(done.stderr, /^Error: /);
});
