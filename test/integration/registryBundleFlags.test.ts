// The registry bundle (pull, push) runs with V8's default flags: the launcher loads no node:v8 for
// it and sets nothing, since its requests no longer reach undici's WebAssembly parser (launcher.ts,
// v8Flags.ts). With a proxy variable set it sets --liftoff-only as the full CLI does, its code
// cache kept in a file of its own; either way the cache, once written, is used and not written
// again. Through the built CLI against Debian's real docker-registry on loopback.

import assert from 'node:assert/strict';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FileImageStore } from '../../src/core/store/fileImageStore';
import { runCli } from '../helpers/cli';
import { importBuffer, randomRootfs, tempDir } from '../helpers/fixtures';
import { startRegistry, type RunningRegistry } from '../helpers/registry';

/** Loaded before the CLI: at exit, writes the Node built-ins the run loaded. */
const MODULES_PRELOAD = `
process.on('exit', () => {
  const loaded = process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length));
  require('fs').writeFileSync(process.env.MODULES_OUT, loaded.join('\\n'));
});
`;

describe('the registry bundle\'s V8 flags', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let registry: RunningRegistry;
  let store: string;
  let ref: string;
  let env: NodeJS.ProcessEnv;
  let cacheDir: string;

  before(async () => {
    dir = await tempDir();
    registry = await startRegistry({});
    const preload = join(dir.path, 'modules.cjs');
    await writeFile(preload, MODULES_PRELOAD);
    const home = join(dir.path, 'home');
    cacheDir = join(dir.path, 'cache');
    env = {
      HOME: home,
      DOCKER_CONFIG: join(home, '.docker'),
      XDG_RUNTIME_DIR: join(dir.path, 'run'),
      XDG_CONFIG_HOME: join(home, '.config'),
      XDG_CACHE_HOME: cacheDir,
      STEVEDORE_NO_COMPILE_CACHE: '',
      NODE_DISABLE_COMPILE_CACHE: '',
      HTTP_PROXY: '',
      HTTPS_PROXY: '',
      http_proxy: '',
      https_proxy: '',
      NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${preload}`.trim(),
    };
    const source = await FileImageStore.open(join(dir.path, 'store'));
    store = source.root;
    ref = `${registry.host}/flags/app:1`;
    await importBuffer(source, await randomRootfs(2, 20_000), ref);
    const pushed = await runCli(store, ['push', ref], { env });
    assert.equal(pushed.code, 0, pushed.stderr);
  });
  after(async () => {
    await registry.stop();
    await dir.cleanup();
  });

  let runs = 0;
  const modulesOf = async (args: string[], extra: NodeJS.ProcessEnv = {}): Promise<string[]> => {
    const out = join(dir.path, `modules-${runs++}.txt`);
    const result = await runCli(store, args, { env: { ...env, ...extra, MODULES_OUT: out } });
    assert.equal(result.code, 0, result.stderr);
    return (await readFile(out, 'utf8')).split('\n');
  };

  /** The cache files of the registry bundle, with their modification times. */
  const cacheFiles = async (): Promise<Record<string, bigint>> => {
    const folder = join(cacheDir, 'stevedore', 'v8');
    const files: Record<string, bigint> = {};
    for (const name of (await readdir(folder).catch(() => [])).filter((n) => n.includes('cliRegistry'))) files[name] = (await stat(join(folder, name), { bigint: true })).mtimeNs;
    return files;
  };

  it('a pull and a push load no node:v8, and the code cache each writes once is used from then on', async () => {
    for (const command of ['pull', 'push']) {
      const modules = await modulesOf([command, ref]);
      // The preload saw the run: a pull or push hashes what it reads.
      assert.ok(modules.includes('crypto'), modules.join(' '));
      assert.ok(!modules.includes('v8'), `${command} loaded node:v8`);
    }
    const written = await cacheFiles();
    assert.deepEqual(Object.keys(written).map((n) => n.replace(/^.*-(pull|push)\.bin$/, '$1')).sort(), ['pull', 'push']);
    await modulesOf(['pull', ref]);
    await modulesOf(['push', ref]);
    assert.deepEqual(await cacheFiles(), written, 'a cache V8 refused would be written again');
  });

  it('with a proxy variable set, a pull sets Liftoff only as the full CLI does, with a cache of its own', async () => {
    // The registry is on loopback, which is never proxied: the variable alone decides the flag.
    const proxied = { HTTPS_PROXY: 'http://127.0.0.1:9', HTTP_PROXY: 'http://127.0.0.1:9' };
    assert.ok((await modulesOf(['pull', ref], proxied)).includes('v8'));
    const files = await cacheFiles();
    const liftoff = Object.keys(files).filter((n) => n.endsWith('-pull-liftoff.bin'));
    assert.equal(liftoff.length, 1, Object.keys(files).join(' '));
    await modulesOf(['pull', ref], proxied);
    await modulesOf(['pull', ref]);
    assert.deepEqual(await cacheFiles(), files, 'neither cache is written again');
  });
});
