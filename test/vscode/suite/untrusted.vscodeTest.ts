// Restricted Mode (Workspace Trust): run by `runSuite.mjs --untrusted`, which turns Workspace Trust
// on and leaves the workspace untrusted; the normal run (trust off) does not register these tests.
// Building from a workspace Dockerfile is refused with a Manage Workspace Trust button and the
// store unchanged; browsing the store and the registries still works.

import * as assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { storeSnapshot } from '../../helpers/storeSnapshot';
import { suite, test } from './harness';
import { runFailing, stevedoreApi } from './stevedore';

if (process.env.STEVEDORE_TEST_WORKSPACE_TRUST === 'untrusted') {
  suite('untrusted workspace', () => {
    test('the runner opened the workspace in Restricted Mode', () => {
      assert.equal(vscode.workspace.isTrusted, false, 'the workspace is trusted: the runner must start code-server with Workspace Trust on');
    });

    test('Build Image… on a workspace Dockerfile is refused with Manage Workspace Trust, and the store is unchanged', async () => {
      const api = await stevedoreApi();
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
      assert.ok(folder, 'no workspace folder is open');
      const context = join(folder, 'app');
      await mkdir(context, { recursive: true });
      await writeFile(join(context, 'hello.txt'), 'hello\n');
      await writeFile(join(context, 'Dockerfile'), 'FROM scratch\nCOPY hello.txt /\n');
      const before = await storeSnapshot(api.storePath);
      const failure = await runFailing('stevedore.buildImage', { dockerfile: join(context, 'Dockerfile'), reference: 'untrusted:1' });
      assert.equal(failure.code, 'UNTRUSTED_WORKSPACE');
      assert.match(failure.message, /Restricted Mode/);
      assert.deepEqual(failure.actions, ['Manage Workspace Trust']);
      assert.deepEqual(await storeSnapshot(api.storePath), before);
    });

    test('browsing still works: both views list what they have', async () => {
      const api = await stevedoreApi();
      assert.ok(Array.isArray(await api.imagesTree.getChildren()));
      const registries = (await api.registriesTree.getChildren()) ?? [];
      assert.ok(registries.some((n) => n.kind === 'registry'), 'the Registries view shows no registry (Docker Hub at least)');
    });
  });
}
