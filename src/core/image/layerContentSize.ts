// The size Docker shows for a layer: the sum of the sizes in its tar headers, which is what moby's
// UnpackLayer returns and the graph driver records (a COPY of a 6-byte file is 6B, not the 2 KiB of
// tar around it). Only headers are parsed; file contents are counted past, never copied, so this
// costs one read (and, for gzip or zstd layers, one inflate) of the blob.

import { StevedoreError, throwIfAborted } from '../errors';
import type { Layer } from './image';

const BLOCK = 512;
/** Entry types whose header size is counted but whose data Go's tar reader does not skip. */
const HEADER_ONLY = new Set(['1', '2', '3', '4', '5', '6']);

/** Counts the content bytes of a layer (plain, gzip or zstd tar underneath). */
export async function layerContentSize(layer: Pick<Layer, 'uncompressed'>, what: string, signal?: AbortSignal): Promise<number> {
  const counter = new TarSizeCounter(what);
  for await (const chunk of layer.uncompressed(signal ? { signal } : {})) {
    throwIfAborted(signal);
    counter.write(chunk);
    if (counter.ended) break;
  }
  return counter.finish();
}

/**
 * Walks tar headers over any chunking of the stream, as Go's archive/tar reports them: PAX `size`
 * records override the next header's size, GNU long-name and PAX entries are not entries, and two
 * zero blocks end the archive.
 */
export class TarSizeCounter {
  total = 0;
  ended = false;
  private readonly what: string;
  /** Bytes of entry data (and padding) still to pass over before the next header. */
  private skip = 0;
  private header = Buffer.alloc(BLOCK);
  private headerFill = 0;
  /** Data of a PAX or GNU long-name entry being collected, and its type. */
  private meta: { type: string; size: number; chunks: Buffer[]; got: number } | undefined;
  private paxSize: number | undefined;
  private zeroBlocks = 0;
  private sawHeader = false;

  constructor(what: string) {
    this.what = what;
  }

  write(chunk: Uint8Array): void {
    let offset = 0;
    while (offset < chunk.length && !this.ended) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - offset);
        if (this.meta) this.collectMeta(chunk.subarray(offset, offset + n));
        this.skip -= n;
        offset += n;
        if (this.skip === 0 && this.meta) this.endMeta();
        continue;
      }
      const n = Math.min(BLOCK - this.headerFill, chunk.length - offset);
      this.header.set(chunk.subarray(offset, offset + n), this.headerFill);
      this.headerFill += n;
      offset += n;
      if (this.headerFill === BLOCK) {
        this.headerFill = 0;
        this.onHeader(this.header);
      }
    }
  }

  finish(): number {
    if (!this.sawHeader) throw new StevedoreError('INVALID_ARCHIVE', `${this.what} is not a tar archive. Run "stevedore system check".`);
    if (this.skip > 0 || this.headerFill > 0) throw new StevedoreError('INVALID_ARCHIVE', `${this.what} ends in the middle of an entry. Run "stevedore system check".`);
    return this.total;
  }

  private onHeader(block: Buffer): void {
    if (block.every((b) => b === 0)) {
      if (++this.zeroBlocks === 2) this.ended = true;
      return;
    }
    this.zeroBlocks = 0;
    if (!checksumMatches(block)) throw new StevedoreError('INVALID_ARCHIVE', `${this.what} has a damaged tar header. Run "stevedore system check".`);
    this.sawHeader = true;
    const type = String.fromCharCode(block[156]!);
    const size = parseNumber(block.subarray(124, 136));
    const padded = Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'x' || type === 'g' || type === 'L' || type === 'K') {
      this.meta = { type, size, chunks: [], got: 0 };
      this.skip = padded;
      if (padded === 0) this.endMeta();
      return;
    }
    const entrySize = this.paxSize ?? size;
    this.paxSize = undefined;
    this.total += entrySize;
    this.skip = HEADER_ONLY.has(type) ? 0 : Math.ceil(entrySize / BLOCK) * BLOCK;
  }

  private collectMeta(piece: Uint8Array): void {
    const meta = this.meta!;
    if (meta.type !== 'x' || meta.got >= meta.size) return;
    const keep = piece.subarray(0, meta.size - meta.got);
    meta.chunks.push(Buffer.from(keep));
    meta.got += keep.length;
  }

  private endMeta(): void {
    const meta = this.meta!;
    this.meta = undefined;
    if (meta.type !== 'x') return;
    const size = paxRecord(Buffer.concat(meta.chunks).toString('utf8'), 'size');
    if (size !== undefined) this.paxSize = size;
  }
}

function checksumMatches(block: Buffer): boolean {
  const stored = parseNumber(block.subarray(148, 156));
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : block[i]!;
  return sum === stored;
}

/** A numeric header field: octal text, or GNU base-256 when the high bit of the first byte is set. */
function parseNumber(field: Buffer): number {
  if (field[0]! & 0x80) {
    let value = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) value = value * 256 + field[i]!;
    return value;
  }
  const text = field.toString('latin1').replace(/\0.*$/s, '').trim();
  return text === '' ? 0 : parseInt(text, 8);
}

/** A value from PAX records ("LEN key=value\n" each). */
function paxRecord(text: string, key: string): number | undefined {
  let found: number | undefined;
  for (const line of text.split('\n')) {
    const space = line.indexOf(' ');
    const eq = line.indexOf('=', space);
    if (space < 0 || eq < 0) continue;
    if (line.slice(space + 1, eq) === key) {
      const value = Number(line.slice(eq + 1));
      if (Number.isSafeInteger(value) && value >= 0) found = value;
    }
  }
  return found;
}
