// A pull or push that finds nothing to transfer asks the registry a few questions (the API version,
// the manifest, a HEAD per blob, the manifest's PUT): through the built CLI against Debian's real
// docker-registry, with a counting relay in front (test/helpers/countingRelay.ts), those go on one
// kept-alive connection of our own (http/keptAliveRequest.ts), over plain HTTP and over TLS with
// the certificate verified, and undici is never asked (a preload counts its requests through its
// diagnostics channels). A pull and a push that move blobs do the same: uploads stream their bodies
// (chunked when a layer is compressed on the way) and configs and small layers are written into
// the store from kept-alive connections too.

import assert from 'node:assert/strict';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FileImageStore } from '../../src/core/store/fileImageStore';
import { runCli, type CliResult } from '../helpers/cli';
import { startCountingRelay, type CountingRelay } from '../helpers/countingRelay';
import { importBuffer, randomRootfs, tempDir } from '../helpers/fixtures';
import { startRegistry, type RunningRegistry } from '../helpers/registry';
import { addMultiPlatformImage, addUncompressedImage } from '../helpers/registryImages';

/** Counts what undici is asked to do in the process it is preloaded into, and prints it at exit. */
const UNDICI_WATCH = `
const dc = require('node:diagnostics_channel');
let count = 0;
for (const name of ['undici:request:create', 'undici:client:beforeConnect']) dc.subscribe(name, () => { count++; });
process.on('exit', () => process.stderr.write('undici events: ' + count + '\\n'));
`;

interface Setup {
  dir: string;
  env: NodeJS.ProcessEnv;
  source: string;
  registry: RunningRegistry;
  relay: CountingRelay;
  ref: string;
  cleanup(): Promise<void>;
}

