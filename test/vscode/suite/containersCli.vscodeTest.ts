// Containers inside VS Code through the CLI in a child process (stevedore.containers.process =
// cli): the path the extension takes when VS Code runs as a user other than root, forced here as
// root (the suite's user) so that it runs in every CI run. Run (its exit status), Run Interactive
// (what is typed reaches the container, on a terminal of the panel's size), Show Changes and the
// view's A/C/D tree, Commit…, Start, Remove, closing the terminal of a running container, Build
// Image… with a RUN step (the Transfers view's rows), a failing RUN (its step and status), a build
// cancelled while its RUN runs (the store unchanged), a build whose FROM needs the login made in
// VS Code, and Prune Build Cache. Each command says where it ran (`through`), so a run in the
// extension's own process cannot pass for one through the CLI.
// test/integration/containersThroughCli.test.ts runs the same module as an unprivileged user.

import * as assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { containerPaths, listContainers } from '../../../src/core/runtime/containerRecord';
import { removeImages } from '../../../src/core/store/removeImages';
import type { StevedoreApi } from '../../../src/extension/extension';
import type { CommandOutcome } from '../../../src/extension/registerCommands';
import type { ContainerChangeNode, ContainerNode } from '../../../src/extension/views/containerNodes';
import { pushImage } from '../../../src/core/registry/pushImage';
import { RegistryClients } from '../../../src/core/registry/registryClients';
import { FileImageStore } from '../../../src/core/store/fileImageStore';
import { busyboxRootfs } from '../../helpers/busybox';
import { importBuffer } from '../../helpers/fixtures';
import { startRegistry } from '../../helpers/registry';
import { storeSnapshot } from '../../helpers/storeSnapshot';
import { suite, suiteSetup, suiteTeardown, test } from './harness';
import { imageNamed, run, runFailing, setSetting, stevedoreApi } from './stevedore';

const SLOW = { timeoutMs: 600_000 };

async function containerRow(api: StevedoreApi, name: string): Promise<ContainerNode | undefined> {
  api.containersTree.refresh();
  return (await api.containersTree.containerNodes()).find((n) => n.record.Name === name);
}

