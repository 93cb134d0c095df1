// Content-addressed blobs under blobs/sha256/<hex>, written the way containerd's content store
// writes them: bytes go into an ingest file, are hashed and counted while they stream, are fsynced,
// and only a verified blob is renamed to its digest. A blob is therefore never half-written under
// its name, and a blob that is already present is not written again.

import { randomHex } from '../randomHex';
import { createReadStream } from 'node:fs';
import { chmod, mkdir, open, readdir, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DigestCounter, parseDigest, sha256Digest } from '../digest';
import { CancelledError, isCancelled, StevedoreError, throwIfAborted } from '../errors';
import type { BufferPool } from './bufferPool';
import type { BlobInfo, CommitResult, ContentIngest, ContentStore, ExpectedBlob, StreamOptions } from './contentStore';
import { IngestReceiver } from './ingestReceiver';
import type { Lease } from './leases';

/** The file-system content store: blobs/<algorithm>/<hex> of the store's OCI layout. */
export class BlobStore implements ContentStore {
  readonly blobsDir: string;
  readonly ingestDir: string;

  constructor(root: string, ingestDir: string) {
    this.blobsDir = join(root, 'blobs');
    this.ingestDir = ingestDir;
  }

  /** The path of a blob; the digest is validated first so that it can never name another file. */
  path(digest: string): string {
    const { algorithm, hex } = parseDigest(digest);
    return join(this.blobsDir, algorithm, hex);
  }

  async has(digest: string): Promise<boolean> {
    return (await this.info(digest)) !== null;
  }

