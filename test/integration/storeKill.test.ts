// Every command that writes the store, killed with SIGKILL at random moments: afterwards `system
// check` finds no damage (unused blobs and leftovers are allowed; an image naming a missing or
// corrupt blob is not). Each writer runs once to completion first, to learn how long it takes
// here; then half the kills land anywhere from start-up to a little past that time, and half
// within the store transaction, timed from the moment the writer takes the store lock (seen with
// fs.watch, so a slow machine shifts the moments with the work instead of missing it). The moments
// come from a seeded generator: the seed is printed, and STEVEDORE_TEST_SEED=<seed> replays the
// same choices (timing on another machine still differs).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { watch } from 'node:fs';
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkStore } from '../../src/core/store/checkStore';
import { FileImageStore } from '../../src/core/store/fileImageStore';
import { tagImage } from '../../src/core/store/tagImage';
import { CLI, runCli } from '../helpers/cli';
import { importBuffer, makeTar, randomRootfs, tempDir } from '../helpers/fixtures';
import { startRegistry, type RunningRegistry } from '../helpers/registry';
import { fromSeed, seededRandom } from '../helpers/seed';

const KILLS = Number(process.env.STEVEDORE_KILLS ?? 20);
/** STEVEDORE_KILL_ONLY=rmi,tag runs only those writers (to replay one). */
const ONLY = process.env.STEVEDORE_KILL_ONLY?.split(',');
const SEED = seededRandom('store writer kill moments').seed;

interface Started {
  exited: Promise<number | null>;
  /** Resolves (with performance.now()) when the writer first takes the store lock. */
  locked: Promise<number>;
  kill(): void;
  stderr(): string;
}

function startCli(store: string, args: readonly string[], env: NodeJS.ProcessEnv): Started {
  // The lock is the folder stevedore/lock, renamed into place: watch for it before starting.
  let onLock!: (at: number) => void;
  const locked = new Promise<number>((resolve) => (onLock = resolve));
  const watcher = watch(join(store, 'stevedore'), (_event, name) => {
    if (name === 'lock') onLock(performance.now());
  });
  const child = spawn(process.execPath, [CLI, '--store', store, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      watcher.close();
      resolve(code);
    }),
  );
  return { exited, locked, kill: () => child.kill('SIGKILL'), stderr: () => err };
}

async function elapsed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

