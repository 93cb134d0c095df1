// Containers inside VS Code, on the real runc (the suite runs as root): the seed 004 workflow
// (run an image with a command that changes files, commit it with a message and an author, the
// new image appears in the Images view and its history has both), the Containers view with each
// container's changes as an A/C/D tree, Run Interactive typing into a terminal, Start and Remove.

import * as assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { NodeFlag, treePath } from '../../../src/core/layers/compactTree';
import { containerPaths, listContainers } from '../../../src/core/runtime/containerRecord';
import type { StevedoreApi } from '../../../src/extension/extension';
import type { ContainerChangeNode, ContainerNode, ContainersTreeNode } from '../../../src/extension/views/containerNodes';
import { busyboxRootfs } from '../../helpers/busybox';
import { suite, suiteSetup, suiteTeardown, test } from './harness';
import { imageNamed, run, stevedoreApi, untilImagesView } from './stevedore';

const SLOW = { timeoutMs: 600_000 };

/** The change rows below a container, depth first, as "MARK /path" ("  /path" for an unmarked folder). */
async function changeRows(api: StevedoreApi, node: ContainerNode): Promise<string[]> {
  const out: string[] = [];
  const walk = async (children: readonly ContainersTreeNode[]): Promise<void> => {
    for (const child of children) {
      if (child.kind !== 'containerChange') continue;
      const c = child as ContainerChangeNode;
      out.push(`${c.mark ?? ' '} /${c.path}`);
      await walk((await api.containersTree.getChildren(c)) ?? []);
    }
  };
  await walk((await api.containersTree.getChildren(node)) ?? []);
  return out;
}

async function containerRow(api: StevedoreApi, name: string): Promise<ContainerNode> {
  api.containersTree.refresh();
  const found = (await api.containersTree.containerNodes()).find((n) => n.record.Name === name);
  assert.ok(found, `no container ${name} in the Containers view`);
  return found;
}

