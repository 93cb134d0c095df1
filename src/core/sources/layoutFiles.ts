// The files of an image archive or OCI layout folder, read in place: a tar indexed once
// (archive/tarIndex.ts) whose entries are read by offset, or a folder on disk. Paths are the
// archive's own, normalised; links inside a tar are followed by the loader's rules.

import { createReadStream } from 'node:fs';
import { lstat, readFile, realpath } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { StevedoreError } from '../errors';
import { normaliseArchivePath } from '../archive/archivePaths';
import { indexTar } from '../archive/tarIndex';

const READ_CHUNK = 1024 * 1024;

export interface LayoutFiles {
  /** Names the archive or folder in messages. */
  readonly what: string;
  /** The size of the regular file at `path` (links followed), or undefined when there is none. */
  size(path: string): Promise<number | undefined>;
  /** The file's bytes; a file that is not there fails with INVALID_ARCHIVE. */
  read(path: string, signal?: AbortSignal): AsyncIterable<Uint8Array>;
  /** A small file whole (a manifest, a config), refusing one larger than `maxBytes`. */
  readSmall(path: string, maxBytes: number): Promise<Buffer>;
}

/** The files of a plain tar, by offset. */
export async function tarFiles(path: string, what: string, signal?: AbortSignal): Promise<LayoutFiles> {
  const index = await indexTar(path, what, signal);
  const entry = (name: string): { offset: number; size: number } | undefined => index.files.get(index.links.resolve(normaliseArchivePath(name, what)));
  const need = (name: string): { offset: number; size: number } => {
    const found = entry(name);
    if (!found) throw missing(what, name);
    return found;
  };
  return {
    what,
    size: async (name) => entry(name)?.size,
    read: (name, readSignal) => {
      const { offset, size } = need(name);
      return rangeOf(path, offset, size, readSignal);
    },
    readSmall: async (name, maxBytes) => {
      const { offset, size } = need(name);
      if (size > maxBytes) throw tooLarge(what, name, maxBytes);
      return collect(rangeOf(path, offset, size));
    },
  };
}

/** The files of an OCI layout folder (`oci:DIR`); nothing outside the folder is read, through links or otherwise. */
export function folderFiles(root: string, what: string): LayoutFiles {
  const locate = async (name: string): Promise<{ path: string; size: number } | undefined> => {
    const path = join(root, ...normaliseArchivePath(name, what).split('/'));
    try {
      const real = await realpath(path);
      const base = await realpath(root);
      const inside = relative(base, real);
      if (inside.startsWith('..') || inside.startsWith(sep)) throw new StevedoreError('INVALID_ARCHIVE', `${what}: "${name}" leads out of the folder. Refusing it.`);
      const stat = await lstat(real);
      return stat.isFile() ? { path: real, size: stat.size } : undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
      throw err;
    }
  };
  const need = async (name: string): Promise<{ path: string; size: number }> => {
    const found = await locate(name);
    if (!found) throw missing(what, name);
    return found;
  };
  return {
    what,
    size: async (name) => (await locate(name))?.size,
    read: (name, signal) => lazily(async () => {
      const { path, size } = await need(name);
      return rangeOf(path, 0, size, signal);
    }),
    readSmall: async (name, maxBytes) => {
      const { path, size } = await need(name);
      if (size > maxBytes) throw tooLarge(what, name, maxBytes);
      return readFile(path);
    },
  };
}

async function* rangeOf(path: string, offset: number, size: number, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  if (size === 0) return;
  yield* createReadStream(path, { start: offset, end: offset + size - 1, highWaterMark: READ_CHUNK, ...(signal ? { signal } : {}) }) as AsyncIterable<Buffer>;
}

async function* lazily(open: () => Promise<AsyncIterable<Uint8Array>>): AsyncGenerator<Uint8Array> {
  yield* await open();
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of source) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function missing(what: string, name: string): StevedoreError {
  return new StevedoreError('INVALID_ARCHIVE', `${what} has no file "${name}". The archive or layout is incomplete.`);
}

function tooLarge(what: string, name: string, maxBytes: number): StevedoreError {
  return new StevedoreError('INVALID_ARCHIVE', `${what}: "${name}" is larger than ${maxBytes / (1024 * 1024)} MiB; no manifest or config is that large. Refusing it.`);
}
