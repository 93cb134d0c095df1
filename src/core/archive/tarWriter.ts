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
}

export class TarWriter {
  constructor(private readonly pack: tar.Pack) {}

  /** Adds an entry with no body (directory, link, device) or a small in-memory body. */
  async add(header: EntryHeader, body?: Uint8Array): Promise<void> {
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
  return {
    name: header.name,
    type: header.type,
    size: header.size ?? 0,
    mode: header.mode,
    mtime: header.mtime,
    linkname: header.linkname ?? '',
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
