// Containers beside Docker (a private dockerd on vfs, Debian's runc under both): the same command
// run in `stevedore run` and `docker run` on the same image changes the same files (`diff`), and
// `commit` makes a layer whose entries match docker commit's file by file (path, type, mode,
// owner, size, content hash, link target, whiteouts). The seed 004 workflow: run, change, commit
// -m -a, save, docker load, and docker run sees the change; history shows the message and author.

import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BUSYBOX } from '../helpers/busybox';
import { runCli } from '../helpers/cli';
import { startDockerd, type Dockerd } from '../helpers/dockerd';
import { makeTar, tempDir } from '../helpers/fixtures';
import { lastLayerOfDockerSave, layerFacts, layersOfDockerSave } from '../helpers/layerEntries';
import { FileImageStore } from '../../src/core/store/fileImageStore';

/** Creates, modifies, chmods, chowns, symlinks, hard-links and deletes files and folders. */
const SCRIPT = [
  'set -e',
  'busybox mkdir -p /data/sub /srv/app',
  'echo hello > /data/sub/file',
  'busybox chmod 640 /data/sub/file',
  'busybox chown 1000:1001 /data/sub/file',
  'busybox ln -s sub/file /data/link',
  'busybox ln /data/sub/file /data/hard',
  'busybox rm /etc/motd',
  'busybox rm -r /old',
  'echo "app:x:1000:1001::/home/app:/bin/sh" >> /etc/passwd',
  'busybox mkfifo /data/fifo',
  'echo run > /srv/app/run.sh && busybox chmod 4755 /srv/app/run.sh',
  'busybox chmod 700 /keep',
  'busybox rm -r /again && busybox mkdir /again && echo n > /again/n',
  'echo out; echo err >&2',
  'exit 3',
].join('\n');

