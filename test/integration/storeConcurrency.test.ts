// Two processes on one store at once, and processes killed mid-write: nothing is lost or corrupted.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkStore } from '../../src/core/store/checkStore';
import { FileImageStore } from '../../src/core/store/fileImageStore';
import { importBuffer, makeTar, randomRootfs, tempDir } from '../helpers/fixtures';
import { seededRandom } from '../helpers/seed';

const WORKERS = join(__dirname, 'workers');

interface Worker {
  done: Promise<number | null>;
  pid: number;
  stdout: () => string;
  stderr: () => string;
  /** Resolves once the worker's output satisfies `condition`, or it has exited. */
  until: (condition: (stdout: string) => boolean) => Promise<void>;
  kill: () => void;
}

function worker(script: string, args: string[]): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', join(WORKERS, script), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let exited = false;
  const waiters = new Set<() => void>();
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
    for (const wake of waiters) wake();
  });
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const done = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      exited = true;
      for (const wake of waiters) wake();
      resolve(code);
    }),
  );
  const until = (condition: (stdout: string) => boolean): Promise<void> =>
    new Promise((resolve) => {
      const wake = (): void => {
        if (!exited && !condition(out)) return;
        waiters.delete(wake);
        resolve();
      };
      waiters.add(wake);
      wake();
    });
  return { done, pid: child.pid!, stdout: () => out, stderr: () => err, until, kill: () => child.kill('SIGKILL') };
}

/** The last "at BYTES" line a slowImport worker printed. */
function bytesImported(stdout: string): number {
  const all = [...stdout.matchAll(/^at (\d+)$/gm)];
  return all.length ? Number(all[all.length - 1]![1]) : 0;
}

describe('store under concurrent and crashing writers', () => {
  it('two processes doing 50 rounds of import/tag/rmi each end with exactly the expected tags and a clean check', async () => {
    const dir = await tempDir();
    try {
      const storePath = join(dir.path, 'store');
      await FileImageStore.open(storePath);
      const a = worker('churn.ts', [storePath, 'alpha', '50']);
      const b = worker('churn.ts', [storePath, 'beta', '50']);
      const [codeA, codeB] = await Promise.all([a.done, b.done]);
      assert.equal(codeA, 0, a.stderr());
      assert.equal(codeB, 0, b.stderr());

      const store = await FileImageStore.open(storePath);
      const tags = (await store.list()).flatMap((r) => r.refs).sort();
      const expected = ['alpha', 'beta'].flatMap((n) => Array.from({ length: 25 }, (_, k) => `docker.io/library/${n}:keep${2 * k + 1}`)).sort();
      assert.deepEqual(tags, expected);
      const check = await checkStore(store);
      assert.deepEqual(check.problems, []);
      // Every remaining image is whole.
      for (const record of await store.list()) await store.load(record);
    } finally {
      await dir.cleanup();
    }
  });

  it('an import killed with SIGKILL at random moments, 20 times, never corrupts the store', async () => {
    const dir = await tempDir();
    try {
      const storePath = join(dir.path, 'store');
      const store = await FileImageStore.open(storePath);
      const earlier = await importBuffer(store, await randomRootfs(), 'earlier:1');
      const tarPath = join(dir.path, 'big.tar');
      // Incompressible content keeps gzip busy long enough for kills to land mid-import.
      const tarBytes = await makeTar(Array.from({ length: 8 }, (_, i) => ({ name: `blob${i}`, content: randomBytes(2 * 1024 * 1024) })));
      await writeFile(tarPath, tarBytes);

      // Each kill lands once the victim has read a chosen number of bytes (one round in five: all
      // of them, so that the kill falls while the layer, config and index are committed). Chosen
      // by progress, not by time, so that a fast or a busy machine kills at the same points.
      const random = seededRandom('import kill points');
      let killedMidway = 0;
      for (let round = 0; round < 20; round++) {
        const target = random.below(5) === 0 ? tarBytes.length : random.below(tarBytes.length);
        const victim = worker('slowImport.ts', [storePath, tarPath, 'victim:latest']);
        await victim.until((out) => bytesImported(out) >= target || out.includes('done'));
        if (!victim.stdout().includes('done')) killedMidway++;
        victim.kill();
        await victim.done;

        const check = await checkStore(store);
        const severe = check.problems.filter((p) => p.severe);
        assert.deepEqual(severe, [], `round ${round}, killed at ${bytesImported(victim.stdout())} bytes (seed ${random.seed})`);
        const again = await store.find('earlier:1');
        assert.equal(again.id, earlier.id);
        await store.load(again);
      }
      assert.ok(killedMidway > 0, 'at least one kill landed during the import');

      const retry = worker('slowImport.ts', [storePath, tarPath, 'victim:latest']);
      assert.equal(await retry.done, 0, retry.stderr());
      assert.equal((await store.find('victim:latest')).refs[0], 'docker.io/library/victim:latest');
      const final = await checkStore(store, { repair: true });
      assert.deepEqual(final.problems.filter((p) => p.severe), []);
      const clean = await checkStore(store);
      assert.deepEqual(clean.problems, []);
    } finally {
      await dir.cleanup();
    }
  });
});
