// Writing tars with tar-stream: entries are added by a producer while a consumer drains the packed
// bytes, so memory stays bounded by the stream buffers whatever the size of the entries.

import type { Writable } from 'node:stream';
import * as tar from 'tar-stream';
import { CancelledError, throwIfAborted } from '../errors';

/** The tar entries this project writes; every field is set, so that archives are reproducible. */
export interface EntryHeader {
  name: string;
  type: 'file' | 'directory' | 'symlink' | 'link' | 'fifo' | 'character-device' | 'block-device';
  size?: number;
  mode: number;
  mtime: Date;
  linkname?: string;
  devmajor?: number;
  devminor?: number;
  /** Owner ids; 0 (root) when absent. Names are never written. */
  uid?: number;
  gid?: number;
  /** Extended attributes, written as PAX `SCHILY.xattr.NAME` records as Docker and GNU tar write them. */
  xattrs?: ReadonlyMap<string, Uint8Array>;
}

export class TarWriter {
  constructor(private readonly pack: tar.Pack) {}

  /** Adds an entry with no body (directory, link, device) or a small in-memory body. */
  async add(header: EntryHeader, body?: Uint8Array): Promise<void> {
    this.paxXattrs(header);
    await new Promise<void>((resolve, reject) => {
      const full = { ...normalised(header), size: body?.length ?? 0 };
      const sink = body ? this.pack.entry(full, body, (err) => (err ? reject(err) : resolve())) : this.pack.entry(full, (err) => (err ? reject(err) : resolve()));
      // streamx emits 'error' on destroy; the entry callback is where the failure is handled.
      sink.on('error', ignore);
      if (!body) sink.end(undefined);
    });
  }

  /**
   * Adds a file whose `size` bytes come from `chunks`. More or fewer bytes than promised fail the
   * entry, which is then left incomplete so that no reader can take it for a whole file.
   */
  async addStream(header: EntryHeader & { size: number }, chunks: AsyncIterable<Uint8Array>, signal?: AbortSignal): Promise<void> {
    this.paxXattrs(header);
    let callbackError: Error | null | undefined;
    let finished!: () => void;
    const done = new Promise<void>((resolve) => {
      finished = resolve;
    });
    const sink = this.pack.entry(normalised(header), (err) => {
      callbackError = err ?? null;
      finished();
    });
    sink.on('error', ignore);
    let written = 0;
    try {
      for await (const chunk of chunks) {
        throwIfAborted(signal);
        written += chunk.length;
        if (written > header.size) throw new Error(`"${header.name}" grew while it was being written`);
        if (!sink.write(chunk)) await drainedOrClosed(sink);
        if (sink.destroyed) break;
      }
      if (written !== header.size) throw new Error(`"${header.name}" has ${written} bytes, not the ${header.size} its header promised`);
      sink.end(undefined);
      await done;
      if (callbackError) throw callbackError;
    } catch (err) {
      sink.destroy(err as Error);
      throw err;
    }
  }

  finalize(): void {
    this.pack.finalize();
  }

  /**
   * The PAX header of an entry with extended attributes, pushed straight into the pack between two
   * entries (each entry is awaited before the next). tar-stream's own PAX writer cannot be used:
   * it writes values as UTF-8 text, and a file capability is binary. The header also holds the
   * entry's path and link target, so the entry's own header can hold a stand-in that fits ustar,
   * and tar-stream writes no second PAX header (a reader keeps only the last one).
   */
  private paxXattrs(header: EntryHeader): void {
    if (!header.xattrs?.size) return;
    const records = [paxRecord('path', Buffer.from(header.name))];
    if (header.linkname) records.push(paxRecord('linkpath', Buffer.from(header.linkname)));
    for (const [name, value] of header.xattrs) records.push(paxRecord(`SCHILY.xattr.${name}`, value));
    const body = Buffer.concat(records);
    this.pack.push(paxHeaderBlock(body.length, header.mtime));
    this.pack.push(body);
    const padding = (BLOCK - (body.length % BLOCK)) % BLOCK;
    if (padding) this.pack.push(Buffer.alloc(padding));
  }
}

const BLOCK = 512;

