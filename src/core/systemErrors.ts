// System errors in words: a full disk, a store that cannot be written, a store path that is a
// file. The CLI's and the extension's error reporters both pass every failure through
// `explainSystemError`, so each writer need not translate errno codes itself, and a full disk is
// never blamed on the input even when a reader wrapped it (an archive error whose cause is ENOSPC).

import { statSync, type Stats } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { StevedoreError } from './errors';

const FULL = new Set(['ENOSPC', 'EDQUOT']);
const NOT_WRITABLE = new Set(['EROFS', 'EACCES', 'EPERM']);
/** Calls whose EACCES may be about reading (an input file), which is not the store's fault. */
const MAYBE_READING = new Set(['open', 'read', 'scandir', 'stat', 'lstat', 'access']);

/**
 * The typed error for a system error anywhere in `err`'s cause chain, or undefined when there is
 * none (or it says nothing more than the error itself). `storeRoot` is the store in use, if any.
 */
export function explainSystemError(err: unknown, storeRoot?: string): StevedoreError | undefined {
  for (let e = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof StevedoreError && (e.code === 'DISK_FULL' || e.code === 'STORE_NOT_WRITABLE' || e.code === 'STORE_NOT_DIRECTORY')) return e;
    const sys = e as NodeJS.ErrnoException;
    if (typeof sys.code !== 'string') continue;
    const path = sys.path ?? (sys as { dest?: string }).dest;
    const where = path ? ` (writing ${path})` : '';
    if (FULL.has(sys.code)) {
      return new StevedoreError('DISK_FULL', `The disk is full${where}. Free some space on it, then try again.`, { cause: e });
    }
    const inStore = storeRoot !== undefined && path !== undefined && isInside(resolve(storeRoot), resolve(path));
    const unknownStore = storeRoot === undefined && (sys.code === 'EROFS' || !MAYBE_READING.has(sys.syscall ?? ''));
    if (NOT_WRITABLE.has(sys.code) && (inStore || unknownStore)) {
      const why = sys.code === 'EROFS' ? 'it is on a read-only file system' : 'permission denied';
      const what = storeRoot !== undefined ? `The image store ${storeRoot} is not writable` : `${path ?? 'A file'} is not writable`;
      return new StevedoreError(
        'STORE_NOT_WRITABLE',
        `${what}: ${why}${path ? ` (${path})` : ''}. Make it writable, or use a store you can write to (--store, STEVEDORE_STORE or the stevedore.storePath setting).`,
        { cause: e },
      );
    }
    if ((sys.code === 'ENOTDIR' || sys.code === 'EEXIST') && inStore) {
      const file = firstFileOnPath(path!);
      if (file === undefined) continue;
      return new StevedoreError(
        'STORE_NOT_DIRECTORY',
        `The image store path ${storeRoot} is not a folder: ${file} is a file. Point --store (or STEVEDORE_STORE, or the stevedore.storePath setting) at a folder.`,
        { cause: e },
      );
    }
  }
  return undefined;
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** The first existing path from the root down to `path` that is not a folder. */
function firstFileOnPath(path: string): string | undefined {
  const chain: string[] = [];
  for (let p = resolve(path); ; p = dirname(p)) {
    chain.unshift(p);
    if (dirname(p) === p) break;
  }
  for (const p of chain) {
    const info = statSyncOrNull(p);
    if (info === null) return undefined;
    if (!info.isDirectory()) return p;
  }
  return undefined;
}

function statSyncOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}
