// Registries behind a real HTTP proxy (Debian's tinyproxy), set the way users set it: HTTP_PROXY
// for a plain-HTTP registry (requests in absolute form), HTTPS_PROXY for a TLS one (a CONNECT
// tunnel), NO_PROXY to go direct, Basic auth on the proxy with the credentials in its URL. The
// registries listen on this machine's non-loopback address, since loopback is never proxied.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pushImage } from '../../src/core/registry/pushImage';
import { RegistryClients } from '../../src/core/registry/registryClients';
import { FileImageStore } from '../../src/core/store/fileImageStore';
import { runCli } from '../helpers/cli';
import { importBuffer, randomRootfs, tempDir } from '../helpers/fixtures';
import { freePort, nonLoopbackAddress, startRegistry, type RunningRegistry } from '../helpers/registry';
import { startTinyproxy, type RunningProxy } from '../helpers/tinyproxy';

const NO_PROXY_ENV = { HTTP_PROXY: '', HTTPS_PROXY: '', NO_PROXY: '', http_proxy: '', https_proxy: '', no_proxy: '' };

describe('registries behind an HTTP proxy', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let plain: RunningRegistry;
  let tls: RunningRegistry;
  let proxy: RunningProxy;
  let guarded: RunningProxy;
  let stores = 0;
  const insecure = (registry: RunningRegistry): string[] => ['--insecure-registry', registry.host];
  const store = (): string => join(dir.path, `store-${stores++}`);

  before(async () => {
    dir = await tempDir();
    const address = nonLoopbackAddress();
    plain = await startRegistry({ listen: address });
    tls = await startRegistry({ listen: address, tls: true });
    proxy = await startTinyproxy();
    guarded = await startTinyproxy({ basicAuth: { username: 'walrus', password: 'carpenter-secret' } });
    // Pushed directly: what is under test is the way back, through the proxy. Layers of 1.2 MB,
    // the size that would otherwise take the socket path (socketGet.ts).
    const source = await FileImageStore.open(join(dir.path, 'source'));
    const clients = new RegistryClients({ insecureRegistries: [plain.host, tls.host] });
    try {
      for (const registry of [plain, tls]) {
        await importBuffer(source, await randomRootfs(2, 600_000), `${registry.host}/behind/proxy:1`);
        await pushImage(source, clients, { reference: `${registry.host}/behind/proxy:1` });
      }
    } finally {
      await clients.close();
    }
  });
  after(async () => {
    await proxy?.stop();
    await guarded?.stop();
    await plain?.stop();
    await tls?.stop();
    await dir?.cleanup();
  });

  it('HTTP_PROXY carries a plain-HTTP registry\'s requests, layers included', async () => {
    const before = (await proxy.requests()).length;
    // HTTPS_PROXY too, as people set both: the HTTPS probe of the insecure registry fails through
    // the tunnel, and plain HTTP through the proxy follows.
    const out = await runCli(store(), ['pull', ...insecure(plain), `${plain.host}/behind/proxy:1`], { env: { ...NO_PROXY_ENV, HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url } });
    assert.equal(out.code, 0, out.stderr);
    const relayed = (await proxy.requests()).slice(before);
    assert.ok(relayed.some((r) => r.startsWith(`GET http://${plain.host}/v2/behind/proxy/manifests/1 `)), relayed.join('\n'));
    assert.equal(relayed.filter((r) => new RegExp(`^GET http://${plain.host}/v2/behind/proxy/blobs/sha256:`).test(r)).length, 2, 'config and layer');
  });

  it('HTTPS_PROXY tunnels to a TLS registry with CONNECT', async () => {
    const before = (await proxy.requests()).length;
    const out = await runCli(store(), ['pull', ...insecure(tls), `${tls.host}/behind/proxy:1`], { env: { ...NO_PROXY_ENV, HTTPS_PROXY: proxy.url } });
    assert.equal(out.code, 0, out.stderr);
    const relayed = (await proxy.requests()).slice(before);
    assert.ok(relayed.length > 0 && relayed.every((r) => r.startsWith(`CONNECT ${tls.host} `)), relayed.join('\n'));
  });

  it('NO_PROXY sends a registry direct', async () => {
    const before = (await proxy.requests()).length;
    const address = plain.host.split(':')[0]!;
    const out = await runCli(store(), ['pull', ...insecure(plain), `${plain.host}/behind/proxy:1`], { env: { ...NO_PROXY_ENV, HTTP_PROXY: proxy.url, NO_PROXY: `example.com,${address}` } });
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual((await proxy.requests()).slice(before), []);
  });

  it('a proxy that wants credentials gets them from its URL; without them the message says so, and no password is shown', async () => {
    const good = await runCli(store(), ['pull', ...insecure(tls), `${tls.host}/behind/proxy:1`], { env: { ...NO_PROXY_ENV, HTTPS_PROXY: `http://walrus:carpenter-secret@127.0.0.1:${guarded.port}` } });
    assert.equal(good.code, 0, good.stderr);
    for (const url of [guarded.url, `http://walrus:wrong-secret@127.0.0.1:${guarded.port}`]) {
      const target = store();
      const bad = await runCli(target, ['pull', ...insecure(tls), `${tls.host}/behind/proxy:1`], { env: { ...NO_PROXY_ENV, HTTPS_PROXY: url } });
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /proxy http:\/\/127\.0\.0\.1:\d+ asks for credentials \(HTTP 40[17]\)/);
      assert.doesNotMatch(bad.stdout + bad.stderr, /secret/);
      const images = await runCli(target, ['images', '-q']);
      assert.equal(images.stdout, '', 'nothing was stored');
    }
  });

  it('a proxy that is not there is named in the error', async () => {
    const port = await freePort();
    const out = await runCli(store(), ['pull', ...insecure(plain), `${plain.host}/behind/proxy:1`], { env: { ...NO_PROXY_ENV, HTTP_PROXY: `127.0.0.1:${port}` } });
    assert.equal(out.code, 1);
    assert.match(out.stderr, new RegExp(`Could not connect to the proxy http://127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`));
  });
});
