// The VS Code extension's containers when VS Code runs as a user other than root: an unprivileged
// user made by this test (with subordinate id ranges) drives src/extension/containers/cliProcess.ts,
// the module the extension runs every container operation through then, in a process of its own
// (test/integration/workers/cliProcessDriver.ts, bundled here). `auto` picks the CLI child process
// for that user and not for one without ranges; run (exit status, output, the container's name and
// ID), run -it on a lent terminal (its size, a resize), diff (the changes as data), commit (the new
// image), rm, a build with RUN (step events and the step's layer rows, the build's log), a failing
// RUN (its typed error), a cancelled build (store unchanged) and builder prune all work as that user,
// and a kill -9 of the process that started the CLI stops the container.
// The full VS Code host as that user is not run here: the suite in test/vscode runs the same path
// as root with stevedore.containers.process = cli.
//
// Runs as root (CI does), beside others: its users are named after this process, and its store is
// in its own temporary folder.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, chown, lstat, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { build } from 'esbuild';
import { busyboxRootfs } from '../helpers/busybox';
import { CLI, run, type CliResult } from '../helpers/cli';
import { tempDir } from '../helpers/fixtures';
import { storeSnapshot } from '../helpers/storeSnapshot';
import { addUser, mustRun as sh, removeUsers } from '../helpers/testUsers';

const SUBORDINATE = { start: 500000, count: 65536 };

interface Called {
  status?: number;
  result?: unknown;
  error?: { name: string; code?: string; message: string };
  events: string[];
  container?: { id: string; name: string };
  output: string;
  lines: string[];
}

