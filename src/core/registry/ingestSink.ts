// Where a blob download's body goes on its way into the store's ingest: a queue in front of the
// ingest's writes, so that a broken connection loses nothing already received (blobDownload.ts
// resumes from exactly the ingest's size) and the socket is held back when the disk lags.

import { Writable } from 'node:stream';
import type { ContentIngest } from '../store/contentStore';
import type { StallWatchdog } from './stallWatchdog';

/** Bytes received but not yet written before the socket is asked to wait. */
const QUEUE_LIMIT = 4 * 1024 * 1024;
/** Received bytes gathered before a write is started. */
const MIN_WRITE = 512 * 1024;

/**
 * The Writable a download streams into. Received chunks queue here (not in the Writable's own
 * buffer, which a broken connection would throw away) and are written to the ingest in order,
 * several at a time when they pile up; the queue pushes back on the socket beyond QUEUE_LIMIT.
 * `settled()` resolves once everything received has landed, so after a broken transfer the
 * ingest's size says exactly where to resume, and no byte that arrived is fetched twice.
 */
export class IngestSink {
  readonly writable: Writable;
  private queue: Buffer[] = [];
  private queued = 0;
  private writing = false;
  private failure: Error | undefined;
  private blocked: (() => void) | undefined;
  private idleWaiters: (() => void)[] = [];

  private skipping = 0;

  constructor(
    private readonly ingest: ContentIngest,
    private readonly onProgress: ((bytes: number) => void) | undefined,
    private readonly watchdog: StallWatchdog,
  ) {
    this.writable = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        if (this.failure) return done(this.failure);
        this.watchdog.received(chunk.length);
        if (this.skipping > 0) {
          const skipped = Math.min(this.skipping, chunk.length);
          this.skipping -= skipped;
          chunk = chunk.subarray(skipped);
          if (chunk.length === 0) return done();
        }
        this.queue.push(chunk);
        this.queued += chunk.length;
        // Small socket reads are gathered into one write: each write has a fixed cost on the main thread.
        if (this.queued >= MIN_WRITE) this.drain();
        if (this.queued < QUEUE_LIMIT) done();
        else {
          // The socket now waits on the ingest (a slow reader or disk), not the other way round.
          this.watchdog.hold();
          this.blocked = () => {
            this.watchdog.release();
            done(this.failure);
          };
        }
      },
      final: (done) => {
        // Every byte is in: what is left is the ingest's to do, so no more stall time runs.
        this.watchdog.hold();
        void this.settled().then(() => done(this.failure));
      },
    });
  }

  /** Drops the first `bytes` of the body: a whole blob sent again where the ingest already holds them. */
  skip(bytes: number): void {
    this.skipping = bytes;
  }

  /** Writes whatever is queued and resolves once everything received has landed (or failed). */
  settled(): Promise<void> {
    this.drain();
    if (!this.writing && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private drain(): void {
    if (this.writing || this.queue.length === 0) return;
    this.writing = true;
    void (async () => {
      while (this.queue.length > 0 && !this.failure) {
        const chunks = this.queue;
        this.queue = [];
        this.queued = 0;
        this.release();
        try {
          await (chunks.length === 1 ? this.ingest.write(chunks[0]!) : this.ingest.writev(chunks));
          this.onProgress?.(this.ingest.bytes);
        } catch (err) {
          this.failure = err as Error;
          this.queue = [];
          this.queued = 0;
        }
      }
      this.writing = false;
      this.release();
      for (const resolve of this.idleWaiters.splice(0)) resolve();
    })();
  }

  private release(): void {
    const blocked = this.blocked;
    this.blocked = undefined;
    blocked?.();
  }
}
