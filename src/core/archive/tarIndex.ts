// Where each file of an image archive lies inside the tar, found by reading its headers only: each
// header says how long its body is, so the next header is found by seeking past the body, and a
// 1 GB archive is indexed by reading a few kilobytes. The bodies (layers) are then read by offset,
// as often as needed, without extracting or loading anything. Entry names are normalised and links
// resolved inside the archive by the same rules as the loader (archivePaths.ts).
//
// A compressed archive (archive.tar.gz) has no offsets to seek to; it is refused with what to do
// rather than spilled to a second file behind the user's back.

import { open, type FileHandle } from 'node:fs/promises';
import { StevedoreError, throwIfAborted } from '../errors';
import { ArchiveLinks, normaliseArchivePath } from './archivePaths';
import { detectCompression } from './decompress';

const BLOCK = 512;
/** A PAX or GNU long-name body larger than this is no file name (tar-stream caps headers at 4 MiB too). */
const MAX_EXTENDED_HEADER = 4 * 1024 * 1024;
const MAX_ENTRIES = 10_000_000;

export interface TarIndexEntry {
  /** Where the body starts in the file. */
  offset: number;
  size: number;
}

export interface TarIndex {
  /** Regular files by normalised path; a later entry of a name replaces an earlier one, as when tar extracts. */
  files: Map<string, TarIndexEntry>;
  links: ArchiveLinks;
}

export async function indexTar(path: string, what: string, signal?: AbortSignal): Promise<TarIndex> {
  const file = await openArchive(path, what);
  try {
    return await readHeaders(file, what, signal);
  } finally {
    await file.close();
  }
}

async function openArchive(path: string, what: string): Promise<FileHandle> {
  try {
    const file = await open(path, 'r');
    if ((await file.stat()).isDirectory()) {
      await file.close();
      throw new StevedoreError('INVALID_ARGUMENT', `${what} is a folder, not an archive file (an OCI layout folder is oci:${path}).`);
    }
    return file;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new StevedoreError('INVALID_ARGUMENT', `There is no file ${path}.`);
    if ((err as NodeJS.ErrnoException).code === 'EISDIR') throw new StevedoreError('INVALID_ARGUMENT', `${what} is a folder, not an archive file (an OCI layout folder is oci:${path}).`);
    throw err;
  }
}

