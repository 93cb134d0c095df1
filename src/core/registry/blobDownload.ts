// Downloads one blob into the store's ingest area, hashed and counted as it streams (the ingest
// refuses a byte beyond the descriptor's size and commits only a blob whose digest matches). A
// transfer cut off part way is resumed with `Range: bytes=N-`, accepted as a 206 whose
// Content-Range starts at N (skopeo's rule), or as a 200 whose first N bytes are skipped. Every
// way of not finishing is bounded: a length that contradicts the manifest fails at once, an
// attempt that gets no further than an earlier one counts against the retry attempts, resumes and
// time have budgets (retryPolicy.ts), and a body that drips fails after the stall timeout
// (stallWatchdog.ts; time the download waits on its reader or the disk does not count); each
// message names the layer.

import type { Writable } from 'node:stream';
import { CancelledError, StevedoreError } from '../errors';
import type { CommitResult, ContentStore } from '../store/contentStore';
import type { BufferPool } from '../store/bufferPool';
import type { Lease } from '../store/leases';
import { repositoryScope } from './bearerTokens';
import type { RegistryClient } from './registryClient';
import { TransferInterrupted, type RegistryResponse, type ResponseHeaders } from './registryRequest';
import { backoffDelay, durationText, RetryClock, sleep } from './retryPolicy';
import { IngestSink } from './ingestSink';
import { holdingWhileFull, STALL_MIN_BYTES, StallWatchdog } from './stallWatchdog';

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
  /** Attempts in a row that get no further than an earlier one before giving up (default: the client's retry attempts). */
  maxInterruptions?: number;
  /** What the blob is, for messages: "layer", "config" (default "blob"). */
  kind?: string;
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

