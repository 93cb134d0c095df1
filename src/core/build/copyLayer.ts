// COPY (and ADD of local files) as a layer: the sources are resolved in the build context, placed
// under the destination with Docker's rules, and written as one tar in byte order of their paths.
// Directories the destination needs and the image lacks are written too (0755, owned as the
// copied files are), since whoever unpacks a layer gives an unlisted directory a mode of its own
// choosing (Docker's vfs driver: 0700, which locks out a non-root USER); directories the image
// already has are not, so that they keep their owner and mode (a /tmp stays 1777).
// Owners are root unless --chown gives numeric ids; --chmod sets the mode of everything copied;
// files keep their modification times.

import type { Stats } from 'node:fs';
import { readlink } from 'node:fs/promises';
import { posix } from 'node:path';
import { fileBytes } from '../archive/folderTar';
import { tarStream } from '../archive/tarWriter';
import { StevedoreError, throwIfAborted } from '../errors';
import { hasWildcard, listTree, resolveSource, type IgnoreMatcher } from './contextFiles';

export interface CopyRequest {
  /** Source patterns, variables already expanded. */
  sources: readonly string[];
  dest: string;
  /** The image's working directory, which a relative destination is under. */
  workdir: string;
  /** Directories the image has so far ("srv/app", no leading "/"); parents missing from it are written. */
  existingDirs: ReadonlySet<string>;
  chown?: { uid: number; gid: number };
  chmod?: number;
}

export interface PlannedEntry {
  /** Path in the image, without the leading "/". */
  target: string;
  kind: 'file' | 'directory' | 'symlink';
  /** Absent for a parent directory the image lacks, made here. */
  abs?: string;
  info?: Stats;
}

export async function planCopy(context: string, request: CopyRequest, ignore: IgnoreMatcher, signal?: AbortSignal): Promise<PlannedEntry[]> {
  const destAbs = posix.resolve('/', request.workdir || '/', request.dest);
  const resolved = [];
  for (const source of request.sources) resolved.push(...(await resolveSource(context, source, ignore, signal)));
  const several = resolved.length > 1 || request.sources.some(hasWildcard);
  const destIsDir = request.dest.endsWith('/') || request.dest === '.' || several;
  if (resolved.length > 1 && !request.dest.endsWith('/')) {
    throw new StevedoreError('INVALID_ARGUMENT', `When using COPY with more than one source file, the destination must be a directory and end with a / (got "${request.dest}").`);
  }
  const planned = new Map<string, PlannedEntry>();
  const put = (entry: PlannedEntry): void => {
    if (entry.target) planned.set(entry.target, entry);
  };
  for (const source of resolved) {
    throwIfAborted(signal);
    if (source.info.isDirectory()) {
      // A directory's contents go into the destination, not the directory itself.
      for (const item of await listTree(context, source, ignore, signal)) {
        const target = posix.join(destAbs, item.rel).slice(1);
        put({ target, kind: kindOf(item.info), abs: item.abs, info: item.info });
      }
    } else {
      const name = source.rel ? posix.basename(source.rel) : '';
      const target = (destIsDir ? posix.join(destAbs, name) : destAbs).slice(1);
      if (!target) throw new StevedoreError('INVALID_ARGUMENT', `COPY cannot replace the root directory with the file "${source.rel}".`);
      put({ target, kind: 'file', abs: source.abs, info: source.info });
    }
  }
  for (const target of [...planned.keys()]) {
    for (let dir = posix.dirname(target); dir !== '.' && dir !== '/'; dir = posix.dirname(dir)) {
      if (!planned.has(dir) && !request.existingDirs.has(dir)) planned.set(dir, { target: dir, kind: 'directory' });
    }
  }
  return [...planned.values()].sort((a, b) => Buffer.compare(Buffer.from(a.target), Buffer.from(b.target)));
}

function kindOf(info: Stats): PlannedEntry['kind'] {
  if (info.isDirectory()) return 'directory';
  if (info.isSymbolicLink()) return 'symlink';
  if (info.isFile()) return 'file';
  throw new StevedoreError('UNSUPPORTED', 'COPY can copy files, directories and symbolic links only (a device, socket or pipe was found in the build context).');
}

export function copyTar(entries: readonly PlannedEntry[], request: Pick<CopyRequest, 'chown' | 'chmod'>, created: Date, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  const owner = { uid: request.chown?.uid ?? 0, gid: request.chown?.gid ?? 0 };
  return tarStream(async (writer) => {
    for (const entry of entries) {
      throwIfAborted(signal);
      if (!entry.info || !entry.abs) {
        await writer.add({ name: `${entry.target}/`, type: 'directory', mode: 0o755, mtime: created, ...owner });
        continue;
      }
      const mtime = entry.info.mtime;
      const mode = request.chmod ?? entry.info.mode & 0o7777;
      if (entry.kind === 'directory') {
        await writer.add({ name: `${entry.target}/`, type: 'directory', mode, mtime, ...owner });
      } else if (entry.kind === 'symlink') {
        await writer.add({ name: entry.target, type: 'symlink', linkname: await readlink(entry.abs), mode: 0o777, mtime, ...owner });
      } else {
        const size = entry.info.size;
        await writer.addStream({ name: entry.target, type: 'file', size, mode, mtime, ...owner }, fileBytes(entry.abs, size), signal);
      }
    }
  });
}
