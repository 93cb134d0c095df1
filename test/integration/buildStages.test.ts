// Multi-stage builds and the build cache beside `docker build` (Debian's docker 20.10, classic
// builder, a private dockerd on vfs) and `buildah bud` (Debian's 1.28, vfs, chroot isolation):
// the same Dockerfile and context give the same files (path, type, mode, owner, size, content
// hash, link target), compared on the whole filesystem each image gives; `COPY --from` takes a
// stage by name or number or an image, which the store gets from the loopback registry when it
// lacks it; `--target` stops at a stage. A second build reuses every step as docker's does (the
// same steps print " ---> Using cache"), gives the same image ID, writes no blob and leaves no
// dangling image; a changed COPY source rebuilds from that step on, as docker does. Two builds
// at once on one store corrupt nothing. A build reports the base image's pull and each step's
// layer (RUN and COPY) as TransferEvents, in order.

import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BUSYBOX } from '../helpers/busybox';
import { run, runCli, type CliResult } from '../helpers/cli';
import { startDockerd, type Dockerd } from '../helpers/dockerd';
import { makeTar, tempDir } from '../helpers/fixtures';
import { layersOfDockerSave, mergedFacts } from '../helpers/layerEntries';
import { nonLoopbackAddress, startRegistry, type RunningRegistry } from '../helpers/registry';
import { startTinyproxy, type RunningProxy } from '../helpers/tinyproxy';
import { tarFiles } from '../helpers/layerEntries';
import { createServer, type Server } from 'node:http';
import { buildImage } from '../../src/core/dockerfile/buildImage';
import { RegistryClients } from '../../src/core/registry/registryClients';
import { FileImageStore } from '../../src/core/store/fileImageStore';
import type { TransferEvent } from '../../src/core/transfer/transferEvent';

function ok(result: CliResult, what: string): string {
  assert.equal(result.code, 0, `${what}: ${result.stderr}${result.stdout}`);
  return result.stdout;
}

/** Step numbers whose step printed " ---> Using cache", in docker's classic output and ours. */
function cachedSteps(stdout: string): number[] {
  const out: number[] = [];
  let step = 0;
  for (const line of stdout.split('\n')) {
    const match = /^Step (\d+)\/\d+ : /.exec(line);
    if (match) step = Number(match[1]);
    else if (line === ' ---> Using cache') out.push(step);
  }
  return out;
}

/** The instructions whose step was taken from the cache, in docker's (and our) output or buildah's. */
function cachedInstructions(stdout: string): string[] {
  const out: string[] = [];
  let current = '';
  for (const line of stdout.split('\n')) {
    const step = /^Step \d+\/\d+ : (.*)$/.exec(line) ?? /^\[\d+\/\d+\] STEP \d+\/\d+: (.*)$/.exec(line);
    if (step) current = step[1]!;
    else if (line === ' ---> Using cache' || line.startsWith('--> Using cache ')) out.push(current);
  }
  return out;
}