/** `blobs` is where the blob goes: the store's content store, or a StreamIngest's reader (streamIngest.ts). */
export async function downloadBlob(
  client: RegistryClient,
  repository: string,
  blob: BlobToFetch,
  blobs: Pick<ContentStore, 'ingest'>,
  lease: Lease | undefined,
  options: BlobDownloadOptions = {},
): Promise<CommitResult> {
  if (!Number.isSafeInteger(blob.size) || blob.size < 0) {
    throw new StevedoreError('REGISTRY_ERROR', `The manifest gives blob ${blob.digest} an invalid size (${String(blob.size)}).`);
  }
  const display = options.display ?? `${client.domain}/${repository}`;
  const what = `${options.kind ?? 'blob'} ${blob.digest} of ${display}`;
  const retry = client.retryOptions;
  const maxFruitless = options.maxInterruptions ?? retry.attempts;
  const stallTimeoutMs = client.stallTimeoutMs;
  const clock = new RetryClock(retry);
  const ingest = await blobs.ingest({ digest: blob.digest, size: blob.size }, lease);
  try {
    // The most bytes any attempt got to: an attempt that ends no further made no progress, even
    // when it moved (a server that ignores Range and cuts every answer at the same byte).
    let reached = 0;
    let fruitless = 0;
    let resumes = 0;
    for (;;) {
      let problem = 'cut the transfer off';
      const offset = ingest.bytes;
      if (offset === blob.size && offset > 0) break;
      const watchdog = new StallWatchdog(stallTimeoutMs, options.signal);
      // A 200 to a resume is the whole blob again: the bytes the ingest holds are skipped, not fetched twice.
      const sink = new IngestSink(ingest, options.onProgress, watchdog);
      let receiverBytes = offset;
      const receiver =
        options.buffers && blob.size >= SOCKET_READ_MIN_BYTES
          ? await ingest.receiver(options.buffers, (bytes) => {
              watchdog.received(bytes - receiverBytes);
              receiverBytes = bytes;
              options.onProgress?.(bytes);
            })
          : undefined;
      // Only the answer we asked for goes into the ingest: 200 (from the start, skipping what the
      // ingest holds), or a 206 whose Content-Range starts where the ingest ends. A length that
      // contradicts the manifest is refused before a byte of it is read.
      const accept = (status: number, headers: ResponseHeaders): Writable | undefined => {
        if (status === 200) {
          const announced = contentLengthOf(headers);
          if (announced !== undefined && announced !== blob.size) throw sizeMismatch(what, announced, blob.size);
          sink.skip(offset);
          watchdog.start();
          return sink.writable;
        }
        if (offset > 0 && status === 206) {
          const range = parseContentRange(headers['content-range']);
          if (range?.total !== undefined && range.total !== blob.size) throw sizeMismatch(what, range.total, blob.size);
          if (range && range.start === offset) {
            watchdog.start();
            return sink.writable;
          }
        }
        return undefined;
      };
      let res: RegistryResponse | undefined;
      try {
        res = await client.request({
          method: 'GET',
          url: `/v2/${repository}/blobs/${blob.digest}`,
          headers: offset > 0 ? { range: `bytes=${offset}-` } : {},
          scopes: [repositoryScope(repository, 'pull')],
          sink: accept,
          // The watchdog decides about slow bodies; the idle timeout only backs it up.
          bodyTimeoutMs: Math.max(2 * stallTimeoutMs, client.bodyTimeoutMs),
          ...(receiver
            ? {
                receiverSink: (status: number, headers: ResponseHeaders, length: number) => {
                  if (!accept(status, headers) || status !== (offset > 0 ? 206 : 200) || length !== blob.size - offset) return undefined;
                  return holdingWhileFull(receiver, watchdog);
                },
              }
            : {}),
          signal: watchdog.signal,
        });
      } catch (err) {
        // A write may still be in flight: the next offset is only known once it has landed.
        await sink.settled();
        await receiver?.finish().catch(() => undefined);
        if (options.signal?.aborted) throw new CancelledError();
        if (watchdog.stalled) throw stalled(what, stallTimeoutMs, ingest.bytes, blob.size);
        if (!(err instanceof TransferInterrupted)) throw err;
      } finally {
        watchdog.stop();
      }
      await sink.settled();
      await receiver?.finish();
      if (res && !res.streamed) {
        if (offset > 0 && res.status === 416) {
          await res.body.dump().catch(() => undefined);
          throw new StevedoreError(
            'SIZE_MISMATCH',
            `The registry has no bytes of ${what} past byte ${offset}, but the image's manifest says it has ${blob.size}. The image in the registry is broken: ask its maintainer to push it again.`,
          );
        }
        if (offset > 0 && res.status === 206) {
          await res.body.dump().catch(() => undefined);
          problem = 'answered the resume with another range';
        } else {
          throw await client.errorFrom(res, what);
        }
      } else if (ingest.bytes === blob.size) {
        break;
      } else if (res?.streamed) {
        problem = 'ended its answer early';
      }
      fruitless = ingest.bytes > reached ? 0 : fruitless + 1;
      reached = Math.max(reached, ingest.bytes);
      if (fruitless >= maxFruitless) {
        throw new StevedoreError(
          'NETWORK_ERROR',
          `The download of ${what} made no progress in ${fruitless} attempts in a row: the server ${problem} at byte ${ingest.bytes} of ${blob.size}. Check the network or the registry, then pull again.`,
          { temporary: true },
        );
      }
      const delay = backoffDelay(fruitless, retry);
      if (resumes >= retry.maxResumes || !clock.allows(delay)) {
        throw new StevedoreError(
          'NETWORK_ERROR',
          `The download of ${what} kept breaking off (at byte ${ingest.bytes} of ${blob.size}); gave up after ${resumes} resumes${resumes >= retry.maxResumes ? '' : ` and ${clock.budgetText}`}. Check the network or the registry, then pull again.`,
          { temporary: true },
        );
      }
      resumes++;
      options.onResume?.(ingest.bytes);
      await sleep(delay, options.signal);
    }
    options.onReceived?.();
    return await ingest.commit();
  } finally {
    await ingest.abort();
  }
}

function sizeMismatch(what: string, announced: number, declared: number): StevedoreError {
  return new StevedoreError(
    'SIZE_MISMATCH',
    `The registry sends ${what} as ${announced} bytes, but the image's manifest says ${declared}. The image in the registry is broken: ask its maintainer to push it again.`,
    { detail: { announced, declared } },
  );
}

function stalled(what: string, stallTimeoutMs: number, bytes: number, size: number): StevedoreError {
  return new StevedoreError(
    'NETWORK_ERROR',
    `The download of ${what} stalled: less than ${STALL_MIN_BYTES / 1024} KiB arrived in ${durationText(stallTimeoutMs)} (at byte ${bytes} of ${size}). Check the network or the registry and pull again; on a very slow link, allow more time with the stall timeout (--stall-timeout, STEVEDORE_STALL_TIMEOUT or the stevedore.stallTimeoutSeconds setting).`,
    { temporary: true, detail: { stallTimeoutMs, bytes, size } },
  );
}

function contentLengthOf(headers: ResponseHeaders): number | undefined {
  const value = headers['content-length'];
  const text = Array.isArray(value) ? value[0] : value;
  return text !== undefined && /^\d+$/.test(text) ? Number(text) : undefined;
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
