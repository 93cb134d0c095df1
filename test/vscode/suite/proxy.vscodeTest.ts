// The extension behind an HTTP proxy: VS Code's own `http.proxy` setting (which VS Code applies to
// Node's http modules only, not to undici) carries the pull through Debian's tinyproxy, and
// `http.noProxy` sends the registry direct. The registry listens on this machine's non-loopback
// address, since loopback is never proxied.

import * as assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { pushImage } from '../../../src/core/registry/pushImage';
import { RegistryClients } from '../../../src/core/registry/registryClients';
import { FileImageStore } from '../../../src/core/store/fileImageStore';
import { importBuffer, randomRootfs } from '../../helpers/fixtures';
import { nonLoopbackAddress, startRegistry, type RunningRegistry } from '../../helpers/registry';
import { startTinyproxy, type RunningProxy } from '../../helpers/tinyproxy';
import { suite, suiteSetup, suiteTeardown, test } from './harness';
import { run, setSetting } from './stevedore';

const LONG = { timeoutMs: 600_000 };

async function setHttpSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration('http').update(key, value, vscode.ConfigurationTarget.Global);
}

suite('registries behind VS Code\'s http.proxy', () => {
  let dir: string;
  let registry: RunningRegistry;
  let proxy: RunningProxy;

  suiteSetup(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stevedore-proxy-'));
    registry = await startRegistry({ listen: nonLoopbackAddress() });
    proxy = await startTinyproxy();
    const source = await FileImageStore.open(join(dir, 'source'));
    const clients = new RegistryClients({ insecureRegistries: [registry.host] });
    try {
      for (const tag of ['1', '2']) {
        await importBuffer(source, await randomRootfs(2, 600_000), `${registry.host}/proxied/app:${tag}`);
        await pushImage(source, clients, { reference: `${registry.host}/proxied/app:${tag}` });
      }
    } finally {
      await clients.close();
    }
    await setSetting('insecureRegistries', [registry.host]);
    await setHttpSetting('proxy', proxy.url);
  });

  suiteTeardown(async () => {
    await setHttpSetting('proxy', undefined);
    await setHttpSetting('noProxy', undefined);
    await setSetting('insecureRegistries', undefined);
    await proxy?.stop();
    await registry?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('a pull goes through the proxy http.proxy names', async () => {
    const before = (await proxy.requests()).length;
    await run('stevedore.pullImage', { reference: `${registry.host}/proxied/app:1` });
    const relayed = (await proxy.requests()).slice(before);
    assert.ok(relayed.some((r) => r.startsWith(`GET http://${registry.host}/v2/proxied/app/manifests/1 `)), relayed.join('\n'));
    assert.ok(relayed.some((r) => new RegExp(`^GET http://${registry.host}/v2/proxied/app/blobs/sha256:`).test(r)), 'the layers too');
  }, LONG);

  test('http.noProxy sends the registry direct', async () => {
    await setHttpSetting('noProxy', [registry.host.split(':')[0]]);
    const before = (await proxy.requests()).length;
    await run('stevedore.pullImage', { reference: `${registry.host}/proxied/app:2` });
    assert.deepEqual((await proxy.requests()).slice(before), []);
  }, LONG);
});
