// What a pull of an image the store already has, and a push of one the registry already has, cost
// beyond their requests: which of Node's modules they load, what they write to the store, and
// whether they wait for the event loop to empty after their output. Real docker-registry on loopback.

import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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
});
