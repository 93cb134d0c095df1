// COPY (and ADD of local files) as a layer: the sources are resolved in the build context, placed
// under the destination with Docker's rules, and written as one tar in byte order of their paths.
// Directories the destination needs and the image lacks are written too (0755, owned as the
// copied files are), since whoever unpacks a layer gives an unlisted directory a mode of its own
// choosing (Docker's vfs driver: 0700, which locks out a non-root USER); directories the image
// already has are not, so that they keep their owner and mode (a /tmp stays 1777).
// Owners are root unless --chown gives one (imageUsers.ts); --chmod sets the mode of everything copied;
// files keep their modification times. ADD unpacks a local tar (plain, gzip or zstd) into the
// destination folder, as Docker does, keeping its entries' owners and modes (--chown still wins);
// entry names are re-rooted there and cannot climb out of it.

import type { Stats } from 'node:fs';
import { createReadStream } from 'node:fs';
import { open, readlink } from 'node:fs/promises';
import { posix } from 'node:path';
import { fileBytes } from '../archive/folderTar';
import { decompressed, detectCompression } from '../archive/decompress';
import { skipEntry, tarEntries } from '../archive/tarEntries';
import { tarStream, type TarWriter } from '../archive/tarWriter';
import { StevedoreError, throwIfAborted } from '../errors';
import { hasWildcard, listTree, resolveSource, type IgnoreMatcher, type SourceRoot } from './contextFiles';

export interface CopyRequest {
  /** Source patterns, variables already expanded. */
  sources: readonly string[];
  dest: string;
  /** The image's working directory, which a relative destination is under. */
  workdir: string;
  /** Directories the image has so far ("srv/app", no leading "/"); parents missing from it are written. */
  existingDirs: ReadonlySet<string>;
  /** ADD: local tar archives are unpacked into the destination rather than copied. */
  unpackArchives?: boolean;
  chown?: { uid: number; gid: number };
  chmod?: number;
}

export interface PlannedEntry {
  /** Path in the image, without the leading "/". */
  target: string;
  /** `archive`: a tar whose entries are unpacked under `target`. */
  kind: 'file' | 'directory' | 'symlink' | 'archive';
  /** Absent for a parent directory the image lacks, made here. */
  abs?: string;
  info?: Stats;
}

export async function planCopy(context: string, request: CopyRequest, ignore: IgnoreMatcher, signal?: AbortSignal, from: SourceRoot = {}): Promise<PlannedEntry[]> {
  const destAbs = posix.resolve('/', request.workdir || '/', request.dest);
  const resolved = [];
  for (const source of request.sources) resolved.push(...(await resolveSource(context, source, ignore, signal, from)));
  const several = resolved.length > 1 || request.sources.some(hasWildcard);
  const destIsDir = request.dest.endsWith('/') || request.dest === '.' || several;
  if (resolved.length > 1 && !request.dest.endsWith('/')) {
    throw new StevedoreError('INVALID_ARGUMENT', `When using COPY with more than one source file, the destination must be a directory and end with a / (got "${request.dest}").`);
  }
  // Keyed by target, so that a later source replaces an earlier one there; archives by their file too,
  // since several may unpack into one folder.
  const planned = new Map<string, PlannedEntry>();
  const put = (entry: PlannedEntry): void => {
    if (entry.kind === 'archive') planned.set(`${entry.target}\0${entry.abs!}`, entry);
    else if (entry.target) planned.set(entry.target, entry);
  };
  for (const source of resolved) {
    throwIfAborted(signal);
    if (source.info.isDirectory()) {
      // A directory's contents go into the destination, not the directory itself.
      for (const item of await listTree(context, source, ignore, signal, from)) {
        const target = posix.join(destAbs, item.rel).slice(1);
        put({ target, kind: kindOf(item.info), abs: item.abs, info: item.info });
      }
    } else if (request.unpackArchives && (await isTarArchive(source.abs, source.rel))) {
      put({ target: destAbs.slice(1), kind: 'archive', abs: source.abs, info: source.info });
    } else {
      const name = source.rel ? posix.basename(source.rel) : '';
      const target = (destIsDir ? posix.join(destAbs, name) : destAbs).slice(1);
      if (!target) throw new StevedoreError('INVALID_ARGUMENT', `COPY cannot replace the root directory with the file "${source.rel}".`);
      put({ target, kind: 'file', abs: source.abs, info: source.info });
    }
  }
  for (const { target, kind } of [...planned.values()]) {
    // An archive's own folder must exist too: its entries are unpacked inside it.
    for (let dir = kind === 'archive' ? target : posix.dirname(target); dir && dir !== '.' && dir !== '/'; dir = posix.dirname(dir)) {
      if (!planned.has(dir) && !request.existingDirs.has(dir)) planned.set(dir, { target: dir, kind: 'directory' });
    }
  }
  // Byte order of paths; a folder before what is unpacked into it.
  return [...planned.values()].sort((a, b) => Buffer.compare(Buffer.from(a.target), Buffer.from(b.target)) || Number(a.kind === 'archive') - Number(b.kind === 'archive'));
}

