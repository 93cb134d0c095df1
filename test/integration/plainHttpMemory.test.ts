// An insecure registry (here a loopback one) is tried over TLS first, as Docker does, then over plain
// HTTP; one found speaking plain HTTP is remembered in the user's cache and asked that way first
// next time (core/registry/plainHttpMemory.ts). Through the built CLI against Debian's real
// docker-registry, with a counting relay in front that tells TLS connections from plain ones and
// can hand the same address to a TLS registry, as when a registry moves to TLS.

import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FileImageStore } from '../../src/core/store/fileImageStore';
import { runCli } from '../helpers/cli';
import { startCountingRelay, type CountingRelay } from '../helpers/countingRelay';
import { importBuffer, randomRootfs, tempDir } from '../helpers/fixtures';
import { startRegistry, type RunningRegistry } from '../helpers/registry';

describe('an insecure registry found speaking plain HTTP', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let plain: RunningRegistry;
  let secure: RunningRegistry;
  let relay: CountingRelay;
  let source: string;
  let ref: string;
  // A preload that says at exit whether Node's TLS code was loaded.
  // The default file, in the cache folder given (runTests.mjs names a file of its own for every other test).
  const env = (cache: string): NodeJS.ProcessEnv => ({ XDG_CACHE_HOME: join(dir, cache), STEVEDORE_PLAIN_HTTP_MEMORY: undefined, NODE_OPTIONS: `--require ${join(dir, 'tls-watch.cjs')}` });
  const loadedTls = (stderr: string): boolean => {
    const match = /^tls loaded: (true|false)$/m.exec(stderr);
    assert.ok(match, stderr);
    return match[1] === 'true';
  };
  const remembered = async (cache: string): Promise<string[]> =>
    (JSON.parse(await readFile(join(dir, cache, 'stevedore', 'plain-http-registries.json'), 'utf8')) as { plainHttp: string[] }).plainHttp;

  before(async () => {
    ({ path: dir, cleanup } = await tempDir());
    await writeFile(join(dir, 'tls-watch.cjs'), "process.on('exit', () => process.stderr.write('tls loaded: ' + process.moduleLoadList.includes('NativeModule tls') + '\\n'));\n");
    plain = await startRegistry();
    secure = await startRegistry({ tls: true });
    relay = await startCountingRelay(plain.port);
    const store = await FileImageStore.open(join(dir, 'source'));
    source = store.root;
    ref = `${relay.host}/remember/app:1`;
    await importBuffer(store, await randomRootfs(2, 30_000), ref);
  });
  after(async () => {
    await relay?.stop();
    await plain?.stop();
    await secure?.stop();
    await cleanup?.();
  });

  it('is probed over TLS on first contact, then asked over plain HTTP at once', async () => {
    const first = await runCli(source, ['push', ref], { env: env('cache') });
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(relay.connections.map((c) => c.tls)[0], true, 'the TLS probe came first');
    assert.equal(loadedTls(first.stderr), true);
    assert.deepEqual(await remembered('cache'), [relay.host]);
    relay.reset();
    const again = await runCli(source, ['push', ref], { env: env('cache') });
    assert.equal(again.code, 0, again.stderr);
    assert.ok(relay.connections.length > 0 && relay.connections.every((c) => !c.tls), JSON.stringify(relay.connections));
    // Nor does it load Node's TLS code (~4 ms of every such command).
    assert.equal(loadedTls(again.stderr), false);
    // Another user's cache knows nothing: the probe again.
    relay.reset();
    const elsewhere = await runCli(join(dir, 'other-store'), ['pull', ref], { env: env('other-cache') });
    assert.equal(elsewhere.code, 0, elsewhere.stderr);
    assert.equal(relay.connections[0]?.tls, true, JSON.stringify(relay.connections));
  });

  it('moved to TLS at the same address, it is found over TLS again and forgotten as plain', async () => {
    relay.retarget(secure.port);
    relay.reset();
    const push = await runCli(source, ['push', ref], { env: env('cache') });
    assert.equal(push.code, 0, push.stderr);
    // Asked over plain HTTP first (the TLS registry answers 400), then over TLS, which it speaks.
    assert.deepEqual(relay.connections.slice(0, 2).map((c) => c.tls), [false, true], JSON.stringify(relay.connections));
    assert.deepEqual(await remembered('cache'), []);
    const pulled = await runCli(join(dir, 'from-tls'), ['pull', ref], { env: env('cache') });
    assert.equal(pulled.code, 0, pulled.stderr);
  });
});
