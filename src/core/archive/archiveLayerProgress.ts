// Per-layer progress of an image archive (docker save / OCI layout in a tar) as it streams past,
// whoever wrote it: the store's save, an engine's export. The tar headers are read as the bytes go
// by (nothing is held back but the 512-byte header and the first block of each entry, which tells
// a layer from a config or a manifest as the loader does), so a copy can show each layer moving.

import type { TransferListener } from '../transfer/transferEvent';
import { looksLikeLayer } from './stagedFile';

const BLOCK = 512;

/**
 * Passes `stream` through unchanged, telling `onEvent` as each layer entry moves: TransferEvent
 * layer events named by the entry's path (blobs/sha256/<hex>, <hex>/layer.tar), `transferring`
 * until its last byte has passed, then `done`.
 */
export async function* watchArchiveLayers(stream: AsyncIterable<Uint8Array>, onEvent: TransferListener): AsyncGenerator<Uint8Array> {
  const watcher = new TarWatcher(onEvent);
  for await (const chunk of stream) {
    watcher.push(chunk);
    yield chunk;
  }
}

interface Entry {
  id: string;
  size: number;
  remaining: number;
  regular: boolean;
  /** The first block of the entry's data, until it is known whether it is a layer. */
  head: Buffer;
  headFill: number;
  layer: boolean | undefined;
}

class TarWatcher {
  private readonly header = Buffer.alloc(BLOCK);
  private headerFill = 0;
  private entry: Entry | undefined;
  private padding = 0;
  private ended = false;

  constructor(private readonly onEvent: TransferListener) {}

  push(chunk: Uint8Array): void {
    let off = 0;
    while (off < chunk.length && !this.ended) {
      if (this.padding > 0) {
        const skip = Math.min(this.padding, chunk.length - off);
        this.padding -= skip;
        off += skip;
      } else if (this.entry) {
        off += this.data(this.entry, chunk, off);
      } else {
        const take = Math.min(BLOCK - this.headerFill, chunk.length - off);
        this.header.set(chunk.subarray(off, off + take), this.headerFill);
        this.headerFill += take;
        off += take;
        if (this.headerFill === BLOCK) this.readHeader();
      }
    }
  }

  private readHeader(): void {
    this.headerFill = 0;
    const h = this.header;
    // A zero block ends the archive; what follows is padding.
    if (h.every((b) => b === 0)) {
      this.ended = true;
      return;
    }
    // Not a tar (a gzip-compressed archive file, say): nothing to watch, the bytes still pass.
    const size = entrySize(h);
    if (!headerChecksumMatches(h) || !Number.isSafeInteger(size) || size < 0) {
      this.ended = true;
      return;
    }
    const name = cString(h, 0, 100);
    const prefix = h.subarray(257, 262).toString('latin1') === 'ustar' ? cString(h, 345, 155) : '';
    const type = h[156];
    if (size === 0) return;
    const path = prefix ? `${prefix}/${name}` : name;
    this.entry = {
      id: path,
      size,
      remaining: size,
      // '0' and NUL are regular files; PAX and GNU long-name records (x, g, L) and the rest are not layers.
      regular: type === 0x30 || type === 0,
      head: Buffer.alloc(Math.min(BLOCK, size)),
      headFill: 0,
      layer: undefined,
    };
  }

  private data(e: Entry, chunk: Uint8Array, off: number): number {
    const take = Math.min(e.remaining, chunk.length - off);
    if (e.layer === undefined) {
      const copy = Math.min(e.head.length - e.headFill, take);
      e.head.set(chunk.subarray(off, off + copy), e.headFill);
      e.headFill += copy;
      if (e.headFill === e.head.length) e.layer = e.regular && looksLikeLayer(e.head);
    }
    e.remaining -= take;
    if (e.layer) this.onEvent({ kind: 'layer', id: e.id, state: e.remaining === 0 ? 'done' : 'transferring', current: e.size - e.remaining, total: e.size });
    if (e.remaining === 0) {
      this.entry = undefined;
      this.padding = (BLOCK - (e.size % BLOCK)) % BLOCK;
    }
    return take;
  }
}

/** The header's checksum: the sum of its bytes with the checksum field taken as spaces. */
function headerChecksumMatches(h: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
  return sum === parseInt(cString(h, 148, 8).trim() || 'x', 8);
}

function cString(buf: Buffer, start: number, length: number): string {
  const end = buf.indexOf(0, start);
  return buf.toString('utf8', start, end < 0 || end > start + length ? start + length : end);
}

/** Octal, or GNU's base-256 (high bit set) for entries of 8 GiB and more. */
function entrySize(h: Buffer): number {
  if (h[124]! & 0x80) {
    let n = 0;
    for (let i = 125; i < 136; i++) n = n * 256 + h[i]!;
    return n;
  }
  return parseInt(cString(h, 124, 12).trim() || '0', 8);
}