/** "LEN KEY=VALUE\n", LEN counting every byte of the record, its own digits included. */
function paxRecord(key: string, value: Uint8Array): Buffer {
  const rest = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
  let length = rest.length + String(rest.length).length;
  if (String(length).length > String(rest.length).length) length = rest.length + String(length).length;
  return Buffer.concat([Buffer.from(String(length)), rest]);
}

function paxHeaderBlock(size: number, mtime: Date): Buffer {
  const block = Buffer.alloc(BLOCK);
  const octal = (value: number, at: number, digits: number): void => void block.write(`${value.toString(8).padStart(digits, '0')}\0`, at, 'ascii');
  block.write('PaxHeader', 0, 'ascii');
  octal(0o644, 100, 7);
  octal(0, 108, 7);
  octal(0, 116, 7);
  octal(size, 124, 11);
  octal(Math.max(0, Math.floor(mtime.getTime() / 1000)), 136, 11);
  block.write('x', 156, 'ascii');
  block.write('ustar\x0000', 257, 'latin1');
  // The checksum is taken with its own field as eight spaces, then written as six digits, NUL, space.
  block.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return block;
}

/** What an entry's ustar header holds when its PAX header gives the real name: printable ASCII, at most 100 bytes. */
function ustarStandIn(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_');
  return ascii.length <= 100 ? ascii : ascii.slice(-100);
}

/**
 * Runs `produce` with a TarWriter and yields the tar's bytes as they are produced. A failure in
 * `produce` ends the stream with that error before the end-of-archive blocks are written, so a
 * partial archive never looks complete.
 */
export async function* tarStream(produce: (writer: TarWriter) => Promise<void>): AsyncGenerator<Uint8Array> {
  const pack = tar.pack();
  let failure: unknown;
  const producing = (async () => {
    try {
      await produce(new TarWriter(pack));
      pack.finalize();
    } catch (err) {
      failure = err;
      pack.destroy(err as Error);
    }
  })();
  try {
    for await (const chunk of pack as AsyncIterable<Uint8Array>) yield chunk;
  } catch (err) {
    throw failure ?? err;
  } finally {
    if (!pack.destroyed) pack.destroy();
    await producing;
  }
  if (failure) throw failure;
}

const WRITE_AHEAD_BYTES = 8 * 1024 * 1024;

/** Copies `source` into `output` with backpressure; does not end `output`. */
export async function copyToWritable(source: AsyncIterable<Uint8Array>, output: Writable, signal?: AbortSignal): Promise<void> {
  let outputError: Error | undefined;
  const onError = (err: Error): void => {
    outputError ??= err;
  };
  output.on('error', onError);
  try {
    for await (const chunk of source) {
      if (signal?.aborted) throw new CancelledError();
      if (outputError) throw outputError;
      // Up to a few MiB stay queued, so the next chunk is read and hashed while this one is written;
      // waiting for 'drain' after every chunk (a file stream's mark is 16 KiB) would serialise both.
      if (!output.write(chunk) && output.writableLength >= WRITE_AHEAD_BYTES) await drainedOrClosed(output);
      if (outputError) throw outputError;
      if (output.destroyed) throw new Error('the output was closed before the archive was complete');
    }
  } finally {
    output.off('error', onError);
  }
}

function normalised(header: EntryHeader): tar.Header {
  const standIn = header.xattrs?.size ? ustarStandIn : (name: string): string => name;
  return {
    name: standIn(header.name),
    type: header.type,
    size: header.size ?? 0,
    mode: header.mode,
    mtime: header.mtime,
    linkname: standIn(header.linkname ?? ''),
    uid: header.uid ?? 0,
    gid: header.gid ?? 0,
    uname: '',
    gname: '',
    devmajor: header.devmajor ?? 0,
    devminor: header.devminor ?? 0,
  };
}

interface DrainableStream {
  on(event: 'drain' | 'close' | 'error', listener: () => void): unknown;
  off(event: 'drain' | 'close' | 'error', listener: () => void): unknown;
}

/** Waits until a stream takes more data, or is closed or failed (the caller then checks which). */
async function drainedOrClosed(stream: DrainableStream): Promise<void> {
  await new Promise<void>((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      stream.off('error', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
    stream.on('error', done);
  });
}

function ignore(): void {
  // The failure reaches the caller another way (see where this is attached).
}
