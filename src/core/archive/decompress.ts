// Detects how a stream is compressed from its first bytes, as Docker's DecompressStream does,
// and returns the plain bytes. gzip and zstd are handled; others get a clear error saying what to do.

import { Readable, type Transform } from 'node:stream';
import { StevedoreError } from '../errors';
import { createZstdInflater } from './zstdStream';

export type Compression = 'gzip' | 'none' | 'bzip2' | 'xz' | 'zstd';

export function detectCompression(head: Uint8Array): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (head[0] === 0x42 && head[1] === 0x5a && head[2] === 0x68) return 'bzip2';
  if (head[0] === 0xfd && head[1] === 0x37 && head[2] === 0x7a && head[3] === 0x58 && head[4] === 0x5a) return 'xz';
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return 'zstd';
  return 'none';
}

export interface DecompressOptions {
  /** Bytes per piece gunzip yields (zlib's default is 16 KiB); larger pieces cost less per byte. */
  chunkSize?: number;
  /**
   * The source may reuse a chunk's memory once the next one is asked for; the inflater holds chunks
   * longer than that, so it gets copies.
   */
  sourceReusesChunks?: boolean;
}

/** Peeks at the stream, then yields its decompressed bytes. */
export async function* decompressed(source: AsyncIterable<Uint8Array>, what: string, options: DecompressOptions = {}): AsyncGenerator<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  let done = false;
  while (head.length < 6 && !done) {
    const next = await iterator.next();
    if (next.done) done = true;
    else head = Buffer.concat([head, next.value]);
  }
  const rest: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => ({
      next: async () => (done ? { done: true, value: undefined } : iterator.next()),
      return: async () => {
        await iterator.return?.();
        return { done: true, value: undefined };
      },
    }),
  };
  async function* whole(): AsyncGenerator<Uint8Array> {
    if (head.length) yield head;
    yield* rest;
  }
  const kind = detectCompression(head);
  if (kind === 'none') {
    yield* whole();
    return;
  }
  const inflater = createInflater(kind, options.chunkSize);
  if (!inflater) {
    throw new StevedoreError('UNSUPPORTED', `${what} is compressed with ${kind}, which Stevedore cannot read yet. Decompress it first, or recompress it with gzip or zstd.`);
  }
  const input = Readable.from(options.sourceReusesChunks ? copies(whole()) : whole());
  input.on('error', (err) => inflater.destroy(err));
  input.pipe(inflater);
  try {
    for await (const chunk of inflater) yield chunk as Buffer;
  } catch (err) {
    if (err instanceof StevedoreError) throw err;
    throw new StevedoreError('INVALID_ARCHIVE', `${what} is not a valid ${kind} stream (${(err as Error).message}). The file may be truncated or corrupt.`, { cause: err });
  } finally {
    input.destroy();
  }
}

async function* copies(source: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  for await (const chunk of source) yield Buffer.from(chunk);
}

/** A stream that decompresses `kind`, or undefined for what Stevedore cannot read (bzip2, xz). */
export function createInflater(kind: Compression, chunkSize?: number): Transform | undefined {
  // zlib is loaded here, on the first compressed stream: most commands that import this file never read one.
  if (kind === 'gzip') return process.getBuiltinModule('node:zlib').createGunzip(chunkSize ? { chunkSize } : {});
  if (kind === 'zstd') return createZstdInflater(chunkSize);
  return undefined;
}