describe('the extension\'s containers through the CLI, as a user other than root', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let home: string;
  let store: string;
  let driver: string;
  const users: string[] = [];

  /** The driver as `user`, with nothing of root's environment but PATH and HOME. */
  const asUser = (user: string, args: readonly string[]): Promise<CliResult> =>
    run('runuser', ['-u', user, '--', 'env', '-i', `PATH=${process.env.PATH ?? '/usr/bin:/bin'}`, `HOME=${home}`, process.execPath, ...args], { cwd: home });

  const call = async (request: Record<string, unknown>): Promise<Called> => {
    const done = await asUser(users[0]!, [driver, 'call', JSON.stringify({ cli: CLI, store, ...request })]);
    assert.equal(done.code, 0, `driver: ${done.stdout}${done.stderr}`);
    return JSON.parse(done.stdout) as Called;
  };

  const succeeded = (called: Called, what: string): Called => {
    assert.equal(called.error, undefined, `${what}: ${JSON.stringify(called)}`);
    return called;
  };

  before(async () => {
    dir = await tempDir();
    await chmod(dir.path, 0o755);
    home = join(dir.path, 'home');
    store = join(home, 'store');
    await mkdir(home);
    driver = join(home, 'driver.js');
    await build({ entryPoints: [join(__dirname, 'workers', 'cliProcessDriver.ts')], bundle: true, platform: 'node', target: 'node20', outfile: driver, logLevel: 'warning' });
    const tag = `${process.pid % 100000}`;
    const { uid, gid } = await addUser(users, `stvxc${tag}`, SUBORDINATE);
    await addUser(users, `stvxn${tag}`);
    await writeFile(join(home, 'base.tar'), await busyboxRootfs());
    for (const [name, dockerfile] of [
      ['ctx', 'FROM base:1\nRUN echo built > /built && id\n'],
      ['bad', 'FROM base:1\nRUN exit 7\n'],
      ['slow', 'FROM base:1\nRUN sleep 1000\n'],
    ] as const) {
      await mkdir(join(home, name));
      await writeFile(join(home, name, 'Dockerfile'), dockerfile);
    }
    await sh('chown', ['-R', `${uid}:${gid}`, home]);
    await chown(home, uid, gid);
    const imported = await asUser(users[0]!, [CLI, '--store', store, 'import', '-c', 'CMD ["/bin/sh"]', join(home, 'base.tar'), 'base:1']);
    assert.equal(imported.code, 0, imported.stderr);
  });

  after(async () => {
    await removeUsers(users);
    await dir?.cleanup();
  });

  it('auto runs containers through the CLI for a user with subordinate ids, and in the extension (which says what is missing) for one without', async () => {
    for (const [user, expected] of [[users[0]!, true], [users[1]!, false]] as const) {
      const done = await asUser(user, [driver, 'auto']);
      assert.equal(done.code, 0, done.stderr);
      assert.deepEqual(JSON.parse(done.stdout), { cli: expected });
    }
  });

  it('run (status, output, the container made), diff as data, commit, rm; an unknown container is a typed error', async () => {
    const ran = succeeded(await call({ args: ['run', '--name', 'x1', 'base:1', 'sh', '-c', 'echo hi > /made && chown 42:43 /made && id -u && exit 3'] }), 'run');
    assert.equal(ran.status, 3);
    assert.equal(ran.output, '0\n', 'root in the namespace');
    assert.equal(ran.container?.name, 'x1');
    assert.match(ran.container?.id ?? '', /^[a-f0-9]{64}$/);
    // Outside, the file the container gave 42:43 is the user's subordinate id: in its overlay
    // upper folder (overlay in the user namespace), else in its vfs copy.
    const folder = join(store, 'stevedore', 'containers', ran.container!.id);
    const { Driver } = JSON.parse(await readFile(join(folder, 'container.json'), 'utf8')) as { Driver: string };
    const made = await lstat(join(folder, Driver === 'overlay' ? 'upper' : 'rootfs', 'made'));
    assert.deepEqual([made.uid, made.gid], [SUBORDINATE.start + 41, SUBORDINATE.start + 42]);

    const diff = succeeded(await call({ args: ['diff', 'x1'] }), 'diff');
    assert.deepEqual(diff.result, [{ kind: 'A', path: 'made' }]);

    const committed = succeeded(await call({ args: ['commit', '-m', 'made a file', '-a', 'Sally', 'x1', 'made:1'] }), 'commit');
    const result = committed.result as { id: string; refs: string[] };
    assert.match(result.id, /^sha256:[a-f0-9]{64}$/);
    assert.deepEqual(result.refs, ['docker.io/library/made:1']);

    assert.equal(succeeded(await call({ args: ['rm', 'x1'] }), 'rm').status, 0);
    const again = await call({ args: ['rm', 'x1'] });
    assert.deepEqual(again.error, { name: 'StevedoreError', code: 'CONTAINER_NOT_FOUND', message: 'No such container: x1' });
  });

  it('run -it on a lent terminal: input reaches the shell, which sees the terminal\'s size and its resize', async () => {
    const ran = succeeded(
      await call({
        args: ['run', '-i', '-t', '--name', 'x2', 'base:1', 'sh'],
        // Quoted so the pty's echo of this line does not already show the marker.
        input: "stty size; echo RE''ADY\n",
        terminal: { columns: 100, rows: 30 },
        resize: { columns: 120, rows: 40 },
      }),
      'run -it',
    );
    assert.equal(ran.status, 4);
    assert.match(ran.output, /^30 100\r$/m, 'the first size');
    assert.match(ran.output, /^40 120\r$/m, 'the size after the resize');
    succeeded(await call({ args: ['rm', 'x2'] }), 'rm');
  });

  it('kill -9 of the process that started the CLI (VS Code\'s extension host gone) stops the container inside the namespace: nothing keeps running, no container is left', async () => {
    const request = { cli: CLI, store, args: ['run', '--name', 'x3', 'base:1', 'sh', '-c', 'echo started; sleep 1000'], announce: 'started' };
    const started = spawn('runuser', ['-u', users[0]!, '--', 'env', '-i', `PATH=${process.env.PATH ?? '/usr/bin:/bin'}`, `HOME=${home}`, process.execPath, driver, 'call', JSON.stringify(request)], { cwd: home, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<void>((resolve) => started.once('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      started.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('ANNOUNCED')) resolve();
      });
      started.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
      started.once('exit', () => reject(new Error(`the driver ended before its container ran: ${out}`)));
    });
    // The driver (the extension host's stand-in), not runuser.
    const drivers = (await sh('pgrep', ['-P', String(started.pid), '-f', driver])).stdout.trim().split('\n');
    assert.equal(drivers.length, 1, drivers.join(' '));
    process.kill(Number(drivers[0]), 'SIGKILL');
    await exited;
    // The CLI sees the pipe from the killed process close and cancels the run, inside the namespace too.
    while ((await run('pgrep', ['-u', users[0]!])).code === 0) await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(await readdir(join(store, 'stevedore', 'containers')), []);
  });

  it('Ctrl-C in a terminal (which interrupts the CLI and the command it runs in the namespace alike) cancels cleanly: no second interrupt is added, no container is left', async () => {
    // The CLI on a pty of its own, as in a shell; ^C is typed once the container runs.
    const line = `${process.execPath} ${CLI} --store ${store} run --name x4 base:1 sh -c 'echo started; sleep 1000'`;
    const started = spawn('runuser', ['-u', users[0]!, '--', 'env', '-i', `PATH=${process.env.PATH ?? '/usr/bin:/bin'}`, `HOME=${home}`, 'script', '-qec', line, '/dev/null'], { cwd: home, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    const exited = new Promise<number | null>((resolve) => started.once('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      started.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('started')) resolve();
      });
      started.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
      started.once('exit', () => reject(new Error(`run ended before its container ran: ${out}`)));
    });
    started.stdin.write('\x03');
    assert.equal(await exited, 130, out);
    assert.match(out, /Cancelled: nothing was changed\./);
    assert.deepEqual(await readdir(join(store, 'stevedore', 'containers')), []);
  });

  it('build with RUN: step and layer events, the log with RUN\'s output, the image; a failing RUN is a typed error; a cancelled build changes nothing; builder prune', async () => {
    const built = succeeded(await call({ args: ['build', '-t', 'built:1', join(home, 'ctx')] }), 'build');
    const result = built.result as { id: string; tags: string[] };
    assert.deepEqual(result.tags, ['docker.io/library/built:1']);
    assert.ok(built.events.includes('step') && built.events.includes('running'), built.events.join(', '));
    assert.equal(built.events.at(-1), 'end');
    assert.ok(built.events.includes('layer step 2 done'), built.events.join(', '));
    assert.ok(built.lines.includes('Step 2/2 : RUN echo built > /built && id'), built.lines.join('\n'));
    assert.ok(built.lines.includes('uid=0(root) gid=0 groups=0'), built.lines.join('\n'));

    const before = await storeSnapshot(store);
    const failed = await call({ args: ['build', '-t', 'never:1', join(home, 'bad')] });
    assert.equal(failed.error?.code, 'BUILD_STEP_FAILED');
    assert.match(failed.error?.message ?? '', /The command '\/bin\/sh -c exit 7' returned a non-zero code: 7 \(Dockerfile line 2\)/);
    assert.deepEqual(await storeSnapshot(store), before);

    const cancelled = await call({ args: ['build', '-t', 'never:2', join(home, 'slow')], cancelOn: 'running' });
    assert.equal(cancelled.error?.name, 'CancelledError');
    assert.deepEqual(await storeSnapshot(store), before);

    const pruned = succeeded(await call({ args: ['builder', 'prune', '-f', '-a'] }), 'builder prune');
    assert.ok((pruned.result as { deleted: string[] }).deleted.length > 0, JSON.stringify(pruned.result));
  });
});