describe('build stages and cache beside docker build and buildah bud', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let engine: Dockerd;
  let registry: RunningRegistry;
  let proxy: RunningProxy;
  let server: Server;
  let serverUrl: string;
  /** What the loopback-free file server serves: path → body; every file has this Last-Modified. */
  const served = new Map<string, string>();
  const LAST_MODIFIED = 'Wed, 21 Oct 2015 07:28:00 GMT';
  let store: string;
  let buildahArgs: string[];
  let base: string;
  let other: string;
  const env = (): NodeJS.ProcessEnv => ({ HOME: join(dir.path, 'home'), DOCKER_CONFIG: join(dir.path, 'home', '.docker'), XDG_CONFIG_HOME: join(dir.path, 'home', '.config') });

  /** Builds the context with buildah (--layers) and returns the image's layers. */
  async function buildahLayers(context: string, name: string, extra: readonly string[] = []): Promise<Buffer[]> {
    ok(await run('buildah', [...buildahArgs, 'bud', '--layers', '--isolation', 'chroot', ...extra, '-t', name, context]), 'buildah bud');
    const archive = join(dir.path, `${name.replace(/[/:]/g, '_')}-buildah.tar`);
    ok(await run('buildah', [...buildahArgs, 'push', '-q', name, `docker-archive:${archive}:${name}`]), 'buildah push');
    return layersOfDockerSave(archive);
  }

  async function dockerLayers(context: string, name: string, extra: readonly string[] = []): Promise<{ layers: Buffer[]; stdout: string }> {
    const stdout = ok(await engine.docker(['build', ...extra, '-t', name, context]), 'docker build');
    const archive = join(dir.path, `${name.replace(/[/:]/g, '_')}-docker.tar`);
    ok(await engine.docker(['save', '-o', archive, name]), 'docker save');
    return { layers: await layersOfDockerSave(archive), stdout };
  }

  async function ourLayers(name: string): Promise<Buffer[]> {
    const opened = await FileImageStore.open(store);
    const image = await opened.load(await opened.find(name));
    return Promise.all(image.manifest.layers.map((l) => readFile(opened.blobs.path(l.digest))));
  }

  before(async () => {
    dir = await tempDir();
    store = join(dir.path, 'store');
    engine = await startDockerd();
    registry = await startRegistry({});
    proxy = await startTinyproxy();
    // On an address that is not loopback, which is never proxied.
    server = createServer((req, res) => {
      const body = served.get(new URL(req.url ?? '/', 'http://x').pathname);
      if (body === undefined) res.writeHead(404).end();
      else res.writeHead(200, { 'last-modified': LAST_MODIFIED, 'content-length': Buffer.byteLength(body) }).end(body);
    });
    const address = nonLoopbackAddress();
    await new Promise<void>((resolve) => server.listen(0, address, resolve));
    serverUrl = `http://${address}:${(server.address() as { port: number }).port}`;
    buildahArgs = ['--root', join(dir.path, 'buildah-root'), '--runroot', join(dir.path, 'buildah-run'), '--storage-driver', 'vfs'];
    base = `${registry.host}/stages/base:1`;
    other = `${registry.host}/stages/other:1`;
    const busybox = await readFile(BUSYBOX);
    // With the mount points real images have: buildah's chroot isolation leaves those it had to
    // make in a RUN step's layer, where docker build leaves nothing.
    const rootfs = async (motd: string): Promise<Buffer> =>
      makeTar([
        ...['dev/', 'proc/', 'sys/', 'run/'].map((name) => ({ name, type: 'directory' as const })),
        ...['etc/hosts', 'etc/hostname', 'etc/resolv.conf'].map((name) => ({ name, content: '' })),
        { name: 'bin/', type: 'directory' },
        { name: 'bin/busybox', content: busybox, mode: 0o755 },
        { name: 'bin/sh', type: 'symlink', linkname: 'busybox' },
        { name: 'etc/', type: 'directory' },
        { name: 'etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\n' },
        { name: 'etc/motd', content: motd, mode: 0o640 },
        { name: 'tmp/', type: 'directory', mode: 0o1777 },
      ]);
    // The other image is only in the registry (pushed from a store of its own), so COPY --from pulls it.
    const otherStore = join(dir.path, 'other-store');
    for (const [name, motd, where] of [
      [base, 'base\n', store],
      [other, 'other image\n', otherStore],
    ] as const) {
      const file = join(dir.path, `${motd.trim().replace(/ /g, '-')}.tar`);
      await writeFile(file, await rootfs(motd));
      ok(await runCli(where, ['import', '-c', 'CMD ["/bin/sh"]', file, name]), 'import');
      const saved = join(dir.path, `${motd.trim().replace(/ /g, '-')}-saved.tar`);
      ok(await runCli(where, ['save', '-o', saved, name]), 'save');
      ok(await engine.docker(['load', '-i', saved]), 'docker load');
      const id = ok(await run('buildah', [...buildahArgs, 'pull', '-q', `docker-archive:${saved}`]), 'buildah pull').trim();
      ok(await run('buildah', [...buildahArgs, 'tag', id, name]), 'buildah tag');
    }
    ok(await runCli(otherStore, ['push', other], { env: env() }), 'push');
  });
  after(async () => {
    await run('buildah', [...buildahArgs, 'rm', '--all']);
    await run('buildah', [...buildahArgs, 'rmi', '--all', '--force']);
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    await proxy?.stop();
    await registry?.stop();
    await engine?.stop();
    await dir?.cleanup();
  });

  it('two stages, COPY --from a stage by name and by number and from an image it pulls: the files docker build and buildah bud give', async () => {
    const context = join(dir.path, 'two-stage');
    await mkdir(context);
    await writeFile(join(context, 'a.txt'), 'from the context\n');
    await writeFile(
      join(context, 'Dockerfile'),
      `FROM ${base} AS build
RUN echo built > /artifact && busybox mkdir -p /out/sub && echo x > /out/sub/x && busybox chmod 750 /out/sub && busybox ln -s sub/x /out/link
FROM ${base} AS unused
RUN echo unused > /unused
FROM ${base}
COPY a.txt /a.txt
COPY --from=build /artifact /app/artifact
COPY --from=0 /out /app/out
COPY --from=${other} /etc/motd /bin/sh /app/
CMD ["busybox", "cat", "/app/artifact"]
`,
    );
    const images = ok(await runCli(store, ['images', '-a', '-q', '--no-trunc']), 'images');
    const ours = ok(await runCli(store, ['build', '-t', 'two:1', context], { env: env() }), 'build');
    // Docker's classic lines: every stage's steps numbered through, " ---> ID" after each.
    assert.match(ours, /^Step 1\/10 : FROM \S+ AS build\n ---> [0-9a-f]{12}\nStep 2\/10 : RUN /);
    assert.match(ours, /\nStep 9\/10 : COPY --from=\S+ \/etc\/motd \/bin\/sh \/app\/\n ---> pulling \S+\n ---> [0-9a-f]{12}\n/);
    assert.match(ours, /\nSuccessfully built [0-9a-f]{12}\nSuccessfully tagged two:1\n$/);
    const docker = await dockerLayers(context, 'two:docker');
    const buildah = await buildahLayers(context, 'two:buildah');
    const mine = await mergedFacts(await ourLayers('two:1'));
    assert.deepEqual(mine, await mergedFacts(docker.layers), 'the files docker build gives');
    assert.deepEqual(mine, await mergedFacts(buildah), 'the files buildah bud gives');
    assert.ok(mine.some((f) => f.path === 'app/sh' && f.type === 'file' && f.mode === '755'), 'COPY --from follows /bin/sh to busybox inside the image');
    assert.ok(mine.some((f) => f.path === 'app/out/sub' && f.mode === '750'));
    assert.ok(!mine.some((f) => f.path === 'unused' || f.path === 'artifact'), 'only the last stage is the image');

    // Only the result became an image (and the pulled one): earlier stages are neither tagged nor dangling.
    const after = ok(await runCli(store, ['images', '-a', '-q', '--no-trunc']), 'images').split('\n').filter(Boolean);
    const added = after.filter((id) => !images.includes(id));
    assert.equal(added.length, 2, after.join(' '));
    assert.equal(ok(await runCli(store, ['images', '-q', '--filter', 'dangling=true']), 'dangling'), '');
    assert.match(ok(await runCli(store, ['images', '--format', '{{.Repository}}:{{.Tag}}']), 'names'), new RegExp(`^${other.replace(/[.]/g, '\\.')}$`, 'm'));
  });

  it('--target builds the stages up to the named one, as docker build and buildah bud do', async () => {
    const context = join(dir.path, 'two-stage');
    const ours = ok(await runCli(store, ['build', '--target', 'BUILD', '-t', 'target:1', context], { env: env() }), 'build --target');
    assert.match(ours, /^Step 1\/2 : FROM \S+ AS build\n/);
    assert.doesNotMatch(ours, /unused/);
    const docker = await dockerLayers(context, 'target:docker', ['--target', 'build']);
    const buildah = await buildahLayers(context, 'target:buildah', ['--target', 'build']);
    const mine = await mergedFacts(await ourLayers('target:1'));
    assert.deepEqual(mine, await mergedFacts(docker.layers));
    assert.deepEqual(mine, await mergedFacts(buildah));
    assert.ok(mine.some((f) => f.path === 'artifact'));
    const missing = await runCli(store, ['build', '--target', 'nope', context]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /target stage "nope" could not be found; the Dockerfile names "build", "unused"/);
  });

  it('a second build reuses every step as docker build and buildah bud do: same image ID, no new blob, no dangling image; a changed COPY source rebuilds from that step', async () => {
    const context = join(dir.path, 'cached');
    await mkdir(context);
    await writeFile(join(context, 'a.txt'), 'a\n');
    await writeFile(join(context, 'b.txt'), 'b\n');
    await writeFile(
      join(context, 'Dockerfile'),
      // The first stage's layer holds more than the COPY --from takes, so that no image has that layer.
      `FROM ${base} AS build
RUN echo built > /artifact && echo more > /more
FROM ${base}
ARG V=1
COPY a.txt /a.txt
RUN echo one > /one
COPY --from=build /artifact /artifact
COPY b.txt /b.txt
RUN busybox cat /a.txt /b.txt > /both
ENV DONE=yes
CMD ["busybox", "cat", "/both"]
`,
    );
    const blobs = async (): Promise<string[]> => (await readdir(join(store, 'blobs', 'sha256'))).sort();
    const first = ok(await runCli(store, ['build', '-t', 'cached:1', context]), 'first build');
    assert.deepEqual(cachedSteps(first), []);
    const id = ok(await runCli(store, ['images', '-q', '--no-trunc', 'cached:1']), 'id');
    const blobsBefore = await blobs();
    const all = ok(await runCli(store, ['images', '-a', '-q', '--no-trunc']), 'images');

    const second = ok(await runCli(store, ['build', '-t', 'cached:1', context]), 'second build');
    const dockerFirst = ok(await engine.docker(['build', '-t', 'cached:docker', context]), 'docker build');
    const dockerSecond = ok(await engine.docker(['build', '-t', 'cached:docker', context]), 'docker build again');
    assert.deepEqual(cachedSteps(dockerFirst), []);
    assert.deepEqual(cachedSteps(second), cachedSteps(dockerSecond), 'the steps docker takes from its cache');
    assert.deepEqual(cachedSteps(second), [2, 4, 5, 6, 7, 8, 9, 10, 11]);
    const buildahBud = async (): Promise<string> => ok(await run('buildah', [...buildahArgs, 'bud', '--layers', '--isolation', 'chroot', '-t', 'cached:buildah', context]), 'buildah bud');
    assert.deepEqual(cachedInstructions(await buildahBud()), []);
    assert.deepEqual(cachedInstructions(second), cachedInstructions(await buildahBud()), 'the steps buildah bud --layers takes from its cache');
    assert.equal(ok(await runCli(store, ['images', '-q', '--no-trunc', 'cached:1']), 'id'), id, 'the same image ID');
    assert.match(second, new RegExp(`\\nSuccessfully built ${id.slice(7, 19)}\\n`));
    assert.deepEqual(await blobs(), blobsBefore, 'no new blob');
    assert.equal(ok(await runCli(store, ['images', '-a', '-q', '--no-trunc']), 'images'), all, 'no dangling image');

    // --no-cache runs every step again.
    const fresh = ok(await runCli(store, ['build', '--no-cache', '-t', 'fresh:1', context]), 'build --no-cache');
    assert.deepEqual(cachedSteps(fresh), []);

    await writeFile(join(context, 'b.txt'), 'b changed\n');
    const third = ok(await runCli(store, ['build', '-t', 'cached:1', context]), 'third build');
    const dockerThird = ok(await engine.docker(['build', '-t', 'cached:docker', context]), 'docker build after the change');
    assert.deepEqual(cachedSteps(third), cachedSteps(dockerThird));
    assert.deepEqual(cachedSteps(third), [2, 4, 5, 6, 7], 'from COPY b.txt on, every step runs again');
    assert.deepEqual(cachedInstructions(third), cachedInstructions(await buildahBud()));
    const changed = await mergedFacts(await ourLayers('cached:1'));
    assert.deepEqual(changed, await mergedFacts((await dockerLayers(context, 'cached:docker')).layers));
    const both = changed.find((f) => f.path === 'both');
    assert.equal(both?.size, 'a\nb changed\n'.length);
  });

  it('two builds at once on one store corrupt nothing; a third is fully cached; blobs only the cache names go with --repair, and their steps run again', async () => {
    const context = join(dir.path, 'together');
    await mkdir(context);
    await writeFile(join(context, 'f.txt'), 'together\n');
    await writeFile(join(context, 'Dockerfile'), `FROM ${base}\nCOPY f.txt /f.txt\nRUN echo ran > /ran\nCMD ["busybox", "cat", "/ran"]\n`);
    const [one, two] = await Promise.all([runCli(store, ['build', '-t', 'together:1', context]), runCli(store, ['build', '-t', 'together:2', context])]);
    ok(one, 'first of two');
    ok(two, 'second of two');
    // Nothing is damaged; what is reported is only what no image uses: earlier stages' layers, which
    // the cache names but does not keep, and the layer snapshots RUN and COPY --from unpacked them into.
    const check = ok(await runCli(store, ['system', 'check']), 'system check');
    const findings = check.split('\n').filter((line) => /^(warning|error)/.test(line));
    assert.ok(findings.some((line) => line.startsWith('warning: blob ')), check);
    for (const line of findings) assert.match(line, /^warning: (blob sha256:[0-9a-f]{64} is not used by any image|layer snapshot [0-9a-f]{12} is used by no image and no container)$/);
    const third = ok(await runCli(store, ['build', '-t', 'together:3', context]), 'third');
    assert.deepEqual(cachedSteps(third), [2, 3, 4]);

    ok(await runCli(store, ['system', 'check', '--repair']), 'system check --repair');
    assert.match(ok(await runCli(store, ['system', 'check']), 'system check'), /No problems found/);
    const stages = ok(await runCli(store, ['build', '-t', 'cached:2', join(dir.path, 'cached')]), 'after --repair');
    // The first stage's layer was the cache's alone: its RUN runs again, the rest is still cached.
    assert.deepEqual(cachedSteps(stages), [4, 5, 6]);
  });

  it('ADD of a URL goes through HTTP_PROXY; the file is 0600 with the Last-Modified time, as docker build and buildah bud make it; cached while the download is the same', async () => {
    const context = join(dir.path, 'add-url');
    await mkdir(context);
    served.set('/files/tool.sh', '#!/bin/sh\necho tool\n');
    await writeFile(join(context, 'Dockerfile'), `FROM ${base}\nADD ${serverUrl}/files/tool.sh /opt/\nADD ${serverUrl}/files/tool.sh /opt/renamed.sh\nRUN busybox cat /opt/tool.sh > /copied\n`);
    const proxied = { HTTP_PROXY: proxy.url, HTTPS_PROXY: '', NO_PROXY: '', http_proxy: '', https_proxy: '', no_proxy: '' };
    const before = (await proxy.requests()).length;
    ok(await runCli(store, ['build', '-t', 'added:1', context], { env: proxied }), 'build');
    const relayed = (await proxy.requests()).slice(before);
    assert.equal(relayed.filter((r) => r.startsWith(`GET ${serverUrl}/files/tool.sh `)).length, 2, relayed.join('\n'));
    const docker = await dockerLayers(context, 'added:docker');
    const layers = await ourLayers('added:1');
    assert.deepEqual(await mergedFacts(layers), await mergedFacts(docker.layers));
    const buildah = await buildahLayers(context, 'added:buildah');
    assert.deepEqual(await mergedFacts(layers), await mergedFacts(buildah), 'the files buildah bud gives');
    const added = (await tarFiles(layers[1]!)).find((f) => f.header.name === 'opt/tool.sh');
    assert.equal(added?.header.mode, 0o600);
    assert.equal(added?.header.mtime?.toISOString(), new Date(LAST_MODIFIED).toISOString());

    const again = ok(await runCli(store, ['build', '-t', 'added:1', context], { env: proxied }), 'build again');
    const dockerAgain = ok(await engine.docker(['build', '-t', 'added:docker', context]), 'docker build again');
    assert.deepEqual(cachedSteps(again), [2, 3, 4]);
    assert.deepEqual(cachedSteps(again), cachedSteps(dockerAgain));
    served.set('/files/tool.sh', '#!/bin/sh\necho tool 2\n');
    const changed = ok(await runCli(store, ['build', '-t', 'added:1', context], { env: proxied }), 'build after the change');
    assert.deepEqual(cachedSteps(changed), []);
    served.delete('/files/tool.sh');
    const images = ok(await runCli(store, ['images', '-a', '-q', '--no-trunc']), 'images');
    const missing = await runCli(store, ['build', '-t', 'added:2', context], { env: proxied });
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /Could not download http:\/\/\S+\/files\/tool\.sh: the server answered 404/);
    assert.equal(ok(await runCli(store, ['images', '-a', '-q', '--no-trunc']), 'images'), images, 'nothing stored');
  });
  it("reports the base image's pull and each step's layer, a RUN's too, as transfer events in the order they happen", async () => {
    const context = join(dir.path, 'events-context');
    await mkdir(context, { recursive: true });
    await writeFile(join(context, 'f.txt'), 'file\n');
    await writeFile(join(context, 'Dockerfile'), `FROM ${other}\nRUN echo ran > /ran\nCOPY f.txt /f.txt\n`);
    // A store of its own, which lacks the base: the build pulls it.
    const own = await FileImageStore.open(join(dir.path, 'events-store'));
    const clients = new RegistryClients({});
    const events: TransferEvent[] = [];
    try {
      await buildImage(own, { context, tags: ['events:1'], clients, onEvent: (e) => (e.kind === 'start' || e.kind === 'end' || e.kind === 'layer') && events.push(e) });
    } finally {
      await clients.close();
    }
    const built = await own.load(await own.find('events:1'));
    const [pulled, ran, copied] = [built.manifest.layers.slice(0, 1), built.manifest.layers[1]!, built.manifest.layers[2]!];
    // Each layer's last word, in order, with the operations around them (bytes in between left out).
    const outline = events
      .filter((e, i) => e.kind !== 'layer' || events.slice(i + 1).every((later) => later.kind !== 'layer' || later.id !== e.id))
      .map((e) => (e.kind === 'layer' ? `${e.id} ${e.state} ${e.current}/${e.total}` : e.kind === 'bytes' ? 'bytes' : `${e.kind} ${e.operation}`));
    assert.deepEqual(outline, [
      'start build',
      'start pull',
      ...pulled.map((l) => `${l.digest} done ${l.size}/${l.size}`),
      'end pull',
      `step 2 done ${ran.size}/${ran.size}`,
      `step 3 done ${copied.size}/${copied.size}`,
      'end build',
    ]);
    assert.deepEqual(events[1], { kind: 'start', operation: 'pull', reference: other });
    // The RUN's layer was seen moving before it was done.
    assert.ok(events.some((e) => e.kind === 'layer' && e.id === 'step 2' && e.state === 'transferring' && e.current > 0));
  });
});