async function setUp(tls: boolean): Promise<Setup> {
  const { path: dir, cleanup } = await tempDir();
  const registry = await startRegistry({ tls });
  const relay = await startCountingRelay(registry.port);
  const watch = join(dir, 'undici-watch.cjs');
  await writeFile(watch, UNDICI_WATCH);
  const home = join(dir, 'home');
  const env: NodeJS.ProcessEnv = {
    HOME: home,
    DOCKER_CONFIG: join(home, '.docker'),
    XDG_RUNTIME_DIR: join(dir, 'run'),
    XDG_CONFIG_HOME: join(home, '.config'),
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${watch}`.trim(),
  };
  if (tls) {
    // Verified as a remote registry is: the test CA in certs.d for the address the CLI is given.
    const certs = join(home, '.docker', 'certs.d', relay.host);
    await mkdir(certs, { recursive: true });
    await copyFile(registry.caFile!, join(certs, 'ca.crt'));
    env.STEVEDORE_SECURE_LOOPBACK = '1';
  }
  const source = await FileImageStore.open(join(dir, 'source'));
  const ref = `${relay.host}/keep/app:1`;
  await importBuffer(source, await randomRootfs(2, 50_000), ref);
  return {
    dir,
    env,
    source: source.root,
    registry,
    relay,
    ref,
    cleanup: async () => {
      await relay.stop();
      await registry.stop();
      await cleanup();
    },
  };
}

function undiciEvents(result: CliResult): number {
  const match = /^undici events: (\d+)$/m.exec(result.stderr);
  assert.ok(match, `the preload reported nothing: ${result.stderr}`);
  return Number(match[1]);
}

describe('a no-op pull and push over plain HTTP', () => {
  let s: Setup;
  before(async () => {
    s = await setUp(false);
    const pushed = await runCli(s.source, ['push', s.ref], { env: s.env });
    assert.equal(pushed.code, 0, pushed.stderr);
    const pulled = await runCli(join(s.dir, 'pulled'), ['pull', s.ref], { env: s.env });
    assert.equal(pulled.code, 0, pulled.stderr);
  });
  after(() => s.cleanup());

  it('a pull that finds the image present asks everything on one connection, and never undici', async () => {
    s.relay.reset();
    const pull = await runCli(join(s.dir, 'pulled'), ['pull', s.ref], { env: s.env });
    assert.equal(pull.code, 0, pull.stderr);
    assert.match(pull.stdout, /Image is up to date/);
    assert.equal(undiciEvents(pull), 0);
    // A loopback registry is tried over TLS first, as Docker does; the push that met it first found
    // it speaking plain HTTP, so it is asked that way at once (plainHttpMemory.ts).
    assert.deepEqual(s.relay.connections.map((c) => c.tls), [false], JSON.stringify(s.relay.connections));
    assert.deepEqual(s.relay.connections[0]!.requests, ['GET /v2/', 'GET /v2/keep/app/manifests/1']);
  });

  it('a push that finds every blob there: one connection for all its requests when blobs are checked one at a time', async () => {
    s.relay.reset();
    const push = await runCli(s.source, ['push', '--max-concurrent-uploads', '1', s.ref], { env: s.env });
    assert.equal(push.code, 0, push.stderr);
    assert.match(push.stdout, /Layer already exists/);
    assert.equal(undiciEvents(push), 0);
    const plain = s.relay.connections.filter((c) => !c.tls);
    assert.equal(plain.length, 1, JSON.stringify(s.relay.connections));
    const requests = plain[0]!.requests;
    assert.equal(requests[0], 'GET /v2/');
    assert.equal(requests.filter((r) => r.startsWith('HEAD /v2/keep/app/blobs/sha256:')).length, 2, 'the config and the layer');
    // The tag names this manifest already: asked with a HEAD, and not PUT again.
    assert.equal(requests[1], 'HEAD /v2/keep/app/manifests/1');
    assert.ok(!requests.some((r) => r.startsWith('PUT ')), JSON.stringify(requests));
  });

  it('a push checking its blobs at once opens no more connections than requests in flight, and never undici', async () => {
    s.relay.reset();
    const push = await runCli(s.source, ['push', s.ref], { env: s.env });
    assert.equal(push.code, 0, push.stderr);
    assert.equal(undiciEvents(push), 0);
    const plain = s.relay.connections.filter((c) => !c.tls);
    const requests = plain.flatMap((c) => c.requests);
    assert.equal(requests.length, 4, JSON.stringify(plain));
    // The ping's connection takes the manifest's HEAD, one opens for each blob's HEAD; nothing is PUT.
    assert.ok(plain.length <= 3, JSON.stringify(plain));
  });
});

describe('a push whose blobs are all there, to a tag that names another manifest', () => {
  let s: Setup;
  before(async () => {
    s = await setUp(false);
  });
  after(() => s.cleanup());

  it('PUTs the manifest: only a tag naming this very manifest skips it', async () => {
    const [repo] = s.ref.split(':1');
    const second = `${repo}:2`;
    // :2 is :1 with one more layer; once it is pushed, the registry has every blob of both.
    const committed = await runCli(s.source, ['commit', s.ref, await layerFile(s.dir), second]);
    assert.equal(committed.code, 0, committed.stderr);
    for (const ref of [s.ref, second]) assert.equal((await runCli(s.source, ['push', ref], { env: s.env })).code, 0);
    const retag = await runCli(s.source, ['tag', second, s.ref]);
    assert.equal(retag.code, 0, retag.stderr);
    s.relay.reset();
    const push = await runCli(s.source, ['push', s.ref], { env: s.env });
    assert.equal(push.code, 0, push.stderr);
    const requests = s.relay.connections.flatMap((c) => c.requests);
    assert.ok(requests.includes(`PUT /v2/keep/app/manifests/1`), JSON.stringify(requests));
    const digest = /digest: (sha256:[0-9a-f]{64})/.exec(push.stdout)?.[1];
    const pulled = await runCli(join(s.dir, 'check'), ['pull', `${repo}@${digest}`], { env: s.env });
    assert.equal(pulled.code, 0, pulled.stderr);
    const byTag = await runCli(join(s.dir, 'check'), ['pull', s.ref], { env: s.env });
    assert.match(byTag.stdout, new RegExp(`Digest: ${digest}`));
  });
});

describe('a multi-platform index pushed again', () => {
  let s: Setup;
  before(async () => {
    s = await setUp(false);
  });
  after(() => s.cleanup());

  it('PUTs no manifest, neither the index under its tag nor a platform manifest by digest, and the tag still names the index', async () => {
    const ref = `${s.relay.host}/keep/multi:1`;
    const multi = await addMultiPlatformImage(await FileImageStore.open(s.source), ref);
    const first = await runCli(s.source, ['push', ref], { env: s.env });
    assert.equal(first.code, 0, first.stderr);
    assert.ok(s.relay.connections.flatMap((c) => c.requests).includes('PUT /v2/keep/multi/manifests/1'), 'the first push puts the index');
    s.relay.reset();
    const again = await runCli(s.source, ['push', ref], { env: s.env });
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`^1: digest: ${multi.digest} size: \\d+$`, 'm'));
    const requests = s.relay.connections.flatMap((c) => c.requests);
    assert.ok(!requests.some((r) => r.startsWith('PUT ')), JSON.stringify(requests));
    assert.ok(requests.includes('HEAD /v2/keep/multi/manifests/1'), JSON.stringify(requests));
    for (const digest of Object.values(multi.platforms)) assert.ok(requests.includes(`HEAD /v2/keep/multi/manifests/${digest}`), JSON.stringify(requests));
    const pulled = await runCli(join(s.dir, 'multi-check'), ['pull', ref], { env: s.env });
    assert.equal(pulled.code, 0, pulled.stderr);
    assert.match(pulled.stdout, new RegExp(`Digest: ${multi.digest}`));
  });
});

async function layerFile(dir: string): Promise<string> {
  const file = join(dir, 'extra-layer.tar');
  await writeFile(file, await randomRootfs(1, 20_000));
  return file;
}

describe('a no-op push over TLS, the certificate verified as for a remote registry', () => {
  let s: Setup;
  before(async () => {
    s = await setUp(true);
    const pushed = await runCli(s.source, ['push', s.ref], { env: s.env });
    assert.equal(pushed.code, 0, pushed.stderr);
  });
  after(() => s.cleanup());

  it('reuses one TLS connection for every request, and never undici', async () => {
    s.relay.reset();
    const push = await runCli(s.source, ['push', '--max-concurrent-uploads', '1', s.ref], { env: s.env });
    assert.equal(push.code, 0, push.stderr);
    assert.match(push.stdout, /Layer already exists/);
    assert.equal(undiciEvents(push), 0);
    assert.deepEqual(s.relay.connections.map((c) => c.tls), [true]);
  });
});

describe('a pull and a push that move blobs', () => {
  let s: Setup;
  before(async () => {
    s = await setUp(false);
  });
  after(() => s.cleanup());

  it('a push of new blobs streams each upload on the one kept-alive connection, and never undici', async () => {
    const push = await runCli(s.source, ['push', '--max-concurrent-uploads', '1', s.ref], { env: s.env });
    assert.equal(push.code, 0, push.stderr);
    assert.match(push.stdout, /Pushed/);
    assert.equal(undiciEvents(push), 0);
    const plain = s.relay.connections.filter((c) => !c.tls);
    assert.equal(plain.length, 1, JSON.stringify(s.relay.connections));
    const requests = plain[0]!.requests;
    // The config and the layer: each a session, its bytes, and the PUT that closes it.
    assert.equal(requests.filter((r) => r.startsWith('POST /v2/keep/app/blobs/uploads/')).length, 2, JSON.stringify(requests));
    assert.equal(requests.filter((r) => r.startsWith('PATCH /v2/keep/app/blobs/uploads/')).length, 2, JSON.stringify(requests));
    assert.equal(requests.filter((r) => /^PUT \/v2\/keep\/app\/blobs\/uploads\/.*digest=sha256/.test(r)).length, 2, JSON.stringify(requests));
    assert.equal(requests.at(-1), 'PUT /v2/keep/app/manifests/1');
    assert.deepEqual(plain[0]!.chunked, [], 'stored blobs go with their Content-Length');
  });

  it('a pull into an empty store writes the config and small layers into the store from kept-alive connections, and never undici', async () => {
    s.relay.reset();
    const pull = await runCli(join(s.dir, 'fresh'), ['pull', '--max-concurrent-downloads', '1', s.ref], { env: s.env });
    assert.equal(pull.code, 0, pull.stderr);
    assert.match(pull.stdout, /Downloaded newer image/);
    assert.equal(undiciEvents(pull), 0);
    // The config and the layers download side by side: two connections at most, for four requests.
    const plain = s.relay.connections.filter((c) => !c.tls);
    const requests = plain.flatMap((c) => c.requests);
    assert.equal(requests.length, 4, JSON.stringify(plain));
    assert.equal(requests.filter((r) => r.startsWith('GET /v2/keep/app/blobs/sha256:')).length, 2, JSON.stringify(plain));
    assert.ok(plain.length <= 2, JSON.stringify(plain));
    const pulled = await FileImageStore.open(join(s.dir, 'fresh'));
    const check = await runCli(pulled.root, ['system', 'check'], { env: s.env });
    assert.equal(check.code, 0, check.stdout + check.stderr);
  });

  it('a layer compressed on the way goes chunked, the registry reads it whole (it checks the digest), and it pulls back', async () => {
    const source = await FileImageStore.open(s.source);
    const ref = `${s.relay.host}/keep/plain:1`;
    await addUncompressedImage(source, ref);
    s.relay.reset();
    const push = await runCli(s.source, ['push', ref], { env: s.env });
    assert.equal(push.code, 0, push.stderr);
    assert.equal(undiciEvents(push), 0);
    const chunked = s.relay.connections.flatMap((c) => c.chunked);
    assert.equal(chunked.length, 1, JSON.stringify(s.relay.connections));
    assert.match(chunked[0]!, /^PATCH \/v2\/keep\/plain\/blobs\/uploads\//);
    const pull = await runCli(join(s.dir, 'plain'), ['pull', ref], { env: s.env });
    assert.equal(pull.code, 0, pull.stderr);
    assert.equal(undiciEvents(pull), 0);
  });
});
