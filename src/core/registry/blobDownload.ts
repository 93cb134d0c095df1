// Downloads one blob into the store's ingest area, hashed and counted as it streams (the ingest
// refuses a byte beyond the descriptor's size and commits only a blob whose digest matches). A
// transfer cut off part way is resumed with `Range: bytes=N-`, accepted only as a 206 whose
// Content-Range starts at N (skopeo's rule); a server that ignores the range and sends the whole
// blob again gets a fresh ingest.

import { CancelledError, StevedoreError } from '../errors';
import type { BlobStore, CommitResult, Ingest } from '../store/blobStore';
import type { Lease } from '../store/leases';
import { repositoryScope } from './bearerTokens';
import type { RegistryClient } from './registryClient';
import { backoffDelay, DEFAULT_RETRY, sleep } from './retryPolicy';

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
  /** Interruptions in a row without a new byte before giving up (default 5). */
  maxInterruptions?: number;
  /** Names the image in messages: "localhost:5000/app". */
  display?: string;
}

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
      const res = await client.request({
        method: 'GET',
        url: `/v2/${repository}/blobs/${blob.digest}`,
        headers: offset > 0 ? { range: `bytes=${offset}-` } : {},
        scopes: [repositoryScope(repository, 'pull')],
        ...(options.signal ? { signal: options.signal } : {}),
      });
      if (offset > 0 && res.status === 206) {
        const range = parseContentRange(res.headers['content-range']);
        if (!range || range.start !== offset || (range.total !== undefined && range.total !== blob.size)) {
          // A range we did not ask for: start over rather than splice bytes from the wrong place.
          await res.body.dump().catch(() => undefined);
          await ingest.abort();
          ingest = await blobs.ingest({ digest: blob.digest, size: blob.size }, lease);
          options.onProgress?.(0);
          continue;
        }
      } else if (res.status === 200) {
        if (offset > 0) {
          await ingest.abort();
          ingest = await blobs.ingest({ digest: blob.digest, size: blob.size }, lease);
          options.onProgress?.(0);
        }
      } else {
        throw await client.errorFrom(res, `blob ${blob.digest} of ${display}`);
      }
      const before = ingest.bytes;
      try {
        await pump(res.body, ingest, options.onProgress);
      } catch (err) {
        if (options.signal?.aborted) throw new CancelledError();
        // The ingest's own checks (too many bytes) are final; anything else broke the connection.
        if (err instanceof StevedoreError || err instanceof CancelledError) throw err;
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
      await sleep(backoffDelay(Math.max(0, interruptions - 1), DEFAULT_RETRY), options.signal);
    }
    return await ingest.commit();
  } finally {
    await ingest.abort();
  }
}

/**
 * Streams a response body into the ingest. No extra batching: the body stream already hands over
 * everything buffered since the last read as one chunk, so a slow disk means fewer, larger writes.
 */
async function pump(body: AsyncIterable<Uint8Array>, ingest: Ingest, onProgress: ((bytes: number) => void) | undefined): Promise<void> {
  for await (const chunk of body) {
    await ingest.write(chunk);
    onProgress?.(ingest.bytes);
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
