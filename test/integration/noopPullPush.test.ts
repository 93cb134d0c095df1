// What a pull of an image the store already has, and a push of one the registry already has, cost
// beyond their requests: which of Node's modules they load, what they write to the store, and
// whether they wait for the event loop to empty after their output. Real docker-registry on loopback.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { chmod, lstat, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FileImageStore } from '../../src/core/store/fileImageStore';
import { CLI, run } from '../helpers/cli';
import { importBuffer, randomRootfs, tempDir } from '../helpers/fixtures';
import { startRegistry, type RunningRegistry } from '../helpers/registry';

/** Loaded before the CLI: at exit, writes the Node built-ins the run loaded that `node -e 0` does not. */
const MODULES_PRELOAD = `
const base = new Set(process.moduleLoadList);
process.on('exit', () => {
  const loaded = process.moduleLoadList.filter((m) => !base.has(m) && m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length));
  require('fs').writeFileSync(process.env.MODULES_OUT, loaded.join('\\n'));
});
`;

/** Every file and folder under `root` with its inode, size, modification time (ns) and content hash: a file rewritten with the same bytes shows. */
async function treeSnapshot(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const path = join(dir, name);
      const info = await lstat(path, { bigint: true });
      const hash = info.isFile() ? createHash('sha256').update(await readFile(path)).digest('hex') : 'folder';
      out[`${rel}${name}`] = `${info.ino} ${info.size} ${info.mtimeNs} ${hash}`;
      if (info.isDirectory()) await walk(path, `${rel}${name}/`);
    }
  };
  const top = await lstat(root, { bigint: true });
  out['.'] = `${top.ino} ${top.mtimeNs}`;
  await walk(root, '');
  return out;
}

/**
 * Loaded before the CLI: at exit, writes whether Node got as far as an empty event loop
 * ('beforeExit') and what was still open besides the standard streams: sockets, servers, timers,
 * and file requests still in flight (an unawaited write that the exit cuts short). A file request
 * counts as in flight from its creation until its completion callback starts, so the request in
 * whose completion the exit runs is not one; the close of a destroyed connection's handle
 * (CloseReq), which exiting cuts short of nothing, is left out.
 */
const EXIT_PRELOAD = `
const pendingFs = new Map();
require('async_hooks').createHook({
  init(id, type) { if (type === 'FSREQCALLBACK' || type === 'FSREQPROMISE') pendingFs.set(id, type); },
  before(id) { pendingFs.delete(id); },
  destroy(id) { pendingFs.delete(id); },
}).enable();
let emptied = false;
process.on('beforeExit', () => { emptied = true; });
process.on('exit', () => {
  const open = process.getActiveResourcesInfo().filter((r) => !['PipeWrap', 'TTYWrap', 'FSReqPromise', 'FSReqCallback', 'CloseReq'].includes(r));
  open.push(...[...pendingFs.values()].map((type) => type + ' in flight'));
  require('fs').writeFileSync(process.env.EXIT_OUT, JSON.stringify({ emptied, open }));
});
`;

