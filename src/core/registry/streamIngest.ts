// A blob download that goes to a reader instead of the store: the `ContentIngest` that
// blobDownload.ts writes into (so its resume, retry, stall and size rules are the same ones a pull
// uses) hands each chunk to the one reader of `chunks()`, hashed and counted on the way. The reader
// gets the last chunk only once the download has committed, that is, once the digest checked out;
// a download that fails or is cancelled ends the reader with that error instead.

import { DigestCounter } from '../digest';
import { StevedoreError } from '../errors';
import type { BlobInfo, CommitResult, ContentIngest, ExpectedBlob } from '../store/contentStore';
import type { IngestReceiver } from '../store/ingestReceiver';

/** Bytes handed over but not yet read before the download is asked to wait. */
const QUEUE_LIMIT = 4 * 1024 * 1024;

export class StreamIngest implements ContentIngest {
  private readonly counter = new DigestCounter();
  private queue: Uint8Array[] = [];
  private queued = 0;
  private held: Uint8Array | undefined;
  private ended = false;
  private failure: unknown;
  private wakeReader: (() => void) | undefined;
  private wakeWriter: (() => void) | undefined;

  constructor(private readonly expected: Required<ExpectedBlob>) {}

  get bytes(): number {
    return this.counter.bytes;
  }

  async write(chunk: Uint8Array): Promise<void> {
    if (this.failure) throw this.failure;
    if (this.counter.bytes + chunk.length > this.expected.size) {
      throw new StevedoreError('SIZE_MISMATCH', `Received more data than expected for ${this.expected.digest}: the size should be ${this.expected.size} bytes. The source is corrupt or was changed; try again.`);
    }
    this.counter.update(chunk);
    // The newest chunk waits until the next one or the commit: a reader never sees all of a blob that fails its digest.
    if (this.held) this.push(this.held);
    this.held = chunk;
    while (this.queued >= QUEUE_LIMIT && !this.failure) await new Promise<void>((resolve) => (this.wakeWriter = resolve));
  }

  async writev(chunks: readonly Uint8Array[]): Promise<void> {
    for (const chunk of chunks) await this.write(chunk);
  }

  receiver(): Promise<IngestReceiver> {
    return Promise.reject(new StevedoreError('UNSUPPORTED', 'A streamed blob is not read into buffers; download it without them.'));
  }

  async seal(): Promise<BlobInfo> {
    const size = this.counter.bytes;
    const digest = this.counter.digest();
    if (size !== this.expected.size) throw new StevedoreError('SIZE_MISMATCH', `Blob ${this.expected.digest} ended after ${size} of ${this.expected.size} bytes. The transfer was cut short; try again.`);
    if (digest !== this.expected.digest) {
      throw new StevedoreError('DIGEST_MISMATCH', `Digest mismatch: expected ${this.expected.digest} but the content hashes to ${digest}. Nothing was written; the source is corrupt or was tampered with.`);
    }
    return { digest, size };
  }

  async commit(): Promise<CommitResult> {
    const info = await this.seal();
    if (this.held) this.push(this.held);
    this.held = undefined;
    this.ended = true;
    this.wake();
    return { ...info, existed: false };
  }

  /** Called after commit too; a download that gave up ends the reader through `fail`, with its own error. */
  async abort(): Promise<void> {
    if (this.ended) return;
    this.queue = [];
    this.queued = 0;
  }

  /** Ends the reader with `err` (the download's own error, when it has one). */
  fail(err: unknown): void {
    if (this.ended || this.failure) return;
    this.failure = err;
    this.queue = [];
    this.queued = 0;
    this.wake();
  }

  async *chunks(): AsyncGenerator<Uint8Array> {
    for (;;) {
      if (this.failure) throw this.failure;
      const next = this.queue.shift();
      if (next) {
        this.queued -= next.length;
        if (this.queued < QUEUE_LIMIT) this.wakeWriter?.();
        yield next;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => (this.wakeReader = resolve));
    }
  }

  private push(chunk: Uint8Array): void {
    this.queue.push(chunk);
    this.queued += chunk.length;
    this.wakeReader?.();
  }

  private wake(): void {
    const reader = this.wakeReader;
    const writer = this.wakeWriter;
    this.wakeReader = undefined;
    this.wakeWriter = undefined;
    reader?.();
    writer?.();
  }
}
