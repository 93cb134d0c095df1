// Extended attributes of tar entries, byte for byte. Docker, buildkit and Go's archive/tar write
// them as PAX records `SCHILY.xattr.NAME=VALUE` whose value is raw bytes (security.capability is
// binary); tar-stream decodes PAX records as UTF-8 and so mangles such values. This tap walks the
// same bytes as tar-stream, one step ahead of it (headers and sizes only, nothing is copied but
// PAX headers), and keeps each entry's xattrs as Buffers, numbered in the order tar-stream yields
// the entries.

const BLOCK = 512;
const XATTR_PREFIX = 'SCHILY.xattr.';
/** Header types that describe the next entry instead of being one (as tar-stream treats them). */
const META_TYPES = new Set(['x', 'g', 'L', 'K']);

export type Xattrs = Map<string, Buffer>;

export class PaxXattrTap {
  private header = Buffer.alloc(BLOCK);
  private headerFill = 0;
  private skip = 0;
  private paxLeft = 0;
  private paxChunks: Buffer[] = [];
  private paxPadding = 0;
  private pendingXattrs: Xattrs | undefined;
  private pendingSize: number | undefined;
  private entries = 0;
  private readonly found = new Map<number, Xattrs>();

  /** Passes `source` through unchanged, reading it on the way. */
  async *tap(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      this.read(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      yield chunk;
    }
  }

  /** The xattrs of entry `index` (0-based, in tar-stream's order), forgotten once taken. */
  take(index: number): Xattrs | undefined {
    const x = this.found.get(index);
    this.found.delete(index);
    return x;
  }

  private read(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - at);
        this.skip -= n;
        at += n;
        continue;
      }
      if (this.paxLeft > 0) {
        const n = Math.min(this.paxLeft, chunk.length - at);
        this.paxChunks.push(Buffer.from(chunk.subarray(at, at + n)));
        this.paxLeft -= n;
        at += n;
        if (this.paxLeft === 0) {
          this.readPax(Buffer.concat(this.paxChunks));
          this.paxChunks = [];
          this.skip = this.paxPadding;
        }
        continue;
      }
      const n = Math.min(BLOCK - this.headerFill, chunk.length - at);
      chunk.copy(this.header, this.headerFill, at, at + n);
      this.headerFill += n;
      at += n;
      if (this.headerFill === BLOCK) {
        this.headerFill = 0;
        this.readHeader(this.header);
      }
    }
  }

  private readHeader(h: Buffer): void {
    if (h.every((b) => b === 0)) return; // end-of-archive blocks
    const type = h[156] === 0 ? '0' : String.fromCharCode(h[156]!);
    const size = headerSize(h.subarray(124, 136));
    const padded = (n: number): number => Math.ceil(n / BLOCK) * BLOCK;
    if (type === 'x') {
      if (size === 0) return;
      this.paxLeft = size;
      this.paxPadding = padded(size) - size;
      return;
    }
    if (META_TYPES.has(type)) {
      this.skip = padded(size);
      return;
    }
    const dataSize = this.pendingSize ?? size;
    if (this.pendingXattrs) this.found.set(this.entries, this.pendingXattrs);
    this.pendingXattrs = undefined;
    this.pendingSize = undefined;
    this.entries++;
    // tar-stream reads no body for a folder, whatever its size field says.
    this.skip = type === '5' ? 0 : padded(dataSize);
  }

  private readPax(data: Buffer): void {
    let at = 0;
    while (at < data.length) {
      const space = data.indexOf(0x20, at);
      if (space < 0) return;
      const length = Number(data.toString('latin1', at, space));
      if (!Number.isInteger(length) || length <= 0 || at + length > data.length) return;
      const record = data.subarray(space + 1, at + length - 1); // without the trailing newline
      const eq = record.indexOf(0x3d);
      if (eq > 0) {
        const key = record.toString('utf8', 0, eq);
        if (key.startsWith(XATTR_PREFIX)) {
          this.pendingXattrs ??= new Map();
          this.pendingXattrs.set(key.slice(XATTR_PREFIX.length), Buffer.from(record.subarray(eq + 1)));
        } else if (key === 'size') {
          const n = Number(record.toString('latin1', eq + 1));
          if (Number.isSafeInteger(n) && n >= 0) this.pendingSize = n;
        }
      }
      at += length;
    }
  }
}

/** A header's size field: octal digits, or base-256 when the top bit of the first byte is set. */
function headerSize(field: Buffer): number {
  if (field[0]! & 0x80) {
    let n = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) n = n * 256 + field[i]!;
    return n;
  }
  const text = field.toString('latin1').replace(/\0.*$/s, '').trim();
  return text ? parseInt(text, 8) : 0;
}
