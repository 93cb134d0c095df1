// Decoding one 512-byte tar header, and the bodies of the extension records (PAX, GNU long names)
// that describe the entry after them: POSIX ustar, GNU and PAX as tar-stream 3 read them, which is
// what the archive code was written and tested against (a v7 header without the ustar magic is
// refused; an all-zero block is no entry; a folder's size is ignored). tarEntries.ts streams them.

export type TarEntryType = 'file' | 'link' | 'symlink' | 'character-device' | 'block-device' | 'directory' | 'fifo' | 'contiguous-file';

export interface TarHeader {
  /** The path, after the ustar prefix, a GNU long name or a PAX `path` record. */
  name: string;
  /** null for a type flag tar does not define (readers treat it as they see fit). */
  type: TarEntryType | null;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  mtime: Date;
  /** null when the header has none. */
  linkname: string | null;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
  /** The entry's PAX records (global ones merged in), decoded as UTF-8; null without any. */
  pax: Record<string, string> | null;
}

/** Records that describe the next entry instead of being one. */
export type TarMetaType = 'pax-header' | 'pax-global-header' | 'gnu-long-path' | 'gnu-long-link-path';

/** A decoded block: an entry's header, a record that describes the next entry, or a zero block. */
export type DecodedBlock = { kind: 'entry'; header: TarHeader } | { kind: 'meta'; type: TarMetaType; size: number } | { kind: 'zero' };

export const BLOCK = 512;

/** Why a block is not a header; tarEntries.ts turns these into messages about the archive. */
export class TarFormatError extends Error {
  constructor(readonly reason: 'checksum' | 'format' | 'size') {
    super(reason === 'checksum' ? 'Invalid tar header (checksum mismatch)' : reason === 'format' ? 'Invalid tar header: unknown format' : 'Invalid header (size)');
  }
}

const ZERO = 0x30;

export function decodeBlock(block: Uint8Array): DecodedBlock {
  const sum = checksum(block);
  // The checksum of a block that is zero outside its checksum field: the end of the archive.
  if (sum === 8 * 32) return { kind: 'zero' };
  if (sum !== octal(block, 148, 8)) throw new TarFormatError('checksum');
  const ustar = isUstar(block);
  if (!ustar && !isGnu(block)) throw new TarFormatError('format');

  const flag = block[156] === 0 ? 0 : block[156]! - ZERO;
  const size = octal(block, 124, 12);
  const meta = metaType(flag);
  if (meta) {
    if (!(size >= 0)) throw new TarFormatError('size');
    return { kind: 'meta', type: meta, size };
  }
  let name = text(block, 0, 100);
  if (ustar && block[345] !== 0) name = `${text(block, 345, 155)}/${name}`;
  // Old tars mark folders by a trailing slash on a regular file.
  const type = flag === 0 && name.endsWith('/') ? 'directory' : entryType(flag);
  return {
    kind: 'entry',
    header: {
      name,
      type,
      size,
      mode: octal(block, 100, 8),
      uid: octal(block, 108, 8),
      gid: octal(block, 116, 8),
      mtime: new Date(1000 * octal(block, 136, 12)),
      linkname: block[157] === 0 ? null : text(block, 157, 100),
      uname: text(block, 265, 32),
      gname: text(block, 297, 32),
      devmajor: octal(block, 329, 8),
      devminor: octal(block, 337, 8),
      pax: null,
    },
  };
}

/** PAX records `LEN KEY=VALUE\n`; reading stops at the first malformed one, as tar-stream's does. */
export function decodePax(data: Uint8Array): Record<string, string> {
  const records: Record<string, string> = {};
  let rest = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  while (rest.length > 0) {
    let space = 0;
    while (space < rest.length && rest[space] !== 0x20) space++;
    const length = parseInt(rest.toString('utf8', 0, space), 10);
    if (!length) return records;
    const record = rest.toString('utf8', space + 1, length - 1);
    const eq = record.indexOf('=');
    if (eq === -1) return records;
    records[record.slice(0, eq)] = record.slice(eq + 1);
    rest = rest.subarray(length);
  }
  return records;
}

