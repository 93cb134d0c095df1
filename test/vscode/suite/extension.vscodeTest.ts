// Runs inside VS Code's extension host, against the real `vscode` API.
import * as assert from 'node:assert/strict';
import { resolve } from 'node:path';
import * as vscode from 'vscode';
import type { StevedoreApi } from '../../../src/extension/extension';
import { suite, test } from './harness';

const EXTENSION_ID = 'stevedore.stevedore';

function stevedore(): vscode.Extension<StevedoreApi> {
  const ext = vscode.extensions.getExtension<StevedoreApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not loaded in this VS Code`);
  return ext;
}

suite('extension', () => {
  test('is present and activates', async () => {
    const ext = stevedore();
    const api = await ext.activate();
    assert.equal(ext.isActive, true);
    assert.equal(api.version, ext.packageJSON.version, 'the API returned by activate() reports the wrong version');
  });

  test('registers every command its package.json contributes', async () => {
    await stevedore().activate();
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.length > 0, 'VS Code lists no commands at all');
    const contributed: { command: string }[] = stevedore().packageJSON.contributes?.commands ?? [];
    const missing = contributed.map((c) => c.command).filter((id) => !commands.includes(id));
    assert.deepEqual(missing, [], 'contributed commands that activation did not register');
  });

  test('runs against a throwaway store, never the user\'s', () => {
    const store = process.env.STEVEDORE_STORE;
    assert.ok(store, 'STEVEDORE_STORE is not set in the extension host: the runner must pass it');
    const userDefault = resolve(process.env.XDG_DATA_HOME || resolve(process.env.HOME ?? '/', '.local', 'share'), 'stevedore');
    assert.notEqual(resolve(store), userDefault);
  });

  test('declares where it runs and what it may do: workspace side, Restricted Mode limited, no virtual workspaces', () => {
    const manifest = stevedore().packageJSON;
    assert.deepEqual(manifest.extensionKind, ['workspace']);
    assert.equal(manifest.capabilities?.virtualWorkspaces, false);
    const untrusted = manifest.capabilities?.untrustedWorkspaces;
    assert.equal(untrusted?.supported, 'limited');
    assert.match(untrusted?.description ?? '', /Restricted Mode/);
    // Workspace settings that would send the user's logins elsewhere or loosen TLS are ignored until trusted.
    for (const key of ['stevedore.registries', 'stevedore.insecureRegistries', 'stevedore.useDockerCredentials']) {
      assert.ok(untrusted?.restrictedConfigurations?.includes(key), `${key} is not a restricted configuration`);
    }
  });

  test('registers both views before anything else in activate()', async () => {
    const api = await stevedore().activate();
    assert.equal(typeof api.viewsRegisteredMs, 'number', 'activate() does not report when the views were registered');
    assert.ok(api.viewsRegisteredMs <= api.activationMs);
    // Both views answer at once, before the store was ever opened by them.
    assert.ok(Array.isArray(await api.registriesTree.getChildren()));
  });
});

