// A folder as a layer tar, made reproducibly: entries in byte order of their paths, owners
// normalised to root (0:0, no names), permission bits kept, hard links within the folder written
// as links, and every timestamp set to SOURCE_DATE_EPOCH when the caller gives one, so that the
// same folder gives the same diffID on any machine. Sockets cannot be stored in a tar and are left
// out, as GNU tar does.

import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { StevedoreError, throwIfAborted } from '../errors';
import { tarStream, type EntryHeader, type TarWriter } from './tarWriter';

export interface FolderTarOptions {
  /** Every entry's modification time; when absent each file's own mtime is kept. */
  mtime?: Date;
  signal?: AbortSignal;
  /** Called for each entry skipped because tar cannot hold it (sockets). */
  onSkipped?: (path: string) => void;
}

export interface FolderTarStats {
  entries: number;
}

/** Yields the tar of `root`'s contents (the folder itself is not an entry), counting into `stats`. */
export function folderTar(root: string, options: FolderTarOptions = {}, stats: FolderTarStats = { entries: 0 }): AsyncGenerator<Uint8Array> {
  return tarStream(async (writer) => {
    const seen = new Map<string, string>();
    await addChildren(writer, root, '', options, seen, stats);
  });
}

/** Whether the folder has nothing in it: its layer would be empty. */
export async function isEmptyFolder(root: string): Promise<boolean> {
  return (await readdir(root)).length === 0;
}

async function addChildren(writer: TarWriter, root: string, prefix: string, options: FolderTarOptions, seen: Map<string, string>, stats: FolderTarStats): Promise<void> {
  const dir = join(root, prefix);
  // Byte order, not locale order, so that the tar does not depend on the machine's settings.
  const names = (await readdir(dir)).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  for (const name of names) {
    throwIfAborted(options.signal);
    const rel = prefix ? `${prefix}/${name}` : name;
    const abs = join(root, rel);
    const info = await lstat(abs);
    const base = { mode: info.mode & 0o7777, mtime: options.mtime ?? info.mtime };
    const inode = `${info.dev}:${info.ino}`;
    if (info.isDirectory()) {
      await writer.add({ ...base, name: `${rel}/`, type: 'directory' });
      stats.entries++;
      await addChildren(writer, root, rel, options, seen, stats);
      continue;
    }
    if (!info.isSocket() && info.nlink > 1 && seen.has(inode)) {
      await writer.add({ ...base, name: rel, type: 'link', linkname: seen.get(inode)! });
      stats.entries++;
      continue;
    }
    let header: EntryHeader;
    // Only files with other names can be hard links; remembering just those keeps memory small.
    if (info.nlink > 1) seen.set(inode, rel);
    if (info.isFile()) {
      await writer.addStream({ ...base, name: rel, type: 'file', size: info.size }, fileBytes(abs, info.size), options.signal);
      stats.entries++;
      continue;
    } else if (info.isSymbolicLink()) {
      header = { ...base, name: rel, type: 'symlink', linkname: await readlink(abs) };
    } else if (info.isFIFO()) {
      header = { ...base, name: rel, type: 'fifo' };
    } else if (info.isCharacterDevice() || info.isBlockDevice()) {
      header = { ...base, name: rel, type: info.isCharacterDevice() ? 'character-device' : 'block-device', devmajor: major(info.rdev), devminor: minor(info.rdev) };
    } else {
      options.onSkipped?.(rel);
      continue;
    }
    await writer.add(header);
    stats.entries++;
  }
}

/** Exactly `size` bytes of the file: one that grows or shrinks while it is read is an error. */
export async function* fileBytes(path: string, size: number): AsyncGenerator<Uint8Array> {
  let read = 0;
  if (size > 0) {
    for await (const chunk of createReadStream(path, { start: 0, end: size - 1, highWaterMark: 1024 * 1024 })) {
      read += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
  }
  if (read !== size) {
    throw new StevedoreError('IO_ERROR', `${path} changed while it was being read (${read} of ${size} bytes). Try again when nothing is writing to the folder.`);
  }
}

// glibc's gnu_dev_major/minor for the 32-bit encodings Linux uses.
function major(rdev: number): number {
  return ((rdev >>> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & 0xfffff000);
}

function minor(rdev: number): number {
  return (rdev & 0xff) | ((rdev >>> 12) & 0xfff00);
}