/** A GNU long name or link target: the record's bytes up to the first NUL. */
export function decodeLongName(data: Uint8Array): string {
  return text(data, 0, data.length);
}

/** The header with what the records before it said applied. */
export function applyRecords(header: TarHeader, records: { longPath?: string; longLinkPath?: string; pax?: Record<string, string> }): TarHeader {
  if (records.longPath !== undefined) header.name = records.longPath;
  if (records.longLinkPath !== undefined) header.linkname = records.longLinkPath;
  const pax = records.pax;
  if (pax) {
    if (pax.path) header.name = pax.path;
    if (pax.linkpath) header.linkname = pax.linkpath;
    if (pax.size) header.size = parseInt(pax.size, 10);
    header.pax = pax;
  }
  if (!(header.size >= 0)) throw new TarFormatError('size');
  return header;
}

/** Bytes of padding after `size` bytes of data, to the next block. */
export function padding(size: number): number {
  const over = size % BLOCK;
  return over === 0 ? 0 : BLOCK - over;
}

function metaType(flag: number): TarMetaType | undefined {
  switch (flag) {
    case 72: // 'x'
      return 'pax-header';
    case 55: // 'g'
      return 'pax-global-header';
    case 28: // 'L'
    case 30: // 'N', old GNU
      return 'gnu-long-path';
    case 27: // 'K'
      return 'gnu-long-link-path';
    default:
      return undefined;
  }
}

function entryType(flag: number): TarEntryType | null {
  const types: readonly TarEntryType[] = ['file', 'link', 'symlink', 'character-device', 'block-device', 'directory', 'fifo', 'contiguous-file'];
  return types[flag] ?? null;
}

function checksum(block: Uint8Array): number {
  let sum = 8 * 32;
  for (let i = 0; i < 148; i++) sum += block[i]!;
  for (let i = 156; i < BLOCK; i++) sum += block[i]!;
  return sum;
}

/** "ustar\0" */
function isUstar(block: Uint8Array): boolean {
  return block[257] === 0x75 && block[258] === 0x73 && block[259] === 0x74 && block[260] === 0x61 && block[261] === 0x72 && block[262] === 0;
}

/** "ustar " with version " \0": GNU tar's own format. */
function isGnu(block: Uint8Array): boolean {
  return block[257] === 0x75 && block[258] === 0x73 && block[259] === 0x74 && block[260] === 0x61 && block[261] === 0x72 && block[262] === 0x20 && block[263] === 0x20 && block[264] === 0;
}

/** A NUL-terminated UTF-8 field. */
function text(block: Uint8Array, offset: number, length: number): string {
  let end = offset;
  const limit = offset + length;
  while (end < limit && block[end] !== 0) end++;
  return Buffer.from(block.buffer, block.byteOffset + offset, end - offset).toString('utf8');
}

/**
 * A numeric field: octal digits (leading spaces and NULs skipped, ended by a space or NUL as tar
 * writers do), or base-256 when the first byte's top bit is set (GNU's large sizes and ids).
 */
function octal(block: Uint8Array, offset: number, length: number): number {
  if (block[offset]! & 0x80) return base256(block, offset, length);
  let at = offset;
  const limit = offset + length;
  while (at < limit && block[at] === 0x20) at++;
  let end = at;
  while (end < limit && block[end] !== 0x20) end++;
  while (at < end && block[at] === 0) at++;
  if (end === at) return 0;
  return parseInt(Buffer.from(block.buffer, block.byteOffset + at, end - at).toString('latin1'), 8);
}

function base256(block: Uint8Array, offset: number, length: number): number {
  const first = block[offset]!;
  // 0x80 positive, 0xff two's complement negative; anything else is no number.
  if (first !== 0x80 && first !== 0xff) return NaN;
  const positive = first === 0x80;
  let sum = 0;
  for (let i = offset + 1; i < offset + length; i++) {
    const byte = positive ? block[i]! : 0xff - block[i]!;
    sum = sum * 256 + byte;
  }
  return positive ? sum : -sum;
}
