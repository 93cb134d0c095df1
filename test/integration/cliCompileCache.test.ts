// The CLI runs through V8's code cache (src/cli/compileCache.ts): the first run writes compiled
// code under $XDG_CACHE_HOME/stevedore/v8, later runs use it, and a damaged cache never changes
// what a command prints.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import Module from 'node:module';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../helpers/cli';
import { serveFolder } from '../helpers/fileServer';
import { makeTar, tempDir } from '../helpers/fixtures';

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(join(entry.parentPath, entry.name));
  }
  return out;
}

describe('stevedore CLI: compile cache', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let store: string;
  before(async () => {
    dir = await tempDir();
    store = join(dir.path, 'store');
    await writeFile(join(dir.path, 'rootfs.tar'), await makeTar([{ name: 'hello.txt', content: 'hello\n' }]));
    const out = await runCli(store, ['import', join(dir.path, 'rootfs.tar'), 'cache/test:1'], { env: { STEVEDORE_NO_COMPILE_CACHE: '1' } });
    assert.equal(out.code, 0, out.stderr);
  });
  after(() => dir.cleanup());

  it('the first run writes compiled code under the user cache folder; a damaged cache changes no output', async () => {
    const xdg = join(dir.path, 'xdg');
    const env = { XDG_CACHE_HOME: xdg };
    const first = await runCli(store, ['images', '--format', '{{.Repository}}:{{.Tag}}'], { env });
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stdout, 'cache/test:1\n');
    const cacheDir = join(xdg, 'stevedore', 'v8');
    const files = await filesUnder(cacheDir);
    assert.ok(files.length > 0, 'no compiled code was cached');
    assert.ok((await stat(files[0]!)).size > 1000);

    const second = await runCli(store, ['images', '--format', '{{.Repository}}:{{.Tag}}'], { env });
    assert.deepEqual([second.code, second.stdout, second.stderr], [0, first.stdout, '']);

    // Garbage of the same names: rejected by V8, compiled from source, and replaced.
    for (const file of files) await writeFile(file, Buffer.alloc(4096, 0x5a));
    const third = await runCli(store, ['images', '--format', '{{.Repository}}:{{.Tag}}'], { env });
    assert.deepEqual([third.code, third.stdout, third.stderr], [0, first.stdout, '']);
    const fourth = await runCli(store, ['version'], { env });
    assert.equal(fourth.code, 0);
    // Files of another build of the bundle are removed when a new one is written.
    // (Node 20's own cache files; Node 22+ keeps its cache its own way.)
    const ours = files.map((f) => /^(cliMain-[0-9a-f]{8}-)[0-9a-f]{16}-.*-images\.bin$/.exec(basename(f))).find((m) => m);
    if (ours) {
      const stale = join(cacheDir, `${ours[1]}0000000000000000-v0.0.0-x64-images.bin`);
      const otherInstall = join(cacheDir, 'cliMain-00000000-0000000000000000-v0.0.0-x64-images.bin');
      await writeFile(stale, 'old');
      await writeFile(otherInstall, 'other');
      await runCli(store, ['history', 'cache/test:1'], { env });
      assert.equal(existsSync(stale), false, 'an older build of this bundle is removed');
      assert.equal(existsSync(otherInstall), true, 'another install keeps its cache');
    }
  });

  it('the bundles are ASCII, so start-up reads them without decoding UTF-8', async () => {
    for (const name of ['dist/cliMain.js', 'dist/cliImages.js', 'dist/cliRegistry.js', 'dist/vendor/undici.js', 'dist/vendor/openpgp.js', 'dist/vendor/yaml.js', 'dist/vendor/sigstore.js']) {
      const bundle = await readFile(resolve(name));
      const first = bundle.findIndex((b) => b > 0x7f);
      assert.equal(first, -1, `${name} has a non-ASCII byte at ${first}: ${bundle.subarray(Math.max(0, first - 60), first + 20).toString('utf8')}`);
    }
  });

  it('images loads none of the Node modules only writers, engines and processes need (crypto, child_process, zlib)', async () => {
    // Each costs milliseconds of every start-up; a command that only reads the store's index needs none.
    const preload = join(dir.path, 'modules.cjs');
    const list = join(dir.path, 'modules.txt');
    await writeFile(preload, `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.join('\\n')));\n`);
    const out = await runCli(store, ['images'], { env: { NODE_OPTIONS: `--require ${preload}` } });
    assert.equal(out.code, 0, out.stderr);
    const loaded = new Set((await readFile(list, 'utf8')).split('\n'));
    assert.ok(loaded.has('NativeModule fs/promises'), 'the list is of the modules the run loaded');
    for (const name of ['crypto', 'child_process', 'zlib']) assert.equal(loaded.has(`NativeModule ${name}`), false, `images loaded node:${name}`);
  });

  it('STEVEDORE_NO_COMPILE_CACHE=1 writes nothing', async () => {
    const xdg = join(dir.path, 'xdg-off');
    const out = await runCli(store, ['images', '-q'], { env: { XDG_CACHE_HOME: xdg, STEVEDORE_NO_COMPILE_CACHE: '1' } });
    assert.equal(out.code, 0, out.stderr);
    assert.equal(existsSync(xdg), false);
  });

  it('undici is a file of its own (dist/vendor): an import from a URL loads it, through the compile cache', async () => {
    const files = await serveFolder(dir.path);
    try {
      const xdg = join(dir.path, 'xdg-vendor');
      const imported = await runCli(store, ['import', `${files.url}/rootfs.tar`, 'cache/url:1'], { env: { XDG_CACHE_HOME: xdg } });
      assert.equal(imported.code, 0, imported.stderr);
      const v8Dir = join(xdg, 'stevedore', 'v8');
      if (typeof (Module as unknown as { enableCompileCache?: unknown }).enableCompileCache === 'function') {
        // Node 22+: Node's own compile cache keeps every file a bundle requires, vendor files included.
        assert.ok((await filesUnder(v8Dir)).length > 0);
      } else {
        // Node 20: the launcher keeps a cache file per bundle and per vendor file, for each command.
        const names = (await filesUnder(v8Dir)).map((f) => basename(f));
        assert.ok(names.some((n) => /^undici-[0-9a-f]{8}-[0-9a-f]{16}-v[\d.]+-[a-z0-9]+-import\.bin$/.test(n)), names.join(' '));
      }
      // With the cache off the launcher requires the bundle, and the bundle its vendor file.
      const preload = join(dir.path, 'loaded.cjs');
      const list = join(dir.path, 'loaded.json');
      await writeFile(preload, `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(list)}, JSON.stringify(Object.keys(require.cache))));\n`);
      const loaded = await runCli(store, ['import', `${files.url}/rootfs.tar`, 'cache/url:2'], { env: { STEVEDORE_NO_COMPILE_CACHE: '1', NODE_OPTIONS: `--require ${preload}` } });
      assert.equal(loaded.code, 0, loaded.stderr);
      const dist = `${resolve('dist')}/`;
      const required = (JSON.parse(await readFile(list, 'utf8')) as string[]).filter((p) => p.startsWith(dist)).map((p) => p.slice(dist.length));
      assert.deepEqual(required.sort(), ['cli.js', 'cliMain.js', 'vendor/undici.js']);
    } finally {
      await files.close();
    }
  });
});
