// Downloads one blob into the store's ingest area, hashed and counted as it streams (the ingest
// refuses a byte beyond the descriptor's size and commits only a blob whose digest matches). A
// transfer cut off part way is resumed with `Range: bytes=N-`, accepted only as a 206 whose
// Content-Range starts at N (skopeo's rule); a server that ignores the range and sends the whole
// blob again gets a fresh ingest.

import { Writable } from 'node:stream';
import { CancelledError, StevedoreError } from '../errors';
import type { BlobStore, CommitResult, Ingest } from '../store/blobStore';
import type { BufferPool } from '../store/bufferPool';
import type { Lease } from '../store/leases';
import { repositoryScope } from './bearerTokens';
import { TransferInterrupted, type RegistryClient, type RegistryResponse, type ResponseHeaders } from './registryClient';
import { backoffDelay, sleep } from './retryPolicy';

/** Bytes received but not yet written before the socket is asked to wait. */
const QUEUE_LIMIT = 4 * 1024 * 1024;
/** Received bytes gathered before a write is started. */
const MIN_WRITE = 512 * 1024;

export interface BlobToFetch {
  digest: string;
  size: number;
}

export interface BlobDownloadOptions {
  signal?: AbortSignal;
  /** Bytes of the blob received so far (they may go back to 0 if a server ignores a Range request). */
  onProgress?: (bytes: number) => void;
  /** Called when a broken transfer is about to be resumed. */
  onResume?: (fromByte: number) => void;
  /** Called once every byte is in, before the blob is verified and flushed to disk. */
  onReceived?: () => void;
  /** Interruptions in a row without a new byte before giving up (default 5). */
  maxInterruptions?: number;
  /** Names the image in messages: "localhost:5000/app". */
  display?: string;
  /**
   * Buffers for reading a layer straight off the socket into the ingest (socketGet.ts,
   * ingestReceiver.ts); without them, or for small blobs, the body streams through undici.
   */
  buffers?: BufferPool;
}

/** Blobs smaller than this go through undici's pooled connections: a connection of their own costs more than it saves. */
const SOCKET_READ_MIN_BYTES = 1024 * 1024;

export async function downloadBlob(client: RegistryClient, repository: string, blob: BlobToFetch, blobs: BlobStore, lease: Lease, options: BlobDownloadOptions = {}): Promise<CommitResult> {
  if (!Number.isSafeInteger(blob.size) || blob.size < 0) {
    throw new StevedoreError('REGISTRY_ERROR', `The manifest gives blob ${blob.digest} an invalid size (${String(blob.size)}).`);
  }
  const display = options.display ?? `${client.domain}/${repository}`;
  const maxInterruptions = options.maxInterruptions ?? 5;
  let ingest = await blobs.ingest({ digest: blob.digest, size: blob.size }, lease);
  try {
    let interruptions = 0;
    for (;;) {
      const offset = ingest.bytes;
      if (offset === blob.size && offset > 0) break;
      const sink = new IngestSink(ingest, options.onProgress);
      const receiver = options.buffers && blob.size >= SOCKET_READ_MIN_BYTES ? await ingest.receiver(options.buffers, options.onProgress) : undefined;
      // Only the answer we asked for goes into the ingest: 200 for a fresh start, or a 206 whose
      // Content-Range starts where the ingest ends. Anything else is read as an ordinary response.
      const accept = (status: number, headers: ResponseHeaders): Writable | undefined => {
        if (offset === 0 && status === 200) return sink.writable;
        if (offset > 0 && status === 206) {
          const range = parseContentRange(headers['content-range']);
          if (range && range.start === offset && (range.total === undefined || range.total === blob.size)) return sink.writable;
        }
        return undefined;
      };
      const before = ingest.bytes;
      let res: RegistryResponse | undefined;
      try {
        res = await client.request({
          method: 'GET',
          url: `/v2/${repository}/blobs/${blob.digest}`,
          headers: offset > 0 ? { range: `bytes=${offset}-` } : {},
          scopes: [repositoryScope(repository, 'pull')],
          sink: accept,
          ...(receiver ? { receiverSink: (status: number, headers: ResponseHeaders, length: number) => (accept(status, headers) && length === blob.size - offset ? receiver : undefined) } : {}),
          ...(options.signal ? { signal: options.signal } : {}),
        });
      } catch (err) {
        // A write may still be in flight: the next offset is only known once it has landed.
        await sink.settled();
        await receiver?.finish();
        if (options.signal?.aborted) throw new CancelledError();
        if (!(err instanceof TransferInterrupted)) throw err;
      }
      await sink.settled();
      await receiver?.finish();
      if (res && !res.streamed) {
        if (offset > 0 && (res.status === 200 || res.status === 206)) {
          // The server ignored the range or sent another one: start over rather than splice bytes.
          await ingest.abort();
          ingest = await blobs.ingest({ digest: blob.digest, size: blob.size }, lease);
          options.onProgress?.(0);
          if (res.status === 200) continue;
          interruptions++;
          continue;
        }
        throw await client.errorFrom(res, `blob ${blob.digest} of ${display}`);
      }
      if (ingest.bytes === blob.size) break;
      interruptions = ingest.bytes > before ? 0 : interruptions + 1;
      if (interruptions >= maxInterruptions) {
        throw new StevedoreError(
          'NETWORK_ERROR',
          `The download of blob ${blob.digest} from ${display} kept breaking off at byte ${ingest.bytes} of ${blob.size}. Check the network or the registry, then pull again.`,
          { temporary: true },
        );
      }
      options.onResume?.(ingest.bytes);
      await sleep(backoffDelay(Math.max(0, interruptions - 1), client.retryOptions), options.signal);
    }
    options.onReceived?.();
    return await ingest.commit();
  } finally {
    await ingest.abort();
  }
}

/**
 * The Writable a download streams into. Received chunks queue here (not in the Writable's own
 * buffer, which a broken connection would throw away) and are written to the ingest in order,
 * several at a time when they pile up; the queue pushes back on the socket beyond QUEUE_LIMIT.
 * `settled()` resolves once everything received has landed, so after a broken transfer the
 * ingest's size says exactly where to resume, and no byte that arrived is fetched twice.
 */
class IngestSink {
  readonly writable: Writable;
  private queue: Buffer[] = [];
  private queued = 0;
  private writing = false;
  private failure: Error | undefined;
  private blocked: (() => void) | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly ingest: Ingest,
    private readonly onProgress: ((bytes: number) => void) | undefined,
  ) {
    this.writable = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        if (this.failure) return done(this.failure);
        this.queue.push(chunk);
        this.queued += chunk.length;
        // Small socket reads are gathered into one write: each write has a fixed cost on the main thread.
        if (this.queued >= MIN_WRITE) this.drain();
        if (this.queued < QUEUE_LIMIT) done();
        else this.blocked = () => done(this.failure);
      },
      final: (done) => {
        void this.settled().then(() => done(this.failure));
      },
    });
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

/** "bytes 100-199/200" → { start: 100, end: 199, total: 200 }; total undefined for "*". */
export function parseContentRange(value: string | string[] | undefined): { start: number; end: number; total?: number } | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  const match = text ? /^\s*bytes\s+(\d+)-(\d+)\/(\d+|\*)\s*$/i.exec(text) : null;
  if (!match) return undefined;
  const range: { start: number; end: number; total?: number } = { start: Number(match[1]), end: Number(match[2]) };
  if (match[3] !== '*') range.total = Number(match[3]);
  return range;
}