function kindOf(info: Stats): PlannedEntry['kind'] {
  if (info.isDirectory()) return 'directory';
  if (info.isSymbolicLink()) return 'symlink';
  if (info.isFile()) return 'file';
  throw new StevedoreError('UNSUPPORTED', 'COPY can copy files, directories and symbolic links only (a device, socket or pipe was found in the build context).');
}

/** `madeDirs` hears every directory the layer holds, archive contents included. */
export function copyTar(entries: readonly PlannedEntry[], request: Pick<CopyRequest, 'chown' | 'chmod'>, created: Date, madeDirs: Set<string>, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  const owner = { uid: request.chown?.uid ?? 0, gid: request.chown?.gid ?? 0 };
  return tarStream(async (writer) => {
    for (const entry of entries) {
      throwIfAborted(signal);
      if (entry.kind === 'archive') {
        await unpackInto(writer, entry, request, madeDirs, signal);
        continue;
      }
      if (entry.kind === 'directory') madeDirs.add(entry.target);
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

/** Whether a file is a tar, plain or compressed, judged by its content as Docker does (not its name). */
async function isTarArchive(abs: string, rel: string): Promise<boolean> {
  const head = await readHead(abs, 64 * 1024);
  const compression = detectCompression(head);
  if (compression === 'bzip2' || compression === 'xz') {
    throw new StevedoreError('UNSUPPORTED', `ADD ${rel}: the archive is compressed with ${compression}, which Stevedore cannot unpack yet; recompress it with gzip or zstd.`);
  }
  let plain = head;
  if (compression !== 'none') {
    const parts: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of decompressed(createReadStream(abs, { highWaterMark: 64 * 1024 }), rel)) {
        parts.push(Buffer.from(chunk));
        size += chunk.length;
        if (size >= 512) break;
      }
    } catch {
      return false; // a compressed file that is not a whole stream is copied as it is
    }
    plain = Buffer.concat(parts);
  }
  return plain.length >= 262 && plain.subarray(257, 262).toString('latin1') === 'ustar';
}

async function readHead(path: string, bytes: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

async function unpackInto(writer: TarWriter, entry: PlannedEntry, request: Pick<CopyRequest, 'chown' | 'chmod'>, madeDirs: Set<string>, signal: AbortSignal | undefined): Promise<void> {
  const what = `ADD ${entry.abs!}`;
  // Names are taken as if the archive were unpacked in a chroot at the destination: no way up.
  const rerooted = (name: string): string => {
    const joined = posix.join(entry.target, posix.normalize(`/${name}`).slice(1)).replace(/\/+$/, '');
    return joined === '.' ? '' : joined;
  };
  for await (const { header, body } of tarEntries(decompressed(createReadStream(entry.abs!, { highWaterMark: 1024 * 1024 }), what), { what, ...(signal ? { signal } : {}) })) {
    const name = rerooted(header.name);
    const owner = { uid: request.chown?.uid ?? header.uid ?? 0, gid: request.chown?.gid ?? header.gid ?? 0 };
    const base = { mode: request.chmod ?? (header.mode ?? 0o644) & 0o7777, mtime: header.mtime ?? new Date(0), ...owner };
    if (!name) {
      await skipEntry(body);
      continue;
    }
    switch (header.type) {
      case 'file':
      case 'contiguous-file':
        await writer.addStream({ ...base, name, type: 'file', size: header.size ?? 0 }, body, signal);
        continue;
      case 'directory':
        madeDirs.add(name);
        await writer.add({ ...base, name: `${name}/`, type: 'directory' });
        break;
      case 'symlink':
        await writer.add({ ...base, name, type: 'symlink', linkname: header.linkname ?? '' });
        break;
      case 'link':
        await writer.add({ ...base, name, type: 'link', linkname: rerooted(header.linkname ?? '') });
        break;
      case 'fifo':
      case 'character-device':
      case 'block-device':
        await writer.add({ ...base, name, type: header.type, devmajor: header.devmajor ?? 0, devminor: header.devminor ?? 0 });
        break;
      default:
        // PAX/GNU extension records are read by tar-stream itself; anything else is skipped.
        break;
    }
    await skipEntry(body);
  }
}