async function mountsBelowStore(store: string): Promise<string[]> {
  return (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').filter((line) => line.includes(store));
}

/** RUN steps that create, change, chmod, chown, link, delete, empty and recreate, add a user and run as it. */
const RUN_DOCKERFILE = `FROM base:1
ARG WHO=nobody
RUN busybox mkdir -p /data/sub && echo hello > /data/sub/file && busybox chmod 640 /data/sub/file && busybox chown 1000:1001 /data/sub/file && busybox ln -s sub/file /data/link && busybox ln /data/sub/file /data/hard
RUN busybox rm /etc/motd && busybox rm -r /old && echo "app:x:1000:1001::/home/app:/bin/sh" >> /etc/passwd && echo "app:x:1001:" >> /etc/group && busybox mkdir -p /home/app && busybox chown 1000:1001 /home/app
RUN busybox rm -r /again && busybox mkdir /again && echo n > /again/n && echo "hello from RUN $WHO"
ENV GREETING=hi
USER app
RUN echo "$GREETING $WHO" > /home/app/mine && busybox id > /home/app/id
RUN true
CMD ["/bin/sh", "-c", "busybox cat /home/app/mine /home/app/id; busybox stat -c '%n %a %u %g %F' /data /data/* /again /again/*"]
`;

describe('containers beside docker', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let engine: Dockerd;
  let store: string;

  before(async () => {
    dir = await tempDir();
    store = join(dir.path, 'store');
    engine = await startDockerd();
    const rootfs = await makeTar([
      { name: 'bin/', type: 'directory' },
      { name: 'bin/busybox', content: await readFile(BUSYBOX), mode: 0o755 },
      { name: 'bin/sh', type: 'symlink', linkname: 'busybox' },
      { name: 'etc/', type: 'directory' },
      { name: 'etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\n' },
      { name: 'etc/group', content: 'root:x:0:\n' },
      { name: 'etc/motd', content: 'welcome\n' },
      { name: 'old/', type: 'directory' },
      { name: 'old/a/', type: 'directory' },
      { name: 'old/a/b', content: 'b\n' },
      { name: 'keep/', type: 'directory' },
      { name: 'again/', type: 'directory' },
      { name: 'again/old', content: 'old\n' },
      { name: 'tmp/', type: 'directory', mode: 0o1777 },
    ]);
    await writeFile(join(dir.path, 'rootfs.tar'), rootfs);
    const imported = await runCli(store, ['import', '-c', 'CMD ["/bin/sh"]', join(dir.path, 'rootfs.tar'), 'base:1']);
    assert.equal(imported.code, 0, imported.stderr);
    const saved = await runCli(store, ['save', '-o', join(dir.path, 'base.tar'), 'base:1']);
    assert.equal(saved.code, 0, saved.stderr);
    const loaded = await engine.docker(['load', '-i', join(dir.path, 'base.tar')]);
    assert.equal(loaded.code, 0, loaded.stderr);
  });
  after(async () => {
    await engine?.stop();
    await dir?.cleanup();
  });

  it('run streams stdout and stderr and returns the exit status; diff and the committed layer match docker file by file', async () => {
    const theirs = await engine.docker(['run', '--network', 'none', '--name', 'work', 'base:1', 'sh', '-c', SCRIPT]);
    assert.equal(theirs.code, 3, theirs.stderr);
    const theirDiff = await engine.docker(['diff', 'work']);
    const dockerCommit = await engine.docker(['commit', '-m', 'add data', '-a', 'Ann <ann@example.com>', 'work', 'work:docker']);
    assert.equal(dockerCommit.code, 0, dockerCommit.stderr);
    const dockerSave = join(dir.path, 'docker-work.tar');
    assert.equal((await engine.docker(['save', '-o', dockerSave, 'work:docker'])).code, 0);
    const theirFacts = await layerFacts(await lastLayerOfDockerSave(dockerSave));
    const inspected = JSON.parse((await engine.docker(['inspect', 'work:docker'])).stdout) as { Config: { Cmd: string[]; Env?: string[] }; Author: string; Comment: string }[];

    // overlayfs (the default here, as root) and the vfs copy give the same layer.
    for (const [name, snapshotter] of [['work', 'overlay'], ['work-vfs', 'vfs']] as const) {
      const ours = await runCli(store, ['run', '--network', 'none', '--name', name, 'base:1', 'sh', '-c', SCRIPT], { env: { STEVEDORE_SNAPSHOTTER: snapshotter } });
      assert.equal(ours.code, 3, ours.stderr);
      assert.equal(ours.stdout, 'out\n');
      assert.equal(ours.stderr, 'err\n');
      const opened = await FileImageStore.open(store);
      const inspect = JSON.parse(await readFile(join(store, 'stevedore', 'containers', (await runCli(store, ['ps', '-aq', '--no-trunc', '--format', '{{.ID}} {{.Names}}'])).stdout.split('\n').find((l) => l.endsWith(` ${name}`))!.split(' ')[0]!, 'container.json'), 'utf8')) as { Driver: string };
      assert.equal(inspect.Driver, snapshotter);

      const ourDiff = await runCli(store, ['diff', name]);
      assert.equal(ourDiff.code, 0, ourDiff.stderr);
      assert.deepEqual(ourDiff.stdout.split('\n').sort(), theirDiff.stdout.split('\n').sort(), snapshotter);
      assert.match(ourDiff.stdout, /^D \/old$/m);
      assert.match(ourDiff.stdout, /^D \/again\/old$/m);

      const committed = await runCli(store, ['commit', '-m', 'add data', '-a', 'Ann <ann@example.com>', name, `${name}:2`]);
      assert.equal(committed.code, 0, committed.stderr);
      assert.match(committed.stdout, /^sha256:[0-9a-f]{64}\n$/);
      const image = await opened.load(await opened.find(`${name}:2`));
      const ourFacts = await layerFacts(await readFile(opened.blobs.path(image.manifest.layers.at(-1)!.digest)));
      assert.deepEqual(ourFacts, theirFacts, snapshotter);
      assert.ok(ourFacts.some((f) => f.path === '.wh.old'));
      assert.ok(ourFacts.some((f) => f.path === 'data/sub/file' && f.type === 'link' && f.link === 'data/hard'));
      assert.deepEqual(image.config.config?.Cmd, inspected[0]!.Config.Cmd);
      assert.equal(image.config.author, inspected[0]!.Author);
      const ourHistory = image.config.history!.at(-1)!;
      assert.equal(ourHistory.comment, 'add data');
      assert.equal(ourHistory.author, 'Ann <ann@example.com>');
    }
    assert.deepEqual(await mountsBelowStore(store), [], 'no root filesystem stays mounted');
  });

  it('seed 004: run, change, commit -m -a, save, docker load, and docker run sees the change', async () => {
    const ran = await runCli(store, ['run', '--name', 'seed', 'base:1', 'sh', '-c', 'echo "set number" > /etc/vimrc']);
    assert.equal(ran.code, 0, ran.stderr);
    const committed = await runCli(store, ['commit', '-m=Added vimrc', '-a=Sally', 'seed', 'seed/vim:v1']);
    assert.equal(committed.code, 0, committed.stderr);
    const history = await runCli(store, ['history', '--format', '{{.CreatedBy}}|{{.Comment}}', 'seed/vim:v1']);
    assert.equal(history.stdout.split('\n')[0], 'sh -c echo "set number" > /etc/vimrc|Added vimrc');
    const archive = join(dir.path, 'seed.tar');
    assert.equal((await runCli(store, ['save', '-o', archive, 'seed/vim:v1'])).code, 0);
    assert.equal((await engine.docker(['load', '-i', archive])).code, 0);
    const shown = await engine.docker(['run', '--rm', '--network', 'none', 'seed/vim:v1', 'busybox', 'cat', '/etc/vimrc']);
    assert.equal(shown.stdout, 'set number\n', shown.stderr);
    const author = await engine.docker(['inspect', '--format', '{{.Author}}', 'seed/vim:v1']);
    assert.equal(author.stdout, 'Sally\n');
  });

  it('ps lists containers as docker does; rm removes them; --rm leaves nothing behind', async () => {
    const ps = await runCli(store, ['ps', '-a']);
    assert.match(ps.stdout, /^CONTAINER ID {3}IMAGE {5}COMMAND +CREATED +STATUS +PORTS {5}NAMES\n/);
    // Docker's COMMAND: the command cut to 20 columns with "…", quoted as Go's strconv.Quote does.
    assert.match(ps.stdout, /^[0-9a-f]{12} {3}base:1 {4}"sh -c echo \\"set num…" {3}/m);
    assert.match(ps.stdout, /Exited \(3\) .* ago +work\n/);
    assert.match(ps.stdout, /Exited \(3\) .* ago +work-vfs\n/);
    assert.equal((await runCli(store, ['ps'])).stdout.split('\n').length, 2, 'no running container');
    const before = (await readdir(join(store, 'stevedore', 'containers'))).length;
    const removed = await runCli(store, ['run', '--rm', 'base:1', 'sh', '-c', 'echo gone > /gone']);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal((await readdir(join(store, 'stevedore', 'containers'))).length, before);
    // Every overlay container of base:1 stood on the one snapshot of its one layer, unpacked once.
    assert.equal((await readdir(join(store, 'stevedore', 'snapshots'))).length, 1);
    assert.equal((await runCli(store, ['rm', 'seed', 'work-vfs'])).stdout, 'seed\nwork-vfs\n');
    assert.equal((await readdir(join(store, 'stevedore', 'containers'))).length, before - 2);
    const missing = await runCli(store, ['rm', 'seed']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /No such container: seed/);
  });

  it('build: RUN steps give the layers docker build gives, file by file, and the same config', async () => {
    const context = join(dir.path, 'run-context');
    await mkdir(context);
    await writeFile(join(context, 'Dockerfile'), RUN_DOCKERFILE);
    const ours = await runCli(store, ['build', '-t', 'ran:1', '--build-arg', 'WHO=ann', context]);
    assert.equal(ours.code, 0, ours.stderr);
    assert.match(ours.stdout, /^Step 3\/10 : RUN busybox mkdir -p \/data\/sub/m);
    assert.match(ours.stdout, /^ ---> Running in [0-9a-f]{12}\n/m);
    assert.match(ours.stdout, /^hello from RUN ann\n/m);
    const theirs = await engine.docker(['build', '-q', '-t', 'ran:docker', '--build-arg', 'WHO=ann', context]);
    assert.equal(theirs.code, 0, theirs.stderr);
    const dockerSave = join(dir.path, 'docker-ran.tar');
    assert.equal((await engine.docker(['save', '-o', dockerSave, 'ran:docker'])).code, 0);
    const theirLayers = await layersOfDockerSave(dockerSave);

    const opened = await FileImageStore.open(store);
    const image = await opened.load(await opened.find('ran:1'));
    const ourLayers = await Promise.all(image.manifest.layers.map((l) => readFile(opened.blobs.path(l.digest))));
    assert.equal(ourLayers.length, theirLayers.length, 'as many layers as docker build');
    for (let i = 1; i < ourLayers.length; i++) {
      assert.deepEqual(await layerFacts(ourLayers[i]!), await layerFacts(theirLayers[i]!), `layer ${i}`);
    }
    const inspected = JSON.parse((await engine.docker(['inspect', 'ran:docker'])).stdout) as { Config: { Cmd: string[]; Env: string[]; WorkingDir: string; User: string } }[];
    const theirConfig = inspected[0]!.Config;
    assert.deepEqual(image.config.config?.Env, theirConfig.Env);
    assert.deepEqual(image.config.config?.Cmd, theirConfig.Cmd);
    assert.equal(image.config.config?.User ?? '', theirConfig.User);
    assert.equal(image.config.config?.WorkingDir ?? '', theirConfig.WorkingDir);

    // The image runs in docker as docker's own does.
    const archive = join(dir.path, 'ran.tar');
    assert.equal((await runCli(store, ['save', '-o', archive, 'ran:1'])).code, 0);
    assert.equal((await engine.docker(['load', '-i', archive])).code, 0);
    const mine = await engine.docker(['run', '--rm', '--network', 'none', 'ran:1']);
    const dockers = await engine.docker(['run', '--rm', '--network', 'none', 'ran:docker']);
    assert.equal(mine.stdout, dockers.stdout, mine.stderr);
    assert.match(mine.stdout, /uid=1000\(app\) gid=1001\(app\)/);
  });

  it('build: a failing RUN stops the build with the step and exit status, and the store is as it was', async () => {
    const context = join(dir.path, 'failing');
    await mkdir(context);
    await writeFile(join(context, 'Dockerfile'), 'FROM base:1\nRUN echo partial > /partial\nRUN echo before && exit 3\nRUN echo never\n');
    const images = (await runCli(store, ['images', '-a', '-q', '--no-trunc'])).stdout;
    const containers = await readdir(join(store, 'stevedore', 'containers'));
    const out = await runCli(store, ['build', '-t', 'never:1', context]);
    assert.equal(out.code, 1);
    assert.match(out.stdout, /^before$/m);
    assert.doesNotMatch(out.stdout, /never$/m);
    assert.match(out.stderr, /The command '\/bin\/sh -c echo before && exit 3' returned a non-zero code: 3 \(Dockerfile line 3\)/);
    assert.equal((await runCli(store, ['images', '-a', '-q', '--no-trunc'])).stdout, images);
    assert.deepEqual(await readdir(join(store, 'stevedore', 'containers')), containers);
    const check = await runCli(store, ['system', 'check']);
    assert.match(check.stdout, /No problems found/, 'no blob, container or mount left behind');
  });

  it("an image a container uses is removed only with -f, and then stays, dangling, with its layers", async () => {
    const refused = await runCli(store, ['rmi', 'base:1']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /conflict: unable to remove repository reference "base:1" \(must force\) - container [0-9a-f]{12} is using its referenced image [0-9a-f]{12}/);
    const forced = await runCli(store, ['rmi', '-f', 'base:1']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(forced.stdout, 'Untagged: base:1\n');
    const check = await runCli(store, ['system', 'check']);
    assert.equal(check.code, 0, check.stdout);
    assert.match(check.stdout, /No problems found/);
    // The container still runs on the untagged image, on the files its first run left.
    const again = await runCli(store, ['start', '-a', 'work']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /ln: \/data\/link: File exists/);
  });
});