  async info(digest: string): Promise<BlobInfo | null> {
    try {
      return { digest, size: (await stat(this.path(digest))).size };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
  }

  reader(digest: string, options: { start?: number; signal?: AbortSignal; highWaterMark?: number } = {}): Readable {
    return Readable.from(readBlobFile(this.path(digest), digest, options), { objectMode: false });
  }

  /** Reads a small blob (manifest, config) whole, refusing anything larger than `maxBytes`. */
  async readSmall(digest: string, maxBytes = 8 * 1024 * 1024): Promise<Buffer> {
    const path = this.path(digest);
    let info;
    try {
      info = await stat(path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw missingBlob(digest);
      throw err;
    }
    if (info.size > maxBytes) {
      throw new StevedoreError('STORE_CORRUPT', `Blob ${digest} is ${info.size} bytes, more than the ${maxBytes} allowed for a JSON document.`);
    }
    return readFile(path);
  }

  /**
   * Starts an ingest: the place to stream a blob into before it is verified and committed. With a
   * lease, the blob's digest is added to it before the blob appears under its name, so garbage
   * collection in another process cannot remove it before the image that needs it is recorded.
   */
  async ingest(expected: ExpectedBlob = {}, lease?: Lease): Promise<Ingest> {
    if (expected.digest !== undefined) parseDigest(expected.digest);
    await mkdir(this.ingestDir, { recursive: true });
    const path = join(this.ingestDir, `${process.pid}-${randomHex(8)}`);
    const handle = await open(path, 'wx', 0o644);
    return new Ingest(this, path, handle, expected, lease);
  }

  /** Streams `source` into the store, verifying it against `expected` on the way. */
  async writeStream(source: AsyncIterable<Uint8Array>, expected: ExpectedBlob = {}, options: StreamOptions = {}, lease?: Lease): Promise<CommitResult> {
    const ingest = await this.ingest(expected, lease);
    try {
      for await (const chunk of source) {
        throwIfAborted(options.signal);
        await ingest.write(chunk);
        options.onProgress?.(ingest.bytes);
      }
      throwIfAborted(options.signal);
      return await ingest.commit();
    } finally {
      await ingest.abort();
    }
  }

  async writeBytes(data: Uint8Array | string, expected: ExpectedBlob = {}, lease?: Lease): Promise<CommitResult> {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const digest = sha256Digest(bytes);
    if (expected.digest && expected.digest !== digest) {
      throw new StevedoreError('DIGEST_MISMATCH', `Content does not match its digest: expected ${expected.digest}, got ${digest}.`);
    }
    await lease?.protect([digest]);
    if (await this.has(digest)) return { digest, size: bytes.length, existed: true };
    return this.writeStream(singleChunk(bytes), { digest, size: bytes.length }, {}, lease);
  }

  /** Moves a verified ingest file into place; used by Ingest.commit. */
  async place(ingestPath: string, info: BlobInfo): Promise<boolean> {
    const target = this.path(info.digest);
    if ((await this.info(info.digest))?.size === info.size) return false;
    await mkdir(join(target, '..'), { recursive: true });
    // Blobs are immutable: read-only makes accidental edits by other tools fail loudly.
    await chmod(ingestPath, 0o444);
    await rename(ingestPath, target);
    return true;
  }

  async delete(digest: string): Promise<void> {
    await rm(this.path(digest), { force: true });
  }

  async *walk(): AsyncIterable<BlobInfo> {
    for (const algorithm of ['sha256', 'sha512']) {
      const names = await readdir(join(this.blobsDir, algorithm)).catch(() => [] as string[]);
      for (const name of names) {
        const info = await stat(join(this.blobsDir, algorithm, name)).catch(() => null);
        if (info?.isFile()) yield { digest: `${algorithm}:${name}`, size: info.size };
      }
    }
  }

  /** Deletes a blob garbage collection moved out of sight first (garbageCollect.ts says why). */
  async removeSetAside(path: string): Promise<void> {
    await rm(path, { force: true });
  }
}

/**
 * One blob being written. Bytes are hashed and counted as they arrive; writing more than the
 * expected size fails at once rather than at the end, as go-containerregistry's verify reader does.
 */
export class Ingest implements ContentIngest {
  private readonly counter = new DigestCounter();
  private closed = false;
  private sealed: BlobInfo | undefined;

  constructor(
    private readonly store: BlobStore,
    readonly path: string,
    private readonly handle: FileHandle,
    private readonly expected: ExpectedBlob,
    private readonly lease?: Lease,
  ) {}

  get bytes(): number {
    return this.counter.bytes;
  }

  /** The ingest's own descriptor; a receiver writes through it at explicit offsets. */
  get fd(): number {
    return this.handle.fd;
  }

  /**
   * Counts and hashes bytes that the caller writes at offset `bytes` (before the call) itself;
   * refuses them, hashing nothing, when they would pass the expected size.
   */
  account(chunk: Uint8Array): void {
    this.refuseBeyondSize(chunk.length);
    this.counter.update(chunk);
  }

  async write(chunk: Uint8Array): Promise<void> {
    const position = this.counter.bytes;
    this.refuseBeyondSize(chunk.length);
    // The write runs on libuv's thread pool while this thread hashes the same bytes, so a
    // gigabyte's hashing (about half a second) overlaps its writing instead of adding to it.
    const written = this.writeAt(chunk, position);
    this.counter.update(chunk);
    await written;
  }

  private async writeAt(chunk: Uint8Array, position: number): Promise<void> {
    let offset = 0;
    while (offset < chunk.length) {
      const { bytesWritten } = await this.handle.write(chunk, offset, chunk.length - offset, position + offset);
      offset += bytesWritten;
    }
  }

  /**
   * Writes several chunks in order with one system call where it can: a download hands over the
   * chunks that piled up during the previous write without first copying them into one buffer.
   */
  async writev(chunks: readonly Uint8Array[]): Promise<void> {
    let position = this.counter.bytes;
    this.refuseBeyondSize(chunks.reduce((sum, c) => sum + c.length, 0));
    for (const chunk of chunks) this.counter.update(chunk);
    let pending = chunks.filter((c) => c.length > 0);
    while (pending.length > 0) {
      let { bytesWritten } = await this.handle.writev(pending, position);
      position += bytesWritten;
      // A short write leaves the rest of a buffer and the buffers after it.
      while (pending.length > 0 && bytesWritten >= pending[0]!.length) {
        bytesWritten -= pending[0]!.length;
        pending = pending.slice(1);
      }
      if (bytesWritten > 0) pending = [pending[0]!.subarray(bytesWritten), ...pending.slice(1)];
    }
  }

  /**
   * A receiver that lets a download read straight into large buffers and write them here (see
   * ingestReceiver.ts). Finish it before writing to this ingest any other way.
   */
  receiver(pool: BufferPool, onProgress?: (bytes: number) => void): Promise<IngestReceiver> {
    return IngestReceiver.open(this, pool, onProgress);
  }

  private refuseBeyondSize(length: number): void {
    if (this.expected.size !== undefined && this.counter.bytes + length > this.expected.size) {
      throw new StevedoreError(
        'SIZE_MISMATCH',
        `Received more data than expected for ${this.expected.digest ?? 'a blob'}: the size should be ${this.expected.size} bytes. The source is corrupt or was changed; try again.`,
      );
    }
  }

  /**
   * Verifies size and digest against what was expected, fsyncs and closes, without placing the blob.
   * A loader that must check a whole archive before anything appears in the store seals each blob,
   * learns its digest, and commits only once everything checks out. Safe to call more than once.
   */
  async seal(): Promise<BlobInfo> {
    if (this.sealed) return this.sealed;
    const size = this.counter.bytes;
    const digest = this.counter.digest();
    if (this.expected.size !== undefined && size !== this.expected.size) {
      throw new StevedoreError(
        'SIZE_MISMATCH',
        `Blob ${this.expected.digest ?? digest} ended after ${size} of ${this.expected.size} bytes. The transfer was cut short; try again.`,
      );
    }
    if (this.expected.digest !== undefined && digest !== this.expected.digest) {
      throw new StevedoreError(
        'DIGEST_MISMATCH',
        `Digest mismatch: expected ${this.expected.digest} but the content hashes to ${digest}. Nothing was stored; the source is corrupt or was tampered with.`,
      );
    }
    await this.handle.sync();
    await this.close();
    this.sealed = { digest, size };
    return this.sealed;
  }

  /** Verifies size and digest, fsyncs and renames into place. */
  async commit(): Promise<CommitResult> {
    const { digest, size } = await this.seal();
    await this.lease?.protect([digest]);
    const written = await this.store.place(this.path, { digest, size });
    return { digest, size, existed: !written };
  }

  /** Removes the ingest file; safe to call after commit or more than once. */
  async abort(): Promise<void> {
    await this.close();
    await rm(this.path, { force: true });
  }

  private async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }
}

const READ_PIECE = 1024 * 1024;

/** A blob file's bytes; a blob that is not there is the store's BLOB_NOT_FOUND, not ENOENT and a path. */
async function* readBlobFile(path: string, digest: string, options: { start?: number; signal?: AbortSignal; highWaterMark?: number }): AsyncGenerator<Buffer> {
  const stream = createReadStream(path, {
    ...(options.start === undefined ? {} : { start: options.start }),
    ...(options.signal ? { signal: options.signal } : {}),
    highWaterMark: options.highWaterMark ?? READ_PIECE,
  });
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw missingBlob(digest);
    if (isCancelled(err)) throw new CancelledError();
    throw err;
  }
}

function missingBlob(digest: string): StevedoreError {
  return new StevedoreError('BLOB_NOT_FOUND', `Blob ${digest} is missing from the image store. Run "stevedore system check" to see what else is damaged.`);
}

async function* singleChunk(bytes: Uint8Array): AsyncIterable<Uint8Array> {
  yield bytes;
}
