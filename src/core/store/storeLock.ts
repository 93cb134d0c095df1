// A cross-process lock on the store, so that the CLI beside the extension (or two CLIs) never
// interleave read-modify-write cycles of index.json. Node has no flock(2), so the lock is a
// directory that holds an `owner` file, taken by renaming a fully prepared directory into place:
// rename(2) is atomic, and fails when the target is a non-empty directory, so exactly one
// process wins and the lock is never seen without its owner. A lock whose owner process died
// (SIGKILL, power cut) is broken by renaming it aside; broken locks are kept for a while under a
// name derived from their owner's nonce, so that two processes breaking the same dead lock at
// once cannot also break the live lock that one of them took in the meantime.

import { randomHex } from '../randomHex';
import { readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { ensureDirectory } from './ensureDirectory';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CancelledError, StevedoreError, throwIfAborted } from '../errors';
import { HOST, isProcessAlive } from './processes';

interface LockOwner {
  pid: number;
  host: string;
  nonce: string;
  since: string;
}

export interface LockOptions {
  signal?: AbortSignal;
  /** How long to wait for another process before giving up. */
  timeoutMs?: number;
}

const BROKEN_KEEP_MS = 60_000;

export class StoreLock {
  private readonly lockDir: string;

  constructor(private readonly parentDir: string) {
    this.lockDir = join(parentDir, 'lock');
  }

  /** Waits for the lock and returns the function that releases it. */
  async acquire(options: LockOptions = {}): Promise<() => Promise<void>> {
    const { signal, timeoutMs = 120_000 } = options;
    const nonce = randomHex(8);
    const owner: LockOwner = { pid: process.pid, host: HOST, nonce, since: new Date().toISOString() };
    const pending = join(this.parentDir, `lock.pending-${process.pid}-${nonce}`);
    await ensureDirectory(pending);
    await writeFile(join(pending, 'owner'), JSON.stringify(owner));

    const started = Date.now();
    let delay = 2;
    let lastHolder: LockOwner | null;
    try {
      for (;;) {
        throwIfAborted(signal);
        try {
          await rename(pending, this.lockDir);
          return () => this.release(nonce);
        } catch (err) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
        }
        lastHolder = await this.readOwner();
        if (lastHolder && lastHolder.host === HOST && !isProcessAlive(lastHolder.pid)) {
          await this.breakLock(lastHolder);
          continue;
        }
        if (Date.now() - started > timeoutMs) {
          const who = lastHolder ? `process ${lastHolder.pid} on ${lastHolder.host} since ${lastHolder.since}` : 'another process';
          throw new StevedoreError(
            'STORE_LOCKED',
            `The image store is locked by ${who}. Wait for it to finish, or stop it and try again.`,
            { detail: { lockDir: this.lockDir } },
          );
        }
        try {
          await sleep(delay, undefined, { signal });
        } catch {
          throw new CancelledError();
        }
        delay = Math.min(delay * 2, 50);
      }
    } finally {
      await rm(pending, { recursive: true, force: true });
    }
  }

  private async release(nonce: string): Promise<void> {
    const owner = await this.readOwner();
    if (!owner || owner.nonce !== nonce) return; // broken by someone who thought we were dead
    const released = join(this.parentDir, `lock.released-${process.pid}-${nonce}`);
    await rename(this.lockDir, released);
    await rm(released, { recursive: true, force: true });
  }

  private async readOwner(): Promise<LockOwner | null> {
    try {
      return JSON.parse(await readFile(join(this.lockDir, 'owner'), 'utf8')) as LockOwner;
    } catch {
      return null;
    }
  }

  private async breakLock(dead: LockOwner): Promise<void> {
    const aside = join(this.parentDir, `lock.broken-${dead.nonce}`);
    try {
      await rename(this.lockDir, aside);
    } catch {
      return; // someone else broke it first, or it was released: just try again
    }
    const moved = await readOwnerAt(aside);
    if (moved && moved.nonce !== dead.nonce) {
      // We moved a live lock that replaced the dead one; put it back.
      await rename(aside, this.lockDir).catch(() => undefined);
      return;
    }
    await this.sweepBroken();
  }

  private async sweepBroken(): Promise<void> {
    const now = Date.now();
    for (const name of await readdir(this.parentDir)) {
      if (!name.startsWith('lock.broken-')) continue;
      const full = join(this.parentDir, name);
      const info = await stat(full).catch(() => null);
      if (info && now - info.mtimeMs > BROKEN_KEEP_MS) await rm(full, { recursive: true, force: true });
    }
  }
}

async function readOwnerAt(dir: string): Promise<LockOwner | null> {
  try {
    return JSON.parse(await readFile(join(dir, 'owner'), 'utf8')) as LockOwner;
  } catch {
    return null;
  }
}
