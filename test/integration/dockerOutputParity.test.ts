// What a Docker user compares, beside the real docker 20.10 (a private dockerd on vfs) on the same
// image: SIZE in images, history and inspect is Docker's uncompressed size and does not depend on
// how the image arrived (loaded from `docker save`, or pushed and pulled back with gzip layers);
// history -H=false and inspect's times and fields read as Docker prints them; `load` off a terminal
// prints what docker load prints; `system df` has Docker's shape and counts shared blobs once.

import assert from 'node:assert/strict';
import { copyFile, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { humanSize } from '../../src/core/format/humanSize';
import { BUSYBOX } from '../helpers/busybox';
import { run, runCli, type CliResult } from '../helpers/cli';
import { startDockerd, type Dockerd } from '../helpers/dockerd';
import { tempDir } from '../helpers/fixtures';
import { startRegistry, type RunningRegistry } from '../helpers/registry';

const IMAGE = 'parity/bb:imp';

function ok(result: CliResult, what: string): string {
  assert.equal(result.code, 0, `${what} failed:\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

describe('output a Docker user compares, beside docker 20.10', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let engine: Dockerd;
  let registry: RunningRegistry;
  let env: NodeJS.ProcessEnv;
  let rootfs: string;
  let archive: Buffer;
  let loaded: string;

  before(async () => {
    dir = await tempDir();
    engine = await startDockerd();
    registry = await startRegistry({});
    env = { HOME: join(dir.path, 'home'), DOCKER_CONFIG: join(dir.path, 'home', '.docker'), XDG_RUNTIME_DIR: join(dir.path, 'run'), XDG_CONFIG_HOME: join(dir.path, 'home', '.config') };
    // A root filesystem whose content is 1982256 + 6 bytes of files, in a 2 MB tar.
    const tree = join(dir.path, 'tree');
    await mkdir(join(tree, 'bin'), { recursive: true });
    await copyFile(BUSYBOX, join(tree, 'bin', 'busybox'));
    await writeFile(join(tree, 'hello.txt'), 'hello\n');
    rootfs = join(dir.path, 'rootfs.tar');
    ok(await run('tar', ['-C', tree, '-cf', rootfs, '.']), 'tar');
    ok(await engine.docker(['import', '-c', 'CMD ["/bin/sh"]', rootfs, IMAGE]), 'docker import');
    const saved = join(dir.path, 'docker.tar');
    ok(await engine.docker(['save', '-o', saved, IMAGE]), 'docker save');
    archive = await readFile(saved);
    loaded = join(dir.path, 'loaded');
  });
  after(async () => {
    await registry?.stop();
    await engine?.stop();
    await dir?.cleanup();
  });

  it('load with its output not on a terminal prints what docker load prints, from a pipe', async () => {
    ok(await engine.docker(['rmi', IMAGE]), 'docker rmi');
    const theirs = ok(await engine.docker(['load'], { input: archive }), 'docker load');
    const ours = ok(await runCli(loaded, ['load'], { input: archive }), 'stevedore load');
    assert.equal(ours, theirs);
    assert.equal(ours, `Loaded image: ${IMAGE}\n`);
  });

  it('images, history and inspect show the SIZE docker shows (uncompressed content), and the store size apart', async () => {
    const dockerSize = ok(await engine.docker(['images', '--format', '{{.Size}}', IMAGE]), 'docker images');
    assert.equal(ok(await runCli(loaded, ['images', '--format', '{{.Size}}', IMAGE]), 'images'), dockerSize);
    assert.equal(dockerSize, '1.98MB\n');
    const inspectSizes = '{{.Size}} {{.VirtualSize}}';
    const dockerBytes = ok(await engine.docker(['inspect', '-f', inspectSizes, IMAGE]), 'docker inspect');
    assert.equal(ok(await runCli(loaded, ['inspect', '-f', inspectSizes, IMAGE]), 'inspect'), dockerBytes);
    assert.equal(dockerBytes, '1982262 1982262\n');
    // The store's own bytes: the plain layer docker saved, plus manifest and config.
    const table = ok(await runCli(loaded, ['images', '--store-size', IMAGE]), 'images --store-size').split('\n');
    assert.match(table[0]!, /^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE +STORE SIZE$/);
    assert.match(table[1]!, /^parity\/bb +imp +[0-9a-f]{12} .* 1\.98MB +1\.99MB$/);
  });

  it('history -H=false prints what docker prints: CREATED AT in RFC 3339 seconds and sizes in bytes', async () => {
    const theirs = ok(await engine.docker(['history', '-H=false', IMAGE]), 'docker history');
    assert.equal(ok(await runCli(loaded, ['history', '-H=false', IMAGE]), 'history'), theirs);
    assert.match(theirs, /^IMAGE +CREATED AT +CREATED BY +SIZE +COMMENT\n[0-9a-f]{12} +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ +1982262 +Imported from -\n$/);
    const format = '{{.CreatedAt}}|{{.CreatedSince}}|{{.Size}}';
    assert.equal(ok(await runCli(loaded, ['history', '-H=false', '--format', format, IMAGE]), 'history --format'), ok(await engine.docker(['history', '-H=false', '--format', format, IMAGE]), 'docker history --format'));
    // {{.CreatedAt}} is RFC 3339 in the human form too.
    assert.equal(ok(await runCli(loaded, ['history', '--format', '{{.CreatedAt}} {{.Size}}', IMAGE]), 'history'), ok(await engine.docker(['history', '--format', '{{.CreatedAt}} {{.Size}}', IMAGE]), 'docker history'));
  });

  it('inspect prints Created to the nanosecond, Container and ContainerConfig as docker does, VirtualSize, GraphDriver, and an empty Variant', async () => {
    const fields = ['Id', 'Created', 'Container', 'ContainerConfig', 'Comment', 'Config', 'Architecture', 'Os', 'Size', 'VirtualSize', 'RootFS'] as const;
    const theirs = (JSON.parse(ok(await engine.docker(['inspect', IMAGE]), 'docker inspect')) as Record<string, unknown>[])[0]!;
    const ours = (JSON.parse(ok(await runCli(loaded, ['inspect', IMAGE]), 'inspect')) as Record<string, unknown>[])[0]!;
    for (const field of fields) assert.deepEqual(ours[field], theirs[field], field);
    assert.match(String(ours.Created), /\.\d{1,9}Z$/);
    const keys = Object.keys(ours);
    assert.deepEqual(keys.slice(0, keys.indexOf('Metadata') + 1), Object.keys(theirs), 'Docker\'s fields in Docker\'s order');
    assert.deepEqual(ours.GraphDriver, { Data: { LayoutDir: loaded }, Name: 'stevedore' });
    const variant = '[{{.Variant}}][{{.OsVersion}}]';
    assert.equal(ok(await runCli(loaded, ['inspect', '-f', variant, IMAGE]), 'inspect -f'), ok(await engine.docker(['inspect', '-f', variant, IMAGE]), 'docker inspect -f'));
    assert.equal(ok(await runCli(loaded, ['inspect', '-f', variant, IMAGE]), 'inspect -f'), '[][]\n');
  });

  it('the same image pulled (gzip layers) shows the same SIZE as loaded, and its own store size', async () => {
    const remote = `${registry.host}/parity/bb:imp`;
    ok(await runCli(loaded, ['tag', IMAGE, remote]), 'tag');
    ok(await runCli(loaded, ['push', remote], { env }), 'push');
    const pulled = join(dir.path, 'pulled');
    ok(await runCli(pulled, ['pull', remote], { env }), 'pull');
    const sizes = '{{.Size}} {{.VirtualSize}}';
    assert.equal(ok(await runCli(pulled, ['images', '--format', sizes, remote]), 'images'), '1.98MB 1.98MB\n');
    assert.equal(ok(await runCli(pulled, ['inspect', '-f', '{{.Size}}', remote]), 'inspect'), '1982262\n');
    assert.equal(ok(await runCli(pulled, ['history', '-H=false', '--format', '{{.Size}}', remote]), 'history'), '1982262\n');
    // What it takes in the store is the gzip layer: less than the plain one docker saved.
    const storeSize = ok(await runCli(pulled, ['images', '--format', '{{.StoreSize}}', remote]), 'images').trim();
    assert.match(storeSize, /^1\.\d+MB$/);
    assert.notEqual(storeSize, ok(await runCli(loaded, ['images', '--format', '{{.StoreSize}}', remote]), 'images').trim());
  });

  it('system df has docker\'s rows and columns, counts a layer two images share once, and -v shows what is shared', async () => {
    const store = join(dir.path, 'df');
    ok(await runCli(store, ['import', rootfs, 'df/one:1']), 'import');
    ok(await runCli(store, ['import', '-c', 'CMD ["/bin/true"]', rootfs, 'df/two:1']), 'import');
    // Every blob in this store belongs to one of the two images; the shared layer is one file.
    const blobsDir = join(store, 'blobs', 'sha256');
    const blobSizes = await Promise.all((await readdir(blobsDir)).map(async (name) => (await stat(join(blobsDir, name))).size));
    const total = blobSizes.reduce((a, b) => a + b, 0);
    const layer = Math.max(...blobSizes);
    const ours = ok(await runCli(store, ['system', 'df']), 'system df').split('\n');
    const theirs = ok(await engine.docker(['system', 'df']), 'docker system df').split('\n');
    assert.equal(ours[0], theirs[0]);
    assert.deepEqual(ours.slice(2), theirs.slice(2), 'the rows for containers, volumes and build cache');
    assert.equal(ours[1], `Images          2         0         ${humanSize(total).padEnd(10)}${humanSize(total)} (100%)`);
    const json = ok(await runCli(store, ['system', 'df', '--format', '{{json .}}']), 'system df --format').split('\n')[0];
    assert.equal(json, `{"Active":"0","Reclaimable":"${humanSize(total)} (100%)","Size":"${humanSize(total)}","TotalCount":"2","Type":"Images"}`);
    const verbose = ok(await runCli(store, ['system', 'df', '-v']), 'system df -v');
    const dockerVerbose = ok(await engine.docker(['system', 'df', '-v']), 'docker system df -v');
    assert.equal(verbose.slice(verbose.indexOf('\nContainers space usage:')), dockerVerbose.slice(dockerVerbose.indexOf('\nContainers space usage:')));
    const rows = verbose.split('\n');
    assert.match(rows[2]!, /^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE +SHARED SIZE +UNIQUE SIZE +CONTAINERS$/);
    for (const name of ['df/one', 'df/two']) {
      const row = rows.find((r) => r.startsWith(`${name} `));
      assert.ok(row, `no row for ${name} in:\n${verbose}`);
      assert.match(row, new RegExp(` ${humanSize(layer).replace('.', '\\.')} +[0-9.]+[kM]?B +0$`));
    }
  });
});
