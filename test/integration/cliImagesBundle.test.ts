// `images` runs from a bundle of its own (dist/cliImages.js, src/cli/bundleChoice.ts). It must
// print exactly what the full CLI (dist/cliMain.js) prints for the same command line, output,
// errors and exit codes alike, and the launcher must really pick it.

import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FileImageStore } from '../../src/core/store/fileImageStore';
import { CLI, run, runCli } from '../helpers/cli';
import { importBuffer, makeTar, tempDir } from '../helpers/fixtures';

const FULL = resolve('dist/cliMain.js');

describe('stevedore CLI: the images bundle', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let store: string;
  before(async () => {
    dir = await tempDir();
    store = join(dir.path, 'store');
    const opened = await FileImageStore.open(store);
    const created = new Date('2024-05-01T10:00:00Z');
    for (let i = 0; i < 6; i++) {
      const tar = await makeTar([{ name: `f${i}`, content: 'x'.repeat(i * 700) }]);
      await importBuffer(opened, tar, i === 5 ? undefined : `bundle/app${i % 2}:v${i}`, { changes: [`LABEL n=${i}`], created: new Date(created.getTime() + i * 3600_000) });
    }
    const out = await runCli(store, ['tag', 'bundle/app0:v0', 'localhost:5000/other/name:latest']);
    assert.equal(out.code, 0, out.stderr);
  });
  after(() => dir.cleanup());

  it('prints what the full CLI prints, for every format, flag and error', async () => {
    const lines = [
      ['images'],
      ['image', 'ls', '-a'],
      ['image', 'list', '--digests'],
      ['images', '-q'],
      ['images', '--no-trunc'],
      ['images', '--format', 'json'],
      ['images', '--format', 'table {{.Repository}}\t{{.StoreSize}}\t{{.CreatedAt}}'],
      ['images', '--format', '{{.ID}} {{.Size}} {{.VirtualSize}} {{.CreatedSince}}'],
      ['images', '--filter', 'label=n=2'],
      ['images', '--filter', 'dangling=true', '--format', '{{json .}}'],
      ['images', 'bundle/app1'],
      ['images', '--help'],
      ['images', '--format', '{{.Nope}}'],
      ['images', '--filter', 'bogus=1'],
      ['images', '--no-such-flag'],
      ['images', 'a', 'b'],
      // More than a pipe holds (64 KiB): the images bundle exits as soon as its output is written.
      ['images', '-a', '--format', '{{json .}}'.repeat(100)],
    ];
    // The images were created in 2024: CREATED reads in years, the same for both runs of a line.
    const env = { STEVEDORE_NO_COMPILE_CACHE: '1' };
    let longest = 0;
    for (const argv of lines) {
      const ours = await run(process.execPath, [CLI, '--store', store, ...argv], { env });
      const full = await run(process.execPath, [FULL, '--store', store, ...argv], { env });
      assert.deepEqual({ code: ours.code, stdout: ours.stdout, stderr: ours.stderr }, { code: full.code, stdout: full.stdout, stderr: full.stderr }, argv.join(' ').slice(0, 80));
      longest = Math.max(longest, ours.stdout.length);
    }
    assert.ok(longest > 128 * 1024, `the longest output is ${longest} bytes`);
  });

  it('the launcher runs images, image ls and image list from the images bundle, and other commands from the full one', async () => {
    // With the compile cache off both Node versions load the bundle with require, so it is in require.cache.
    const preload = join(dir.path, 'loaded.cjs');
    const list = join(dir.path, 'loaded.json');
    await writeFile(preload, `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(list)}, JSON.stringify(Object.keys(require.cache))));\n`);
    const env = { STEVEDORE_NO_COMPILE_CACHE: '1', NODE_OPTIONS: `--require ${preload}` };
    const loaded = async (argv: string[]): Promise<string[]> => {
      const out = await runCli(store, argv, { env });
      assert.equal(out.code, 0, out.stderr);
      return (JSON.parse(await readFile(list, 'utf8')) as string[]).map((p) => p.split('/').pop()!).filter((n) => n.startsWith('cli'));
    };
    assert.deepEqual(await loaded(['images', '-q']), ['cli.js', 'cliImages.js']);
    assert.deepEqual(await loaded(['image', 'ls']), ['cli.js', 'cliImages.js']);
    assert.deepEqual(await loaded(['-D', 'image', 'list', '-q']), ['cli.js', 'cliImages.js']);
    assert.deepEqual(await loaded(['history', 'bundle/app0:v0']), ['cli.js', 'cliMain.js']);
    assert.deepEqual(await loaded(['image']), ['cli.js', 'cliMain.js']);
  });
});
