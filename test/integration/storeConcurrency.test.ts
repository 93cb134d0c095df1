// Two processes on one store at once, and processes killed mid-write: nothing is lost or corrupted.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkStore } from '../../src/core/store/checkStore';
import { ImageStore } from '../../src/core/store/imageStore';
import { importBuffer, makeTar, randomRootfs, tempDir } from '../helpers/fixtures';

const WORKERS = join(__dirname, 'workers');

function worker(script: string, args: string[]): { done: Promise<number | null>; pid: number; stdout: () => string; stderr: () => string; kill: () => void } {
  const child = spawn(process.execPath, ['--import', 'tsx', join(WORKERS, script), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  return {
    done: new Promise((resolve) => child.on('close', (code) => resolve(code))),
    pid: child.pid!,
    stdout: () => out,
    stderr: () => err,
    kill: () => child.kill('SIGKILL'),
  };
}

describe('store under concurrent and crashing writers', () => {
  it('two processes doing 50 rounds of import/tag/rmi each end with exactly the expected tags and a clean check', async () => {
    const dir = await tempDir();
    try {
      const storePath = join(dir.path, 'store');
      await ImageStore.open(storePath);
      const a = worker('churn.ts', [storePath, 'alpha', '50']);
      const b = worker('churn.ts', [storePath, 'beta', '50']);
      const [codeA, codeB] = await Promise.all([a.done, b.done]);
      assert.equal(codeA, 0, a.stderr());
      assert.equal(codeB, 0, b.stderr());

      const store = await ImageStore.open(storePath);
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
      const store = await ImageStore.open(storePath);
      const earlier = await importBuffer(store, await randomRootfs(), 'earlier:1');
      const tarPath = join(dir.path, 'big.tar');
      // Incompressible content keeps gzip busy long enough for kills to land mid-import.
      await writeFile(tarPath, await makeTar(Array.from({ length: 8 }, (_, i) => ({ name: `blob${i}`, content: randomBytes(2 * 1024 * 1024) }))));

      let killedMidway = 0;
      for (let round = 0; round < 20; round++) {
        const victim = worker('slowImport.ts', [storePath, tarPath, 'victim:latest']);
        await waitFor(() => victim.stdout().includes('ready') || victim.stdout().includes('done'), 20_000);
        await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 400)));
        if (!victim.stdout().includes('done')) killedMidway++;
        victim.kill();
        await victim.done;

        const check = await checkStore(store);
        const severe = check.problems.filter((p) => p.severe);
        assert.deepEqual(severe, [], `round ${round}`);
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

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting for the worker');
    await new Promise((r) => setTimeout(r, 10));
  }
}