describe('a pull or push that has nothing to transfer', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let registry: RunningRegistry;
  let env: NodeJS.ProcessEnv;
  let ref: string;
  let source: string;
  let pulled: string;

  const cli = (store: string, args: readonly string[], extra: { preload?: string; env?: NodeJS.ProcessEnv } = {}) =>
    run(process.execPath, [...(extra.preload ? ['-r', extra.preload] : []), CLI, '--store', store, ...args], { env: { ...env, ...extra.env } });

  before(async () => {
    dir = await tempDir();
    registry = await startRegistry({});
    env = { HOME: join(dir.path, 'home'), DOCKER_CONFIG: join(dir.path, 'home', '.docker'), XDG_CONFIG_HOME: join(dir.path, 'home', '.config'), XDG_CACHE_HOME: join(dir.path, 'cache') };
    ref = `${registry.host}/noop/app:1`;
    source = join(dir.path, 'source');
    const store = await FileImageStore.open(source);
    await importBuffer(store, await randomRootfs(3, 50_000), ref);
    const push = await cli(source, ['push', ref]);
    assert.equal(push.code, 0, push.stderr);
    pulled = join(dir.path, 'pulled');
    const pull = await cli(pulled, ['pull', ref]);
    assert.equal(pull.code, 0, pull.stderr);
    assert.match(pull.stdout, /Status: Downloaded newer image/);
  });
  after(async () => {
    await registry.stop();
    await dir.cleanup();
  });

  const loadedModules = async (store: string, args: readonly string[]): Promise<{ stdout: string; modules: string[] }> => {
    const preload = join(dir.path, 'modules.cjs');
    await writeFile(preload, MODULES_PRELOAD);
    const out = join(dir.path, `modules-${args[0]}.txt`);
    const result = await cli(store, args, { preload, env: { MODULES_OUT: out } });
    assert.equal(result.code, 0, result.stderr);
    return { stdout: result.stdout, modules: (await readFile(out, 'utf8')).split('\n') };
  };

  it('a no-op pull loads neither child_process, zlib nor readline', async () => {
    const { stdout, modules } = await loadedModules(pulled, ['pull', ref]);
    assert.match(stdout, /Status: Image is up to date/);
    // The preload saw the run: a pull hashes what it reads.
    assert.ok(modules.includes('crypto'), modules.join(' '));
    for (const name of ['child_process', 'dgram', 'zlib', 'readline']) assert.ok(!modules.includes(name), `${name} was loaded`);
  });

  it('a no-op push loads neither child_process, zlib nor readline', async () => {
    const { stdout, modules } = await loadedModules(source, ['push', ref]);
    assert.match(stdout, /Layer already exists/);
    assert.ok(modules.includes('crypto'), modules.join(' '));
    for (const name of ['child_process', 'dgram', 'zlib', 'readline']) assert.ok(!modules.includes(name), `${name} was loaded`);
  });

  it('a no-op pull leaves every file and folder of the store as it was, times included', async () => {
    const before = await treeSnapshot(pulled);
    const again = await cli(pulled, ['pull', ref]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(again.stdout, `1: Pulling from noop/app\nDigest: ${digestIn(again.stdout)}\nStatus: Image is up to date for ${ref}\n${ref}\n`);
    assert.deepEqual(await treeSnapshot(pulled), before);
  });

  it('a no-op push leaves every file and folder of the store as it was, times included', async () => {
    for (const store of [source, pulled]) {
      const before = await treeSnapshot(store);
      const again = await cli(store, ['push', ref]);
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /Layer already exists/);
      assert.deepEqual(await treeSnapshot(store), before, store);
    }
  });

  it('the launcher runs pull and push from the registry bundle, which prints what the full bundle prints', async () => {
    const noCache = { STEVEDORE_NO_COMPILE_CACHE: '1' };
    const full = resolve('dist/cliMain.js');
    const lines: [string, string[]][] = [
      [pulled, ['pull', ref]],
      [source, ['push', ref]],
      [pulled, ['image', 'pull', '-q', ref]],
      [pulled, ['pull', '--help']],
      [pulled, ['image', 'push', '--help']],
      [pulled, ['pull']],
      [pulled, ['push', '--no-such-flag', ref]],
      [pulled, ['pull', `${registry.host}/noop/missing:1`]],
      [pulled, ['push', `${registry.host}/noop/missing:1`]],
    ];
    for (const [store, argv] of lines) {
      const ours = await cli(store, argv);
      const theirs = await run(process.execPath, [full, '--store', store, ...argv], { env });
      assert.deepEqual({ code: ours.code, stdout: ours.stdout, stderr: ours.stderr }, { code: theirs.code, stdout: theirs.stdout, stderr: theirs.stderr }, argv.join(' '));
    }
    // With the compile cache off the launcher loads the bundle with require, so it is in require.cache.
    const preload = join(dir.path, 'loaded.cjs');
    const list = join(dir.path, 'loaded.json');
    await writeFile(preload, `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(list)}, JSON.stringify(Object.keys(require.cache))));\n`);
    const dist = `${resolve('dist')}/`;
    const loadedBy = async (store: string, argv: readonly string[]): Promise<string[]> => {
      const out = await cli(store, argv, { preload, env: noCache });
      assert.equal(out.code, 0, out.stderr);
      return (JSON.parse(await readFile(list, 'utf8')) as string[]).filter((p) => p.startsWith(dist)).map((p) => p.slice(dist.length));
    };
    // Nothing of undici, openpgp or yaml (dist/vendor) either: a no-op pull or push needs none.
    assert.deepEqual(await loadedBy(pulled, ['pull', ref]), ['cli.js', 'cliRegistry.js']);
    assert.deepEqual(await loadedBy(source, ['image', 'push', ref]), ['cli.js', 'cliRegistry.js']);
  });

  it('a pull that finds the image but not everything recorded records it, and a missing layer is fetched again', async () => {
    // The same image under a second repository: the store has it by that name (tagged here), but
    // not the repo digest the registry serves it under there.
    const other = `${registry.host}/noop/other:1`;
    assert.equal((await cli(source, ['tag', ref, other])).code, 0);
    assert.equal((await cli(source, ['push', other])).code, 0);
    assert.equal((await cli(pulled, ['tag', ref, other])).code, 0);
    const before = await treeSnapshot(pulled);
    const pull = await cli(pulled, ['pull', other]);
    assert.equal(pull.code, 0, pull.stderr);
    assert.match(pull.stdout, /Status: Image is up to date/);
    assert.notDeepEqual(await treeSnapshot(pulled), before);
    const inspect = JSON.parse((await cli(pulled, ['inspect', other])).stdout) as { RepoDigests: string[] }[];
    assert.ok(inspect[0]!.RepoDigests.includes(`${registry.host}/noop/other@${digestIn(pull.stdout)}`), JSON.stringify(inspect[0]!.RepoDigests));

    // A layer gone from the store (another tool, a damaged disk): the pull downloads it again.
    const manifest = JSON.parse(await readFile(join(pulled, 'blobs', 'sha256', digestIn(pull.stdout).slice('sha256:'.length)), 'utf8')) as { layers: { digest: string }[] };
    const layer = join(pulled, 'blobs', 'sha256', manifest.layers[0]!.digest.slice('sha256:'.length));
    await chmod(layer, 0o644);
    await rm(layer);
    const refetch = await cli(pulled, ['pull', ref]);
    assert.equal(refetch.code, 0, refetch.stderr);
    assert.match(refetch.stdout, /Pull complete/);
    const check = await cli(pulled, ['system', 'check']);
    assert.equal(check.code, 0, check.stdout + check.stderr);
  });
});

