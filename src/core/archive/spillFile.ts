// Small archive entries that may turn out not to be needed. An archive names the files it needs
// (manifest.json, index.json) anywhere in the tar, often last, so a loader cannot tell junk from a
// config until it has read everything. Each such entry is appended, with its name, to one file in
// the store's ingest area: no file, fsync or hash per entry, and nothing per entry in memory, so
// a tar of 200,000 tiny files costs one sequential write and memory bounded by the largest entry.
// The few entries the archive's manifests name are found again by reading the file through.

import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import type { BlobStore, Ingest } from '../store/blobStore';
import type { Lease } from '../store/leases';

/** Largest entry kept here; larger ones are staged as blobs while they stream. */
export const MAX_SPILLED_ENTRY = 64 * 1024;
/** Appends are written, and the file read back, in blocks of about this size. */
const BLOCK_BYTES = 1024 * 1024;
/** Each record: name length and data length (u32 BE), then the name (UTF-8) and the data. */
const RECORD_HEADER = 8;

export class SpillFile {
  /** Records are copied into this block and written when it is full: no object per entry lives on. */
  private readonly block = Buffer.allocUnsafe(BLOCK_BYTES);
  private used = 0;
  private records = 0;

  private constructor(private readonly file: Ingest) {}

  /** A spill file in the store's ingest area: a leftover of a killed load is cleaned up like any ingest. */
  static async create(blobs: BlobStore, lease: Lease): Promise<SpillFile> {
    return new SpillFile(await blobs.ingest({}, lease));
  }

  /** Records appended so far (a later one of the same name replaces an earlier one). */
  get count(): number {
    return this.records;
  }

  /** Keeps `bytes` under `path`; a later entry of the same name wins. */
  async add(path: string, bytes: Buffer): Promise<void> {
    if (bytes.length > MAX_SPILLED_ENTRY) throw new RangeError(`a spilled entry is at most ${MAX_SPILLED_ENTRY} bytes`);
    const nameLength = Buffer.byteLength(path, 'utf8');
    const length = RECORD_HEADER + nameLength + bytes.length;
    if (this.used + length > BLOCK_BYTES) await this.flush();
    this.records++;
    if (length > BLOCK_BYTES) {
      // A record with a very long name: written on its own.
      const record = Buffer.allocUnsafe(length);
      writeRecord(record, 0, path, nameLength, bytes);
      await this.file.write(record);
      return;
    }
    this.used = writeRecord(this.block, this.used, path, nameLength, bytes);
  }

  /** The bytes last kept under `path`, or undefined: one sequential read of the file. */
  async find(path: string): Promise<Buffer | undefined> {
    await this.flush();
    const wanted = Buffer.from(path, 'utf8');
    const reader = await open(this.file.path, 'r');
    try {
      const window = new Window(reader);
      let found: Buffer | undefined;
      while (await window.has(RECORD_HEADER)) {
        const head = await window.take(RECORD_HEADER);
        const nameLength = head.readUInt32BE(0);
        const size = head.readUInt32BE(4);
        const name = await window.take(nameLength);
        const match = name.equals(wanted);
        const data = await window.take(size);
        if (match) found = Buffer.from(data);
      }
      return found;
    } finally {
      await reader.close();
    }
  }

  /** Removes the file; what was kept is gone. */
  async discard(): Promise<void> {
    this.used = 0;
    await this.file.abort();
  }

  private async flush(): Promise<void> {
    if (this.used === 0) return;
    const used = this.used;
    this.used = 0;
    await this.file.write(this.block.subarray(0, used));
  }
}

function writeRecord(target: Buffer, offset: number, path: string, nameLength: number, bytes: Buffer): number {
  target.writeUInt32BE(nameLength, offset);
  target.writeUInt32BE(bytes.length, offset + 4);
  target.write(path, offset + RECORD_HEADER, nameLength, 'utf8');
  bytes.copy(target, offset + RECORD_HEADER + nameLength);
  return offset + RECORD_HEADER + nameLength + bytes.length;
}

/** Reads a file front to back through one reusable buffer. */
class Window {
  private buffer = Buffer.allocUnsafe(BLOCK_BYTES);
  private start = 0;
  private end = 0;
  private position = 0;
  private eof = false;

  constructor(private readonly handle: FileHandle) {}

  /** Whether `n` more bytes can be taken. */
  async has(n: number): Promise<boolean> {
    while (this.end - this.start < n && !this.eof) await this.fill(n);
    return this.end - this.start >= n;
  }

  /** The next `n` bytes, valid until the next call. */
  async take(n: number): Promise<Buffer> {
    if (!(await this.has(n))) throw new Error('spill file ended inside a record');
    const out = this.buffer.subarray(this.start, this.start + n);
    this.start += n;
    return out;
  }

  private async fill(n: number): Promise<void> {
    const kept = this.end - this.start;
    if (this.buffer.length < n) {
      const bigger = Buffer.allocUnsafe(Math.max(n, this.buffer.length * 2));
      this.buffer.copy(bigger, 0, this.start, this.end);
      this.buffer = bigger;
    } else {
      this.buffer.copy(this.buffer, 0, this.start, this.end);
    }
    this.start = 0;
    this.end = kept;
    const { bytesRead } = await this.handle.read(this.buffer, this.end, this.buffer.length - this.end, this.position);
    if (bytesRead === 0) this.eof = true;
    this.position += bytesRead;
    this.end += bytesRead;
  }
}
