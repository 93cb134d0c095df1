// mkdir -p that reports what is really wrong: Node's recursive mkdir answers ENOENT on a read-only
// file system, where a plain mkdir says EROFS; and a file in the way is ENOTDIR, not "exists".

import { mkdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

export async function ensureDirectory(path: string): Promise<void> {
  try {
    await mkdir(path);
    return;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'EEXIST') return assertDirectory(path, e);
    if (e.code !== 'ENOENT' || dirname(path) === path) throw err;
  }
  await ensureDirectory(dirname(path));
  try {
    await mkdir(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code !== 'EEXIST') throw err;
    await assertDirectory(path, e);
  }
}

async function assertDirectory(path: string, cause: NodeJS.ErrnoException): Promise<void> {
  if ((await stat(path)).isDirectory()) return;
  throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${path}'`, { cause }), { code: 'ENOTDIR', syscall: 'mkdir', path });
}