describe('pull and push exit as soon as they are done', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let registry: RunningRegistry;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    dir = await tempDir();
    registry = await startRegistry({});
    env = { ...process.env, HOME: join(dir.path, 'home'), DOCKER_CONFIG: join(dir.path, 'home', '.docker'), XDG_CACHE_HOME: join(dir.path, 'cache') };
  });
  after(async () => {
    await registry.stop();
    await dir.cleanup();
  });

  /**
   * Runs the CLI with its output into a pipe whose reader (a shell) reads nothing until the CLI
   * has exited and its status is written: the slowest reader there is. Its output fits in the pipe.
   */
  const runUnread = async (store: string, args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string; exit: { emptied: boolean; open: string[] } }> => {
    const preload = join(dir.path, 'exit.cjs');
    await writeFile(preload, EXIT_PRELOAD);
    const exitOut = join(dir.path, `exit-${args[0]}.json`);
    const status = join(dir.path, 'status');
    await rm(status, { force: true });
    const script = '{ "$@" 2>"$STATUS.err"; echo $? > "$STATUS.tmp"; mv "$STATUS.tmp" "$STATUS"; } | { until [ -e "$STATUS" ]; do sleep 0.01; done; cat; }';
    const child = spawn('sh', ['-c', script, 'sh', process.execPath, '-r', preload, CLI, '--store', store, ...args], { env: { ...env, EXIT_OUT: exitOut, STATUS: status }, stdio: ['ignore', 'pipe', 'inherit'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    await once(child, 'close');
    return {
      code: Number((await readFile(status, 'utf8')).trim()),
      stdout: Buffer.concat(chunks).toString(),
      stderr: await readFile(`${status}.err`, 'utf8'),
      exit: JSON.parse(await readFile(exitOut, 'utf8')) as { emptied: boolean; open: string[] },
    };
  };

  it('a pull and a push, each downloading or sending and each with nothing to do, leave nothing open and print everything', async () => {
    const ref = `${registry.host}/exit/app:1`;
    const source = join(dir.path, 'source');
    await importBuffer(await FileImageStore.open(source), await randomRootfs(3, 50_000), ref);
    const pulled = join(dir.path, 'pulled');
    for (const [store, args, last] of [
      [source, ['push', ref], /^1: digest: sha256:[a-f0-9]{64} size: \d+\n$/],
      [source, ['push', ref], /^1: digest: sha256:[a-f0-9]{64} size: \d+\n$/],
      [pulled, ['pull', ref], new RegExp(`^Status: Downloaded newer image for ${ref}\n${ref}\n$`)],
      [pulled, ['pull', ref], new RegExp(`^Status: Image is up to date for ${ref}\n${ref}\n$`)],
    ] as const) {
      const result = await runUnread(store, args);
      assert.equal(result.code, 0, result.stderr);
      const lines = result.stdout.split('\n');
      assert.match(lines.slice(args[0] === 'pull' ? -3 : -2).join('\n'), last, result.stdout);
      // Everything the command opened was closed when it settled, so exiting then cuts nothing short;
      // and it did exit then, rather than wait for the event loop to empty.
      assert.deepEqual(result.exit.open, [], `${args.join(' ')} left open: ${result.exit.open.join(', ')}`);
      assert.equal(result.exit.emptied, false, `${args.join(' ')} waited for the event loop to empty`);
    }
  });
});

function digestIn(stdout: string): string {
  const digest = /^Digest: (sha256:[a-f0-9]{64})$/m.exec(stdout)?.[1];
  assert.ok(digest, stdout);
  return digest;
}
