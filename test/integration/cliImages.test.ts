// The CLI as users run it: Docker's output shapes, exit codes and messages, and bad input that
// leaves the store as it was.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmod, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli';
import { gzip, makeTar, randomRootfs, tempDir } from '../helpers/fixtures';

async function snapshot(store: string): Promise<string> {
  const hash = createHash('sha256');
  hash.update(await readFile(join(store, 'index.json')));
  for (const name of (await readdir(join(store, 'blobs', 'sha256'))).sort()) hash.update(name);
  return hash.digest('hex');
}

describe('stevedore CLI: local image commands', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let store: string;
  let tarball: string;
  let id: string;

  before(async () => {
    dir = await tempDir();
    store = join(dir.path, 'store');
    tarball = join(dir.path, 'rootfs.tar');
    await writeFile(tarball, await randomRootfs(4, 50_000));
    // Created three and a half days ago (SOURCE_DATE_EPOCH), so CREATED reads "3 days ago" however
    // slowly the machine runs: the column is exact and half a day away from changing.
    const created = Math.floor(Date.now() / 1000) - 84 * 3600;
    const out = await runCli(store, ['import', '-c', 'ENV A=1', '-c', 'LABEL team=core', '-m', 'first import', tarball, 'example/app:1.0'], { env: { SOURCE_DATE_EPOCH: String(created) } });
    assert.equal(out.code, 0, out.stderr);
    id = out.stdout.trim();
    assert.match(id, /^sha256:[a-f0-9]{64}$/);
  });
  after(() => dir.cleanup());

  it('images prints Docker\'s columns', async () => {
    const out = await runCli(store, ['images']);
    assert.equal(out.code, 0, out.stderr);
    const lines = out.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE$/);
    assert.match(lines[1]!, new RegExp(`^example/app\\s+1\\.0\\s+${id.slice(7, 19)}\\s+3 days ago\\s+\\d+(\\.\\d+)?kB$`));
  });

  it('images -q, --no-trunc, --format and filters', async () => {
    assert.equal((await runCli(store, ['images', '-q'])).stdout, `${id.slice(7, 19)}\n`);
    assert.equal((await runCli(store, ['images', '-q', '--no-trunc'])).stdout, `${id}\n`);
    assert.equal((await runCli(store, ['images', '--format', '{{.Repository}}:{{.Tag}}'])).stdout, 'example/app:1.0\n');
    assert.equal((await runCli(store, ['images', '--filter', 'label=team=core', '-q'])).stdout, `${id.slice(7, 19)}\n`);
    assert.equal((await runCli(store, ['images', '--filter', 'label=team=other', '-q'])).stdout, '');
    assert.equal((await runCli(store, ['images', '--filter', 'reference=example/*', '-q'])).stdout, `${id.slice(7, 19)}\n`);
    assert.equal((await runCli(store, ['images', 'example/app:2.0', '-q'])).stdout, '');
    assert.equal((await runCli(store, ['images', '--filter', 'dangling=true', '-q'])).stdout, '');
    const json = JSON.parse((await runCli(store, ['images', '--format', 'json'])).stdout) as Record<string, string>;
    assert.equal(json.Repository, 'example/app');
    assert.equal(json.ID, id.slice(7, 19));
  });

  it('inspect and history show the config, changes and message', async () => {
    const out = await runCli(store, ['inspect', 'example/app:1.0']);
    assert.equal(out.code, 0, out.stderr);
    const [info] = JSON.parse(out.stdout) as { Id: string; RepoTags: string[]; Config: { Env: string[]; Labels: Record<string, string> }; RootFS: { Layers: string[] }; Comment: string }[];
    assert.equal(info!.Id, id);
    assert.deepEqual(info!.RepoTags, ['example/app:1.0']);
    assert.deepEqual(info!.Config.Env, ['A=1']);
    assert.deepEqual(info!.Config.Labels, { team: 'core' });
    assert.equal(info!.RootFS.Layers.length, 1);
    assert.equal(info!.Comment, 'first import');
    const diffId = `sha256:${createHash('sha256').update(await readFile(tarball)).digest('hex')}`;
    assert.equal(info!.RootFS.Layers[0], diffId, 'the diffID is the digest of the uncompressed tar');
    const history = await runCli(store, ['history', 'example/app:1.0']);
    const lines = history.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT$/);
    assert.match(lines[1]!, new RegExp(`^${id.slice(7, 19)}\\s+.*first import$`));
  });

  it('tag then rmi print Docker\'s lines', async () => {
    assert.equal((await runCli(store, ['tag', 'example/app:1.0', 'localhost:5000/copy'])).code, 0);
    const rmi = await runCli(store, ['rmi', 'localhost:5000/copy']);
    assert.equal(rmi.stdout, 'Untagged: localhost:5000/copy:latest\n');
  });

  it('unknown images, bad references and bad flags fail with clear messages', async () => {
    const missing = await runCli(store, ['inspect', 'nope']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stdout.trim(), '[]');
    assert.equal(missing.stderr, 'Error: No such image: nope:latest\n');
    const bad = await runCli(store, ['tag', 'example/app:1.0', 'Bad/Name']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /invalid reference "Bad\/Name".*lowercase/);
    const flag = await runCli(store, ['images', '--bogus']);
    assert.equal(flag.code, 125);
    assert.equal(flag.stderr, "unknown flag: --bogus\nSee 'stevedore images --help'.\n");
    const args = await runCli(store, ['rmi']);
    assert.equal(args.code, 1);
    assert.match(args.stderr, /^"stevedore rmi" requires at least 1 argument\.\nSee 'stevedore rmi --help'\.\n\nUsage: {2}stevedore rmi/);
  });

  for (const [label, make, pattern] of [
    ['a file that is not a tar', async () => Buffer.from('this is not a tarball, just text\n'.repeat(40)), /not a valid tar archive/],
    ['an empty file', async () => Buffer.alloc(0), /empty or not a tar archive/],
    ['a truncated tar', async () => (await randomRootfs(2, 10_000)).subarray(0, 7000), /not a valid tar archive/],
    ['a truncated gzip', async () => gzip(await randomRootfs(2, 10_000)).subarray(0, 5000), /not a valid gzip stream|truncated/],
    ['a tar with ../ in a name', async () => makeTar([{ name: '../escape', content: 'x' }]), /climbs out of its root: "\.\.\/escape"/],
    ['a tar with an absolute name', async () => makeTar([{ name: '/etc/evil', content: 'x' }]), /absolute path: "\/etc\/evil"/],
  ] as const) {
    it(`import of ${label} fails clearly and leaves the store unchanged`, async () => {
      const before = await snapshot(store);
      const file = join(dir.path, 'bad.tar');
      await writeFile(file, await make());
      const out = await runCli(store, ['import', file, 'bad:1']);
      assert.equal(out.code, 1);
      assert.match(out.stderr, pattern);
      assert.equal(await snapshot(store), before);
      assert.deepEqual(await readdir(join(store, 'stevedore', 'ingest')).catch(() => []), []);
    });
  }

  it('import from standard input, then prune the dangling image', async () => {
    const out = await runCli(store, ['import', '-'], { input: await randomRootfs() });
    assert.equal(out.code, 0, out.stderr);
    const dangling = await runCli(store, ['images', '--filter', 'dangling=true', '--format', '{{.Repository}}:{{.Tag}}']);
    assert.equal(dangling.stdout, '<none>:<none>\n');
    const prune = await runCli(store, ['image', 'prune', '-f']);
    assert.match(prune.stdout, new RegExp(`^Deleted Images:\ndeleted: ${out.stdout.trim()}\n\nTotal reclaimed space: \\d+(\\.\\d+)?kB\n$`));
  });

  it('import from an http URL (following a redirect) with --platform', async () => {
    const rootfs = gzip(await randomRootfs());
    const server = createServer((req, res) => {
      if (req.url === '/old') {
        res.writeHead(302, { location: '/rootfs.tar.gz' }).end();
        return;
      }
      if (req.url === '/rootfs.tar.gz') {
        res.writeHead(200, { 'content-type': 'application/gzip' }).end(rootfs);
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const out = await runCli(store, ['import', '--platform', 'linux/arm64', `http://127.0.0.1:${port}/old`, 'from-url:arm']);
      assert.equal(out.code, 0, out.stderr);
      const [info] = JSON.parse((await runCli(store, ['inspect', 'from-url:arm'])).stdout) as { Architecture: string; Variant: string; Os: string }[];
      assert.deepEqual([info!.Os, info!.Architecture, info!.Variant], ['linux', 'arm64', 'v8']);
      const missing = await runCli(store, ['import', `http://127.0.0.1:${port}/missing.tar`]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /Could not download .*404/);
    } finally {
      server.close();
    }
  });

  it('system check reports a corrupted blob, and --repair removes the damaged image', async () => {
    const other = join(dir.path, 'store2');
    const imported = await runCli(other, ['import', tarball, 'victim:1']);
    assert.equal(imported.code, 0, imported.stderr);
    const [info] = JSON.parse((await runCli(other, ['inspect', 'victim:1'])).stdout) as { Layers: { Digest: string }[] }[];
    const layer = join(other, 'blobs', 'sha256', info!.Layers[0]!.Digest.slice(7));
    await chmod(layer, 0o644);
    const bytes = await readFile(layer);
    bytes[bytes.length - 10] = (bytes[bytes.length - 10] ?? 0) ^ 0xff;
    await writeFile(layer, bytes);
    const check = await runCli(other, ['system', 'check']);
    assert.equal(check.code, 1);
    assert.match(check.stdout, new RegExp(`ERROR: blob ${info!.Layers[0]!.Digest} is corrupt`));
    const repair = await runCli(other, ['system', 'check', '--repair']);
    assert.equal(repair.code, 0, repair.stdout);
    assert.match(repair.stdout, /repaired: removed image/);
    const after = await runCli(other, ['system', 'check']);
    assert.equal(after.code, 0, after.stdout);
    assert.match(after.stdout, /No problems found/);
  });
});