suite('containers through the CLI in a child process (stevedore.containers.process: cli)', () => {
  let api: StevedoreApi;
  let dir: string;

  suiteSetup(async () => {
    api = await stevedoreApi();
    dir = await mkdtemp(join(tmpdir(), 'stevedore-cli-containers-'));
    await setSetting('containers.process', 'cli');
    const rootfs = join(dir, 'rootfs.tar');
    await writeFile(rootfs, await busyboxRootfs());
    await run('stevedore.importRootfs', { file: rootfs, reference: 'clitest/busybox:1' });
  });

  suiteTeardown(async () => {
    // The suites share one store: leave it as this one found it.
    await setSetting('containers.process', 'extension');
    const store = await api.openStore();
    for (const c of await listContainers(store.layout)) {
      if (c.Name.startsWith('clitest-')) await run('stevedore.removeContainer', { container: c.Id, force: true, skipConfirmation: true }).catch(() => undefined);
    }
    const ours = (await store.list()).filter((r) => r.refs.some((ref) => ref.includes('/clitest/')));
    await removeImages(store, ours.map((r) => r.id), { force: true }).catch(() => undefined);
    await setSetting('containers.process', undefined);
    for (const t of vscode.window.terminals) if (t.name.includes('clitest')) t.dispose();
    api.imagesTree.refresh();
    await rm(dir, { recursive: true, force: true });
  });

  test('Run: the exit status; Show Changes and the view\'s tree; Commit… makes the image; Start runs it again; Remove deletes the container', async () => {
    const ran = await run<{ container: { id: string; name: string }; exitCode: number; through: string }>('stevedore.runImage', {
      reference: 'clitest/busybox:1',
      name: 'clitest-run',
      command: ['sh', '-c', 'echo made > /made && rm /bin/true && exit 5'],
      wait: true,
    });
    assert.equal(ran.through, 'cli');
    assert.equal(ran.exitCode, 5);
    assert.equal(ran.container.name, 'clitest-run');

    const row = await containerRow(api, 'clitest-run');
    assert.ok(row, 'no container clitest-run in the Containers view');
    assert.equal(row.record.Id, ran.container.id);
    const shown = await run<string[]>('stevedore.showContainerChanges', row, [row]);
    assert.deepEqual(shown, ['C /bin', 'D /bin/true', 'A /made']);
    const children = ((await api.containersTree.getChildren(row)) ?? []).filter((c): c is ContainerChangeNode => c.kind === 'containerChange');
    assert.deepEqual(children.map((c) => `${c.mark ?? ' '} /${c.path}`), ['C /bin', 'A /made']);

    // A name that is a flag is refused, not passed to the CLI as one (commit takes flags anywhere).
    const flagged = await runFailing('stevedore.commitContainer', { container: 'clitest-run', reference: '--change=CMD ["x"]' });
    assert.equal(flagged.code, 'INVALID_REFERENCE', flagged.message);
    const committed = await run<{ id: string; reference: string; through: string }>('stevedore.commitContainer', {
      container: 'clitest-run',
      reference: 'clitest/made:1',
      message: 'Made a file',
      author: 'Sally <sally@example.com>',
    });
    assert.equal(committed.through, 'cli');
    assert.equal(committed.reference, 'docker.io/clitest/made:1');
    const node = await imageNamed(api, 'clitest/made:1');
    assert.equal(node.record.id, committed.id);
    const history = (await (await api.openStore()).load(node.record)).config.history ?? [];
    assert.equal(history.at(-1)?.comment, 'Made a file');
    assert.equal(history.at(-1)?.author, 'Sally <sally@example.com>');

    // Start runs the command again on the files it left: /bin/true is gone, so its rm fails now.
    const started = await run<{ exitCode: number; through: string }>('stevedore.startContainer', { container: 'clitest-run', wait: true });
    assert.equal(started.through, 'cli');
    assert.equal(started.exitCode, 1);

    const removed = await run<{ through: string }>('stevedore.removeContainer', { container: 'clitest-run', skipConfirmation: true });
    assert.equal(removed.through, 'cli');
    assert.equal(await containerRow(api, 'clitest-run'), undefined);
  }, SLOW);

  test('Run Interactive: keys typed in the terminal reach the container, on a terminal with the panel\'s size', async () => {
    const opened = new Promise<vscode.Terminal>((resolve) => {
      const sub = vscode.window.onDidOpenTerminal((t) => {
        if (t.name === 'Run Interactive: clitest/busybox:1') {
          sub.dispose();
          resolve(t);
        }
      });
    });
    const finished = run<{ container: { id: string; name: string }; exitCode: number; through: string }>('stevedore.runImageInteractive', { reference: 'clitest/busybox:1', name: 'clitest-tty', command: ['/bin/sh'], wait: true });
    const terminal = await opened;
    terminal.sendText('[ -t 0 ] && echo $((6 * 7)) > /typed && stty size >> /typed; exit 3', true);
    const result = await finished;
    assert.equal(result.through, 'cli');
    assert.equal(result.exitCode, 3);
    const row = await containerRow(api, 'clitest-tty');
    assert.ok(row && row.record.Config.Tty && row.record.Config.OpenStdin);
    const paths = containerPaths((await api.openStore()).layout, row.record.Id);
    const typed = await readFile(join(row.record.Driver === 'overlay' ? paths.upper : paths.rootfs, 'typed'), 'utf8');
    assert.match(typed, /^42\n[1-9]\d* [1-9]\d*\n$/);
    terminal.dispose();
  }, SLOW);

  test('closing the terminal of a running container stops it through the CLI: the run is cancelled and the container is gone', async () => {
    // The container says it runs by connecting to this listener (it has the host's network); the
    // terminal is closed then, as a user closes it.
    const listener = createServer();
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const port = (listener.address() as { port: number }).port;
    let terminal: vscode.Terminal | undefined;
    const sub = vscode.window.onDidOpenTerminal((t) => {
      if (t.name === 'Run: clitest/busybox:1') terminal = t;
    });
    let connected = false;
    listener.on('connection', (socket) => {
      connected = true;
      socket.destroy();
      terminal?.dispose();
    });
    try {
      const outcome = await vscode.commands.executeCommand<CommandOutcome>('stevedore.runImage', {
        reference: 'clitest/busybox:1',
        name: 'clitest-close',
        command: ['sh', '-c', `echo running | busybox nc 127.0.0.1 ${port}; busybox sleep 1000`],
        wait: true,
      });
      assert.ok(connected, 'the container never ran');
      assert.ok(outcome && !outcome.ok && outcome.cancelled, `the run was not cancelled: ${JSON.stringify(outcome)}`);
    } finally {
      sub.dispose();
      listener.close();
    }
    // A cancelled run leaves no container behind (as `run` cancelled by Ctrl-C).
    assert.ok(!(await listContainers((await api.openStore()).layout)).some((c) => c.Name === 'clitest-close'));
  }, SLOW);

  test('Build Image… through the CLI pulls its FROM image with the login made in VS Code', async () => {
    const creds = { username: 'builder', password: 'cli-login-secret' };
    const guarded = await startRegistry({ htpasswd: creds });
    const base = `${guarded.host}/clitest/base:1`;
    try {
      const source = await FileImageStore.open(join(dir, 'guarded-source'));
      await importBuffer(source, await busyboxRootfs(), base);
      const clients = new RegistryClients({ credentials: async () => creds });
      try {
        await pushImage(source, clients, { reference: base });
      } finally {
        await clients.close();
      }
      await run('stevedore.registries.login', { registry: guarded.host, ...creds });
      const context = join(dir, 'from-guarded');
      await mkdir(context);
      await writeFile(join(context, 'Dockerfile'), `FROM ${base}\nRUN echo pulled > /pulled\n`);
      const built = await run<{ id: string; through: string }>('stevedore.buildImage', { dockerfile: join(context, 'Dockerfile'), reference: 'clitest/from-guarded:1' });
      assert.equal(built.through, 'cli');
      const store = await api.openStore();
      assert.equal((await store.load(await store.find(built.id))).manifest.layers.length, 2);
      assert.ok(await store.find(base), 'the base was pulled into the store');
    } finally {
      await run('stevedore.registries.logout', { registry: guarded.host }).catch(() => undefined);
      const store = await api.openStore();
      await removeImages(store, [base], { force: true }).catch(() => undefined);
      await guarded.stop();
    }
  }, SLOW);

  test('Build Image… with RUN: the steps\' layers in the Transfers view; a failing RUN names its step and status; a build cancelled while its RUN runs changes nothing; Prune Build Cache', async () => {
    // The suites share one store: this test prunes only the cache entries its build makes.
    const cacheDir = join(api.storePath, 'stevedore', 'cache', 'build');
    const cachedBefore = new Set(await readdir(cacheDir).catch(() => [] as string[]));
    const context = join(dir, 'with-run');
    await mkdir(context);
    await writeFile(join(context, 'note.txt'), 'note\n');
    await writeFile(join(context, 'Dockerfile'), 'FROM clitest/busybox:1\nRUN echo built > /built\nCOPY note.txt /note.txt\n');
    const built = await run<{ id: string; reference: string; through: string }>('stevedore.buildImage', { dockerfile: join(context, 'Dockerfile'), reference: 'clitest/built:1' });
    assert.equal(built.through, 'cli');
    assert.equal(built.reference, 'docker.io/clitest/built:1');
    const store = await api.openStore();
    const layers = (await store.load(await store.find(built.id))).manifest.layers;
    assert.equal(layers.length, 3);
    const shown = api.transfers.view().find((t) => t.title === 'Building clitest/built:1');
    assert.ok(shown, `no build in the Transfers view; it lists ${api.transfers.view().map((t) => t.title).join(', ')}`);
    assert.equal(shown.state, 'done');
    assert.deepEqual(shown.layers.map((l) => [l.key, l.phase, l.status]), [['step 2', 'done', 'Written'], ['step 3', 'done', 'Written']]);
    assert.deepEqual(shown.layers.map((l) => l.total), layers.slice(1).map((l) => l.size));
    const ourEntries = (await readdir(cacheDir)).filter((name) => !cachedBefore.has(name));
    assert.ok(ourEntries.length > 0, 'the build cached none of its steps');

    const failing = join(dir, 'failing');
    await mkdir(failing);
    await writeFile(join(failing, 'Dockerfile'), 'FROM clitest/busybox:1\nRUN exit 7\n');
    const before = await storeSnapshot(api.storePath);
    const failure = await runFailing('stevedore.buildImage', { dockerfile: join(failing, 'Dockerfile'), reference: 'clitest/never:1' });
    assert.equal(failure.code, 'BUILD_STEP_FAILED');
    assert.match(failure.message, /The command '\/bin\/sh -c exit 7' returned a non-zero code: 7 \(Dockerfile line 2\)/);
    assert.deepEqual(await storeSnapshot(api.storePath), before);

    // The RUN says it runs by connecting to this listener (the build has the host's network); the
    // build is cancelled then, as the Transfers view's Cancel does.
    const listener = createServer();
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const port = (listener.address() as { port: number }).port;
    const slow = join(dir, 'slow');
    await mkdir(slow);
    // Told anything back (no build row to cancel), the RUN fails at once instead of sleeping on.
    await writeFile(join(slow, 'Dockerfile'), `FROM clitest/busybox:1\nRUN echo running | busybox nc 127.0.0.1 ${port} > /reply; test -s /reply && exit 9; busybox sleep 1000\n`);
    let connected = false;
    let missing: string | undefined;
    listener.on('connection', (socket) => {
      connected = true;
      const transfer = api.transfers.view().find((t) => t.state === 'running' && t.title === 'Building clitest/never:2');
      if (transfer) {
        socket.destroy();
        api.transfers.cancel(transfer.id);
      } else {
        missing = api.transfers.view().map((t) => `${t.title} (${t.state})`).join(', ') || 'nothing';
        socket.end('no build row\n');
      }
    });
    try {
      const outcome = await vscode.commands.executeCommand<CommandOutcome>('stevedore.buildImage', { dockerfile: join(slow, 'Dockerfile'), reference: 'clitest/never:2' });
      assert.ok(connected, 'the RUN step never ran');
      assert.equal(missing, undefined, `no running transfer "Building clitest/never:2" when the RUN ran; the Transfers view listed: ${missing}`);
      assert.ok(outcome && !outcome.ok, 'the build finished although it was cancelled');
      assert.equal(outcome.cancelled, true, outcome.message);
    } finally {
      listener.close();
    }
    assert.deepEqual(await storeSnapshot(api.storePath), before);

    // Without its image the build's entries are dangling: the prune of dangling entries takes them
    // (and no entry an image of another suite holds).
    await removeImages(await api.openStore(), [built.id], { force: true });
    const pruned = await run<{ deleted: number; through: string }>('stevedore.pruneBuildCache', { skipConfirmation: true });
    assert.equal(pruned.through, 'cli');
    assert.ok(pruned.deleted >= ourEntries.length, `pruned ${pruned.deleted}, the build made ${ourEntries.length}`);
    const left = new Set(await readdir(cacheDir));
    assert.deepEqual(ourEntries.filter((name) => left.has(name)), []);
  }, SLOW);
});