suite('containers: run, commit, changes, start, remove', () => {
  let api: StevedoreApi;
  let dir: string;

  suiteSetup(async () => {
    api = await stevedoreApi();
    dir = await mkdtemp(join(tmpdir(), 'stevedore-containers-'));
    const rootfs = join(dir, 'rootfs.tar');
    await writeFile(rootfs, await busyboxRootfs());
    await run('stevedore.importRootfs', { file: rootfs, reference: 'ctrtest/busybox:1' });
  });

  suiteTeardown(async () => {
    // The suites share one store: leave it as this one found it.
    const store = await api.openStore();
    for (const c of await listContainers(store.layout)) {
      if (c.Name.startsWith('ctrtest-')) await run('stevedore.removeContainer', { container: c.Id, force: true, skipConfirmation: true }).catch(() => undefined);
    }
    for (const name of ['ctrtest/busybox:1', 'ctrtest/changed:1', 'ctrtest/vim:1']) {
      const node = await imageNamed(api, name).catch(() => undefined);
      if (node) await run('stevedore.removeImage', node, [node], { force: true, skipConfirmation: true }).catch(() => undefined);
    }
    for (const t of vscode.window.terminals) if (t.name.includes('ctrtest')) t.dispose();
    await rm(dir, { recursive: true, force: true });
  });

  test('seed 004: Run with a command that changes files, Commit… with message and author, the image and its history', async () => {
    const ran = await run<{ container: { id: string; name: string }; exitCode: number }>('stevedore.runImage', {
      reference: 'ctrtest/busybox:1',
      name: 'ctrtest-seed',
      command: ['sh', '-c', 'echo vim > /etc/installed && rm /bin/true && mkdir -p /usr/local/bin && echo done'],
      wait: true,
    });
    assert.equal(ran.exitCode, 0);
    assert.equal(ran.container.name, 'ctrtest-seed');

    const row = await containerRow(api, 'ctrtest-seed');
    assert.equal(row.state, 'exited');
    assert.deepEqual(await changeRows(api, row), ['C /bin', 'D /bin/true', 'C /etc', 'A /etc/installed', 'A /usr', 'A /usr/local', 'A /usr/local/bin']);
    const shown = await run<string[]>('stevedore.showContainerChanges', row, [row]);
    assert.deepEqual(shown, ['C /bin', 'D /bin/true', 'C /etc', 'A /etc/installed', 'A /usr', 'A /usr/local', 'A /usr/local/bin']);

    const committed = await run<{ id: string; reference: string }>('stevedore.commitContainer', {
      container: 'ctrtest-seed',
      reference: 'ctrtest/changed:1',
      message: 'Added vim',
      author: 'Sally <sally@example.com>',
    });
    assert.equal(committed.reference, 'docker.io/ctrtest/changed:1');
    const node = await imageNamed(api, 'ctrtest/changed:1');
    assert.equal(node.record.summary.layerCount, 2);
    const store = await api.openStore();
    const history = (await store.load(node.record)).config.history ?? [];
    const top = history[history.length - 1]!;
    assert.equal(top.comment, 'Added vim');
    assert.equal(top.author, 'Sally <sally@example.com>');
    assert.match(top.created_by ?? '', /echo vim > \/etc\/installed/);
  }, SLOW);

  test('Run Interactive: keys typed in the terminal reach the container, on a terminal with the panel\'s size', async () => {
    const opened = new Promise<vscode.Terminal>((resolve) => {
      const sub = vscode.window.onDidOpenTerminal((t) => {
        if (t.name === 'Run Interactive: ctrtest/busybox:1') {
          sub.dispose();
          resolve(t);
        }
      });
    });
    const finished = run<{ container: { id: string; name: string }; exitCode: number }>('stevedore.runImageInteractive', { reference: 'ctrtest/busybox:1', name: 'ctrtest-tty', command: ['/bin/sh'], wait: true });
    const terminal = await opened;
    // The shell reads it once it runs: the pty keeps what is typed before.
    terminal.sendText('[ -t 0 ] && stty size > /typed; exit 3', true);
    const result = await finished;
    assert.equal(result.exitCode, 3);
    const row = await containerRow(api, 'ctrtest-tty');
    assert.ok(row.record.Config.Tty && row.record.Config.OpenStdin);
    assert.deepEqual(await changeRows(api, row), ['A /typed']);
    // A size, not the 0x0 of a pty nobody sized.
    const paths = containerPaths((await api.openStore()).layout, row.record.Id);
    const size = await readFile(join(row.record.Driver === 'overlay' ? paths.upper : paths.rootfs, 'typed'), 'utf8');
    assert.match(size, /^[1-9]\d* [1-9]\d*\n$/);
    terminal.dispose();
  }, SLOW);

  test('seed 004 as a user does it: Run Interactive, change files at the prompt, exit, Commit…; the image is in the Images view and its new layer, in the inspector, holds the change', async () => {
    const opened = new Promise<vscode.Terminal>((resolve) => {
      const sub = vscode.window.onDidOpenTerminal((t) => {
        if (t.name === 'Run Interactive: ctrtest/busybox:1') {
          sub.dispose();
          resolve(t);
        }
      });
    });
    const finished = run<{ exitCode: number }>('stevedore.runImageInteractive', { reference: 'ctrtest/busybox:1', name: 'ctrtest-vim', command: ['/bin/sh'], wait: true });
    const terminal = await opened;
    // What the seed types ("apt-get install vim"), in busybox's words: a file installed, one removed.
    terminal.sendText('mkdir -p /usr/share/vim && echo "vim 9.0" > /usr/share/vim/installed && rm /bin/true; exit', true);
    assert.equal((await finished).exitCode, 0);
    terminal.dispose();

    await run('stevedore.commitContainer', { container: 'ctrtest-vim', reference: 'ctrtest/vim:1', message: 'Installed vim', author: 'Sally <sally@example.com>' });
    await untilImagesView(api, (tags) => tags.includes('ctrtest/vim:1'));
    const node = await imageNamed(api, 'ctrtest/vim:1');
    assert.equal(node.record.summary.layerCount, 2);
    // Inspect, as the Images view's context menu runs it on the row.
    const inspected = await run<{ manifestDigest: string; title: string }>('stevedore.inspectImage', node, [node]);
    assert.equal(inspected.title, 'ctrtest/vim:1');
    try {
      // The committed layer as the inspector's file tree serves it to its page: the change, marked.
      const layer = await api.inspector.tree(inspected.manifestDigest, 1, 'layer');
      const marks = ['', 'A', 'M', 'D'];
      const changed = new Map<string, { mark: string; size: number }>();
      for (let i = 1; i < layer.count; i++) {
        const status = (layer.flags[i]! & NodeFlag.statusMask) >> NodeFlag.statusShift;
        if (status !== 0) changed.set(treePath(layer, i), { mark: marks[status]!, size: layer.size[i]! });
      }
      assert.deepEqual(changed.get('/usr/share/vim/installed'), { mark: 'A', size: 'vim 9.0\n'.length }, `the layer's changes: ${[...changed].map(([p, c]) => `${c.mark} ${p}`).join(', ')}`);
      assert.equal(changed.get('/bin/true')?.mark, 'D');
      // Merged up to that layer: the file is there and the removed one is not.
      const merged = await api.inspector.tree(inspected.manifestDigest, 1, 'merged');
      const paths = new Set(Array.from({ length: merged.count }, (_, i) => treePath(merged, i)));
      assert.ok(paths.has('/usr/share/vim/installed') && paths.has('/bin/sh'));
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    }
  }, SLOW);

  test('Start runs a stopped container again on its files; Remove deletes it and its row', async () => {
    const started = await run<{ exitCode: number }>('stevedore.startContainer', { container: 'ctrtest-seed', wait: true });
    // The command again: /usr/local/bin exists now, /bin/true is gone, so rm fails.
    assert.equal(started.exitCode, 1);
    await run('stevedore.removeContainer', { container: 'ctrtest-seed', skipConfirmation: true });
    api.containersTree.refresh();
    assert.ok(!(await api.containersTree.containerNodes()).some((n) => n.record.Name === 'ctrtest-seed'));
    const store = await api.openStore();
    assert.ok(!(await listContainers(store.layout)).some((c) => c.Name === 'ctrtest-seed'));
  }, SLOW);
});