async function readHeaders(file: FileHandle, what: string, signal?: AbortSignal): Promise<TarIndex> {
  const index: TarIndex = { files: new Map(), links: new ArchiveLinks(what) };
  const { size: fileSize } = await file.stat();
  const block = Buffer.alloc(BLOCK);
  let position = 0;
  let entries = 0;
  let pax: Record<string, string> = {};
  let longName: string | undefined;
  let longLink: string | undefined;
  for (;;) {
    throwIfAborted(signal);
    const { bytesRead } = await file.read(block, 0, BLOCK, position);
    if (bytesRead === 0 && entries > 0) break; // no end-of-archive blocks: tolerated, as GNU tar does
    if (entries === 0 && bytesRead >= 6 && detectCompression(block) !== 'none') {
      throw new StevedoreError(
        'UNSUPPORTED',
        `${what} is compressed (${detectCompression(block)}); copy reads an archive's layers in place and needs a plain tar. Decompress it first (gunzip -k), or load it with \`stevedore load\`, which reads compressed archives.`,
      );
    }
    if (bytesRead < BLOCK) throw truncated(what, entries);
    if (block.every((b) => b === 0)) break;
    if (!checksumMatches(block)) {
      throw new StevedoreError(
        'INVALID_ARCHIVE',
        entries === 0
          ? `${what} is not a tar archive (its first header is not a valid tar header). Give an archive made by docker save, podman save, skopeo or stevedore save.`
          : `${what} is corrupt: the tar header after entry ${entries} is damaged.`,
      );
    }
    if (++entries > MAX_ENTRIES) throw new StevedoreError('INVALID_ARCHIVE', `${what} has more than ${MAX_ENTRIES} entries; no image archive needs that many.`);
    const type = String.fromCharCode(block[156]!);
    const size = pax.size !== undefined ? Number(pax.size) : numberField(block, 124, 12, what);
    const body = position + BLOCK;
    const next = body + Math.ceil(size / BLOCK) * BLOCK;
    if (!Number.isSafeInteger(size) || size < 0 || body + size > fileSize) throw truncated(what, entries - 1);
    if (type === 'x' || type === 'g' || type === 'L' || type === 'K') {
      if (size > MAX_EXTENDED_HEADER) throw new StevedoreError('INVALID_ARCHIVE', `${what} has an extended tar header larger than 4 MiB after entry ${entries}. Refusing it: no image archive needs one.`);
      const text = Buffer.alloc(size);
      await file.read(text, 0, size, body);
      if (type === 'x') pax = { ...pax, ...parsePax(text, what) };
      else if (type === 'L') longName = cString(text, 0, size);
      else if (type === 'K') longLink = cString(text, 0, size);
      position = next;
      continue;
    }
    const name = pax.path ?? longName ?? ustarName(block);
    const linkname = pax.linkpath ?? longLink ?? cString(block, 157, 100);
    pax = {};
    longName = undefined;
    longLink = undefined;
    const entryPath = normaliseArchivePath(name, what);
    if (type === '0' || type === '\0' || type === '7') {
      if (entryPath === '') throw new StevedoreError('INVALID_ARCHIVE', `${what} has a file entry named "${name}", which is the archive root.`);
      index.links.delete(entryPath);
      index.files.set(entryPath, { offset: body, size });
    } else if (type === '1') {
      index.files.delete(entryPath);
      index.links.addHardlink(entryPath, linkname);
    } else if (type === '2') {
      index.files.delete(entryPath);
      index.links.addSymlink(entryPath, linkname);
    }
    position = next;
  }
  if (entries === 0) throw new StevedoreError('INVALID_ARCHIVE', `${what} is empty. Give an archive made by docker save, podman save, skopeo or stevedore save.`);
  return index;
}

/** The header's checksum: the sum of its bytes with the checksum field counted as spaces. */
function checksumMatches(block: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  const stored = parseInt(cString(block, 148, 8).trim() || 'x', 8);
  return stored === sum;
}

function ustarName(block: Buffer): string {
  const name = cString(block, 0, 100);
  const magic = block.toString('latin1', 257, 262);
  const prefix = magic === 'ustar' ? cString(block, 345, 155) : '';
  return prefix ? `${prefix}/${name}` : name;
}

/** An octal field, or GNU's base-256 form (first byte 0x80) for sizes of 8 GiB and more. */
function numberField(block: Buffer, start: number, length: number, what: string): number {
  if (block[start]! & 0x80) {
    let value = 0;
    for (let i = start + 1; i < start + length; i++) value = value * 256 + block[i]!;
    return value;
  }
  const text = cString(block, start, length).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new StevedoreError('INVALID_ARCHIVE', `${what} has a tar header with an invalid size ("${text}").`);
  return parseInt(text, 8);
}

function cString(buffer: Buffer, start: number, length: number): string {
  const end = buffer.indexOf(0, start);
  return buffer.toString('utf8', start, end < 0 || end > start + length ? start + length : end);
}

/** PAX records: "LEN key=value\n", LEN counting the whole record. */
function parsePax(text: Buffer, what: string): Record<string, string> {
  const out: Record<string, string> = {};
  let at = 0;
  while (at < text.length) {
    const space = text.indexOf(0x20, at);
    const length = space > at ? Number(text.toString('latin1', at, space)) : NaN;
    if (!Number.isSafeInteger(length) || length <= 0 || at + length > text.length) {
      throw new StevedoreError('INVALID_ARCHIVE', `${what} has a malformed PAX extended header.`);
    }
    const record = text.toString('utf8', space + 1, at + length - 1);
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    at += length;
  }
  return out;
}

function truncated(what: string, entries: number): StevedoreError {
  return new StevedoreError('INVALID_ARCHIVE', `${what} is truncated: it ends in the middle of entry ${entries + 1}. Get a complete copy of the archive and try again.`);
}
