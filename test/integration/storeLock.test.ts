// The cross-process store lock: mutual exclusion, a lock left by a killed process is broken, and
// waiting honours cancellation and a time limit with a message that names the holder.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CancelledError, StevedoreError } from '../../src/core/errors';
import { StoreLock } from '../../src/core/store/storeLock';
import { tempDir } from '../helpers/fixtures';

function holdLockInChild(dir: string): Promise<{ pid: number; kill: () => Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'workers', 'holdLock.ts'), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.stdout.on('data', (c: Buffer) => {
      if (c.toString().includes('locked')) {
        resolve({
          pid: child.pid!,
          kill: () =>
            new Promise((done) => {
              child.on('close', () => done());
              child.kill('SIGKILL');
            }),
        });
      }
    });
  });
}

describe('StoreLock', () => {
  it('lets one holder at a time into the critical section', async () => {
    const dir = await tempDir();
    try {
      const lock = new StoreLock(dir.path);
      let inside = 0;
      let maxInside = 0;
      await Promise.all(
        Array.from({ length: 10 }, async () => {
          const release = await lock.acquire();
          inside++;
          maxInside = Math.max(maxInside, inside);
          await new Promise((r) => setTimeout(r, 5));
          inside--;
          await release();
        }),
      );
      assert.equal(maxInside, 1);
      assert.deepEqual((await readdir(dir.path)).filter((n) => n.startsWith('lock')), []);
    } finally {
      await dir.cleanup();
    }
  });

  it('breaks the lock of a process killed while holding it', async () => {
    const dir = await tempDir();
    try {
      const holder = await holdLockInChild(dir.path);
      const lock = new StoreLock(dir.path);
      await assert.rejects(lock.acquire({ timeoutMs: 200 }), (err: StevedoreError) => err.code === 'STORE_LOCKED' && err.message.includes(`process ${holder.pid}`));
      await holder.kill();
      // No time limit of its own: breaking a dead holder's lock must not depend on how busy the machine is.
      const release = await lock.acquire();
      await release();
    } finally {
      await dir.cleanup();
    }
  });

  it('stops waiting when cancelled', async () => {
    const dir = await tempDir();
    try {
      const lock = new StoreLock(dir.path);
      const release = await lock.acquire();
      const controller = new AbortController();
      const waiting = lock.acquire({ signal: controller.signal });
      setTimeout(() => controller.abort(), 50);
      await assert.rejects(waiting, (err: unknown) => err instanceof CancelledError);
      await release();
    } finally {
      await dir.cleanup();
    }
  });
});
