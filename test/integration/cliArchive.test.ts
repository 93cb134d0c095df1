// save, load and commit as users run them: the built CLI with files, pipes and exit codes, Docker's
// output lines, and (in-process, with streams that say they are terminals) the terminal behaviour.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { commandGroups, commandTable } from '../../src/cli/commandTable';
import { runCli as runInProcess } from '../../src/cli/runCli';
import { classicDockerEntries, docker25Entries, hexOf, smallImage, tarOf, type FixtureImage } from '../helpers/archiveFixtures';
import { CLI, runCli } from '../helpers/cli';
import { gzip, randomRootfs, tempDir } from '../helpers/fixtures';
import { storeSnapshot } from '../helpers/storeSnapshot';

/** Runs the CLI in this process with a stdout that claims to be a terminal of the given width. */
async function runOnTerminal(store: string, args: string[], options: { stdinTty?: boolean; input?: Buffer } = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = Object.assign(new PassThrough(), { isTTY: true, columns: 120 });
  const stderr = new PassThrough();
  const stdin = Object.assign(options.input ? Readable.from([options.input]) : new PassThrough(), { isTTY: options.stdinTty ?? false });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const code = await runInProcess(['--store', store, ...args], { stdout, stderr, stdin, env: process.env, signal: new AbortController().signal }, { table: commandTable, groups: commandGroups });
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

/** `stevedore save IMAGE… | stevedore load` through a real pipe between two processes. */
function pipeSaveToLoad(from: string, to: string, names: string[]): Promise<{ saveCode: number | null; load: { code: number | null; stdout: string; stderr: string } }> {
  return new Promise((resolve, reject) => {
    const save = spawn(process.execPath, [CLI, '--store', from, 'save', ...names], { stdio: ['ignore', 'pipe', 'inherit'] });
    const load = spawn(process.execPath, [CLI, '--store', to, 'load'], { stdio: ['pipe', 'pipe', 'pipe'] });
    save.stdout.pipe(load.stdin);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    load.stdout.on('data', (c: Buffer) => out.push(c));
    load.stderr.on('data', (c: Buffer) => err.push(c));
    let saveCode: number | null = null;
    save.on('close', (code) => {
      saveCode = code;
    });
    save.on('error', reject);
    load.on('error', reject);
    load.on('close', (code) => resolve({ saveCode, load: { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() } }));
  });
}

describe('stevedore save / load / commit (CLI)', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let store: string;
  let image: FixtureImage;
  let archive: string;

  before(async () => {
    dir = await tempDir();
    store = join(dir.path, 'store');
    image = await smallImage(['fixture/cli:1'], 'cli');
    archive = join(dir.path, 'docker25.tar');
    await writeFile(archive, await tarOf(docker25Entries([image])));
  });
  after(() => dir.cleanup());

  it('load with its output not on a terminal prints only the loaded names, as docker load does (from a file or a pipe)', async () => {
    // docker's client asks for progress only when stdout is a terminal: `docker load < f > log`
    // and `cat f | docker load | cat` both print just "Loaded image: …" (checked with docker 20.10).
    const out = await runCli(store, ['load', '-i', archive]);
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout, 'Loaded image: fixture/cli:1\n');
    const piped = await runCli(join(dir.path, 'piped-once'), ['load'], { input: await readFile(archive) });
    assert.equal(piped.stdout, 'Loaded image: fixture/cli:1\n');
    const again = await runCli(store, ['load', '-q', '-i', archive]);
    assert.equal(again.stdout, 'Loaded image: fixture/cli:1\n');
  });

  it('save -o then load into another store gives the same image, and the file is written whole', async () => {
    const out = join(dir.path, 'saved.tar');
    const saved = await runCli(store, ['save', '-o', out, 'fixture/cli:1']);
    assert.equal(saved.code, 0, saved.stderr);
    assert.equal(saved.stdout, '');
    assert.deepEqual((await readdir(dir.path)).filter((n) => n.includes('.stevedore-')), [], 'no temporary file left');
    const other = join(dir.path, 'other');
    const loaded = await runCli(other, ['load', '-q', '-i', out]);
    assert.equal(loaded.stdout, 'Loaded image: fixture/cli:1\n');
    const ids = await Promise.all([store, other].map(async (s) => (await runCli(s, ['images', '-q', '--no-trunc', 'fixture/cli:1'])).stdout));
    assert.equal(ids[0], `${image.configDigest}\n`);
    assert.equal(ids[1], ids[0]);
  });

  it('save to a pipe and load from one; a gzip archive on standard input loads too', async () => {
    const other = join(dir.path, 'piped');
    const result = await pipeSaveToLoad(store, other, ['fixture/cli:1']);
    assert.equal(result.saveCode, 0);
    assert.equal(result.load.code, 0, result.load.stderr);
    assert.match(result.load.stdout, /Loaded image: fixture\/cli:1\n$/);
    const zipped = await runCli(join(dir.path, 'zipped'), ['load', '-q'], { input: gzip(await tarOf(classicDockerEntries([image]))) });
    assert.equal(zipped.stdout, 'Loaded image: fixture/cli:1\n');
  });

  it('copy of several images into one archive: docker-archive: holds them all under their names; anything else is refused with what to do', async () => {
    const from = join(dir.path, 'copy-several');
    const rootfs = join(dir.path, 'several-rootfs.tar');
    await writeFile(rootfs, await randomRootfs(2, 5000));
    for (const name of ['several/a:1', 'several/b:2']) assert.equal((await runCli(from, ['import', rootfs, name, '-c', `LABEL name=${name}`])).code, 0);
    const out = join(dir.path, 'several.tar');
    const copied = await runCli(from, ['copy', 'several/a:1', 'stevedore:several/b:2', `docker-archive:${out}`]);
    assert.equal(copied.code, 0, copied.stderr);
    assert.match(copied.stdout, /^Copied 2 images to docker-archive:.*several\.tar \([a-f0-9]{12}, [a-f0-9]{12}\), /);
    const loaded = await runCli(join(dir.path, 'several-loaded'), ['load', '-q', '-i', out]);
    assert.equal(loaded.stdout, 'Loaded image: several/a:1\nLoaded image: several/b:2\n');
    const cases: [string[], RegExp][] = [
      [['copy', 'several/a:1', 'several/b:2', 'several/c:3'], /^Error: Several images go into one archive only .*Copy them one by one\.\n$/],
      [['copy', 'several/a:1', 'several/b:2', `docker-archive:${out}:several/c:3`], /^Error: Several images go into one archive only/],
      [['copy', 'several/a:1', `docker-archive:${out}`, join(dir.path, 'x.tar').replace(/^/, 'docker-archive:')], /^Error: The images to copy together must come from one place; .*Copy them in separate runs\.\n$/],
    ];
    for (const [args, pattern] of cases) {
      const refused = await runCli(from, args);
      assert.equal(refused.code, 1, args.join(' '));
      assert.match(refused.stderr, pattern);
    }
    assert.deepEqual((await readdir(dir.path)).filter((n) => n === 'x.tar' || n.includes('.stevedore-')), []);
  });

  it('an image saved by ID loads untagged: "Loaded image ID"', async () => {
    const out = join(dir.path, 'by-id.tar');
    assert.equal((await runCli(store, ['save', '-o', out, image.configDigest.slice(7, 19)])).code, 0);
    const loaded = await runCli(join(dir.path, 'by-id-store'), ['load', '-i', out, '-q']);
    assert.equal(loaded.stdout, `Loaded image ID: ${image.configDigest}\n`);
  });

  it('on a terminal: save refuses to write there, load shows bars, and load will not wait on a terminal', async () => {
    const refused = await runOnTerminal(store, ['save', 'fixture/cli:1']);
    assert.equal(refused.code, 1);
    assert.equal(refused.stderr, 'Error: cowardly refusing to save to a terminal. Use the -o flag or redirect\n');
    const waiting = await runOnTerminal(store, ['load'], { stdinTty: true });
    assert.equal(waiting.stderr, 'Error: requested load from stdin, but stdin is empty\n');
    const shown = await runOnTerminal(join(dir.path, 'tty-store'), ['load', '-i', archive]);
    assert.equal(shown.code, 0, shown.stderr);
    const id = hexOf(image.layers[0]!.diffId).slice(0, 12);
    assert.match(shown.stdout, new RegExp(`\\x1b\\[2K\\r${id}: Loading layer \\[={50}>\\]  \\d+\\.\\d+kB/\\d+\\.\\d+kB`));
    assert.match(shown.stdout, /Loaded image: fixture\/cli:1\n$/);
  });

  it('bad archives and bad arguments fail with exit code 1, a clear message, and no change', async () => {
    const snapshot = await storeSnapshot(store);
    const truncated = join(dir.path, 'truncated.tar');
    await writeFile(truncated, (await readFile(archive)).subarray(0, 25_000));
    const cases: [string[], RegExp][] = [
      [['load', '-i', truncated], /^Error: .*truncated\.tar is truncated: it ends in the middle of "blobs\/sha256\/[a-f0-9]{64}"\. Nothing was loaded/],
      [['load', '-i', join(dir.path, 'missing.tar')], /^Error: open .*missing\.tar: no such file or directory\n$/],
      [['load', '-i', dir.path], /is a directory/],
      [['save', '-o', join(dir.path, 'no', 'such', 'dir', 'x.tar'), 'fixture/cli:1'], /^Error: failed to save image: invalid output path: directory ".*no\/such\/dir" does not exist\n$/],
      [['save', '-o', join(dir.path, 'x.tar'), 'nope:1'], /^Error: No such image: nope:1\n$/],
      [['load', 'extra-arg'], /"stevedore load" accepts no arguments/],
    ];
    for (const [args, pattern] of cases) {
      const out = await runCli(store, args, { input: await randomRootfs() });
      assert.equal(out.code, 1, `${args.join(' ')}: ${out.stderr}`);
      assert.match(out.stderr, pattern);
    }
    assert.deepEqual(await storeSnapshot(store), snapshot);
    assert.deepEqual((await readdir(dir.path)).filter((n) => n === 'x.tar' || n.includes('.stevedore-')), []);
  });

  it('a save that fails half-way removes its temporary file and writes nothing under the name', async () => {
    const other = join(dir.path, 'corrupt-store');
    await runCli(other, ['load', '-q', '-i', archive]);
    const [info] = JSON.parse((await runCli(other, ['inspect', 'fixture/cli:1'])).stdout) as { Layers: { Digest: string }[] }[];
    const blob = join(other, 'blobs', 'sha256', info!.Layers[0]!.Digest.slice(7));
    await chmod(blob, 0o644);
    const bytes = await readFile(blob);
    bytes[100] = bytes[100]! ^ 0xff;
    await writeFile(blob, bytes);
    const outDir = join(dir.path, 'out');
    await mkdir(outDir);
    const out = await runCli(other, ['save', '-o', join(outDir, 'x.tar'), 'fixture/cli:1']);
    assert.equal(out.code, 1);
    assert.match(out.stderr, /^Error: Blob sha256:[a-f0-9]{64} in the image store is corrupt .*system check --repair/);
    assert.deepEqual(await readdir(outDir), []);
  });

  it('commit adds a folder as a layer and prints the new ID; append is the same command', async () => {
    const folder = join(dir.path, 'layer');
    await mkdir(join(folder, 'opt'), { recursive: true });
    await writeFile(join(folder, 'opt', 'hello'), 'hello\n');
    const env = { SOURCE_DATE_EPOCH: '1700000000' };
    const committed = await runCli(store, ['commit', '-m', 'add hello', '-a', 'Ann', '-c', 'ENV HELLO=1', 'fixture/cli:1', folder, 'fixture/cli:2'], { env });
    assert.equal(committed.code, 0, committed.stderr);
    assert.match(committed.stdout, /^sha256:[a-f0-9]{64}\n$/);
    const appended = await runCli(store, ['append', '-m', 'add hello', '-a', 'Ann', '-c', 'ENV HELLO=1', 'fixture/cli:1', folder, 'fixture/cli:3'], { env });
    assert.equal(appended.stdout, committed.stdout, 'the same folder, message and time give the same image');
    const history = await runCli(store, ['history', 'fixture/cli:2']);
    assert.match(history.stdout.split('\n')[1]!, /^[a-f0-9]{12}\s+.*add hello$/);
    const [info] = JSON.parse((await runCli(store, ['inspect', 'fixture/cli:2'])).stdout) as { Author: string; Config: { Env: string[] }; RootFS: { Layers: string[] } }[];
    assert.equal(info!.Author, 'Ann');
    assert.deepEqual(info!.Config.Env, ['HELLO=1']);
    assert.equal(info!.RootFS.Layers.length, image.layers.length + 1);
    const missing = await runCli(store, ['commit', 'fixture/cli:1', join(dir.path, 'nowhere')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /open .*nowhere: no such file or directory/);
    // Neither a container nor an image, and the second word no path: Docker's form, mistyped.
    const noContainer = await runCli(store, ['commit', 'no-such-container', 'x/y:1']);
    assert.equal(noContainer.code, 1);
    assert.match(noContainer.stderr, /No such container: no-such-container\b/);
  });

  it('Ctrl-C during a load from a stalled pipe stops at once with 130 and leaves the store as it was', async () => {
    const target = join(dir.path, 'interrupted');
    await runCli(target, ['images']);
    const before = await storeSnapshot(target);
    // Classic layout: the first layer comes first, manifest.json last; send all but the end.
    const whole = await tarOf(classicDockerEntries([image]));
    const child = spawn(process.execPath, [CLI, '--store', target, 'load'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    child.stdin.write(whole.subarray(0, whole.length - 4096));
    // The load is under way once it stages a layer in the store's ingest folder (no progress lines
    // off a terminal to wait for); this waits for that however slow the machine is.
    const ingest = join(target, 'stevedore', 'ingest');
    while ((await readdir(ingest).catch(() => [])).length === 0) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGINT');
    assert.equal(await exited, 130);
    assert.equal(stderr, 'Cancelled: nothing was changed.\n');
    assert.deepEqual(await storeSnapshot(target), before);
  });
});