// Three writers at a time: each round mostly waits (process start, fsync), and every writer has its
// own store copies and its own generator, so they share nothing but the template they copy.
describe(`store writers killed with SIGKILL (seed ${SEED}; replay with STEVEDORE_TEST_SEED=${SEED})`, { concurrency: 3 }, () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let template: string;
  let registry: RunningRegistry;
  let env: NodeJS.ProcessEnv;
  let startup: number;
  const inputs: Record<string, string> = {};

  before(async () => {
    dir = await tempDir();
    env = { HOME: join(dir.path, 'home'), DOCKER_CONFIG: join(dir.path, 'home', '.docker'), XDG_CONFIG_HOME: join(dir.path, 'home', '.config') };
    template = join(dir.path, 'template');
    const store = await FileImageStore.open(template);
    // Many small images, some sharing a layer, some dangling: removal and pruning have many blobs to delete.
    const shared = await randomRootfs(2, 4000);
    for (let i = 0; i < 16; i++) {
      await importBuffer(store, i % 3 === 0 ? shared : await randomRootfs(2, 4000), `kill/app:${i}`, { message: `image ${i}` });
    }
    for (let i = 0; i < 4; i++) await importBuffer(store, await randomRootfs(2, 4000), 'kill/moved:1');
    await tagImage(store, 'kill/app:1', 'other/app:1');
    await store.blobs.writeBytes('unused garbage for check --repair');

    inputs.tar = join(dir.path, 'rootfs.tar');
    await writeFile(inputs.tar, await makeTar(Array.from({ length: 6 }, (_, i) => ({ name: `f${i}`, content: randomBytes(400_000) }))));
    inputs.archive = join(dir.path, 'images.tar');
    const source = join(dir.path, 'source');
    await importBuffer(await FileImageStore.open(source), await randomRootfs(4, 300_000), 'loaded/app:1');
    await importBuffer(await FileImageStore.open(source), await randomRootfs(4, 300_000), 'loaded/app:2');
    assert.equal((await runCli(source, ['save', '-o', inputs.archive, 'loaded/app:1', 'loaded/app:2'])).code, 0);
    inputs.context = join(dir.path, 'context');
    await mkdir(inputs.context);
    await writeFile(join(inputs.context, 'Dockerfile'), 'FROM scratch\nCOPY . /srv/\nENV A=1\nCMD ["/srv/run"]\n');
    for (let i = 0; i < 6; i++) await writeFile(join(inputs.context, `data${i}`), randomBytes(300_000));
    registry = await startRegistry({});
    inputs.remote = `${registry.host}/kill/remote:1`;
    await tagImage(await FileImageStore.open(source), 'loaded/app:1', inputs.remote);
    const pushed = await runCli(source, ['push', inputs.remote], { env });
    assert.equal(pushed.code, 0, pushed.stderr);

    // What start-up alone costs here: kills before it mostly hit a process that has not begun.
    const probe = join(dir.path, 'probe');
    await cp(template, probe, { recursive: true });
    startup = await elapsed(() => runCli(probe, ['images']));
  });

  after(async () => {
    await registry?.stop();
    await dir?.cleanup();
  });

  const writers: { name: string; args: () => string[] }[] = [
    { name: 'rmi', args: () => ['rmi', '-f', ...Array.from({ length: 16 }, (_, i) => `kill/app:${i}`)] },
    { name: 'image prune -a', args: () => ['image', 'prune', '-a', '-f'] },
    { name: 'tag', args: () => ['tag', 'kill/app:2', 'kill/app:3'] },
    { name: 'import', args: () => ['import', inputs.tar!, 'kill/imported:1'] },
    { name: 'load', args: () => ['load', '-i', inputs.archive!] },
    { name: 'commit', args: () => ['commit', 'kill/app:4', inputs.tar!, 'kill/committed:1'] },
    { name: 'build', args: () => ['build', '-t', 'kill/built:1', inputs.context!] },
    { name: 'pull', args: () => ['pull', inputs.remote!] },
    { name: 'system check --repair', args: () => ['system', 'check', '--repair'] },
  ];

  for (const [index, writer] of writers.entries()) {
    if (ONLY && !ONLY.includes(writer.name)) continue;
    it(`${writer.name}: ${KILLS} kills at random moments leave no damage`, async () => {
      // One generator per writer, so that running writers side by side keeps each one's moments.
      const random = fromSeed(SEED + index);
      const base = join(dir.path, writer.name.replace(/\W+/g, '-'));
      const full = `${base}-full`;
      await cp(template, full, { recursive: true });
      const started = performance.now();
      const run = startCli(full, writer.args(), env);
      const code = await run.exited;
      const ended = performance.now();
      assert.equal(code, 0, `${writer.name} runs to completion: ${run.stderr()}`);
      const duration = ended - started;
      // From taking the lock to exiting: the window in which the store itself changes.
      const lockedAt = await Promise.race([run.locked, Promise.resolve(ended)]);
      const held = ended - lockedAt;
      await rm(full, { recursive: true, force: true });

      const from = Math.min(startup * 0.7, duration * 0.5);
      const to = duration * 1.1;
      let finished = 0;
      for (let round = 0; round < KILLS; round++) {
        const delay = from + random.next() * (to - from);
        const storePath = `${base}-${round}`;
        await cp(template, storePath, { recursive: true });
        const run = startCli(storePath, writer.args(), env);
        if (round % 2 === 0) {
          await new Promise((resolve) => setTimeout(resolve, delay));
        } else {
          await Promise.race([run.locked, run.exited]);
          await new Promise((resolve) => setTimeout(resolve, random.next() * held));
        }
        run.kill();
        if ((await run.exited) === 0) finished++;

        const store = await FileImageStore.open(storePath);
        const severe = (await checkStore(store)).problems.filter((p) => p.severe);
        assert.deepEqual(severe, [], `${writer.name}, round ${round}, ${round % 2 ? 'killed within the lock' : `killed after ${delay.toFixed(0)} ms`} (seed ${SEED})`);
        await rm(storePath, { recursive: true, force: true });
      }
      console.log(`storeKill: ${writer.name}: full run ${duration.toFixed(0)} ms (${held.toFixed(0)} ms holding the lock), start-up ${startup.toFixed(0)} ms, ${KILLS - finished} of ${KILLS} killed before finishing`);
    });
  }
});
