// Leases keep garbage collection away from blobs that an operation is still writing: a pull or
// import names each blob in its lease *before* it checks for or writes that blob, and only drops
// the lease after index.json references the image. Garbage collection, run under the store lock,
// treats every blob named by the lease of a live process as in use. Without this, an `rmi` in one
// process could delete a shared layer that an import in another process had just found present.

import { randomHex } from '../randomHex';
import { appendFile, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isProcessAlive, ownerPid } from './processes';

export class Lease {
  private released = false;

  constructor(readonly path: string) {}

  async protect(digests: Iterable<string>): Promise<void> {
    if (this.released) throw new Error('lease already released');
    const lines = [...digests].map((d) => `${d}\n`).join('');
    if (lines) await appendFile(this.path, lines);
  }

  async release(): Promise<void> {
    this.released = true;
    await rm(this.path, { force: true });
  }
}

export class Leases {
  constructor(private readonly dir: string) {}

  async create(): Promise<Lease> {
    await mkdir(this.dir, { recursive: true });
    const path = join(this.dir, `${process.pid}-${randomHex(6)}`);
    await writeFile(path, '', { flag: 'wx' });
    return new Lease(path);
  }

  /** Runs `fn` with a fresh lease and always releases it. */
  async with<T>(fn: (lease: Lease) => Promise<T>): Promise<T> {
    const lease = await this.create();
    try {
      return await fn(lease);
    } finally {
      await lease.release();
    }
  }

  /** Blobs protected by live leases; leases of dead processes are removed on the way. */
  async protectedDigests(): Promise<Set<string>> {
    const protectedSet = new Set<string>();
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return protectedSet;
    }
    for (const name of names) {
      const pid = ownerPid(name);
      const path = join(this.dir, name);
      if (pid === null || !isProcessAlive(pid)) {
        await rm(path, { force: true });
        continue;
      }
      const text = await readFile(path, 'utf8').catch(() => '');
      for (const line of text.split('\n')) if (line) protectedSet.add(line);
    }
    return protectedSet;
  }
}
