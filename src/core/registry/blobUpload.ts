// Blob uploads as the distribution spec describes them: HEAD to skip a blob the repository has,
// POST ?mount=&from= to mount one from another repository of the same registry (201 mounted, 202
// "upload it yourself" with a session to use), else POST a session, PATCH the bytes in one streamed
// request, and PUT ?digest= to close it. A failed upload starts over with a new session: a source is
// a factory that can open the bytes again.

import { Readable } from 'node:stream';
import { DigestCounter } from '../digest';
import { CancelledError, isCancelled, StevedoreError } from '../errors';
import { repositoryScope } from './bearerTokens';
import type { RegistryClient } from './registryClient';
import { backoffDelay, isRetryableNetworkError, sleep, RetryClock } from './retryPolicy';

export interface UploadSource {
  /** Opens the bytes to send, from the start; called again when an upload is retried. */
  open: () => Readable;
  /** Known for stored blobs; computed while streaming for bytes made on the fly (compression). */
  digest?: string;
  size?: number;
}

export interface UploadOptions {
  signal?: AbortSignal;
  /** Bytes sent so far in the current attempt. */
  onProgress?: (bytes: number) => void;
  /** An upload session already opened (by a mount the registry declined). */
  location?: string;
  /** Attempts in all (default 3). */
  attempts?: number;
}

function pushScopes(repository: string, extra: readonly string[] = []): string[] {
  return [repositoryScope(repository, 'pull,push'), ...extra];
}

export async function blobExists(client: RegistryClient, repository: string, digest: string, signal?: AbortSignal): Promise<boolean> {
  const res = await client.request({ method: 'HEAD', url: `/v2/${repository}/blobs/${digest}`, scopes: pushScopes(repository), ...(signal ? { signal } : {}) });
  await res.body.dump().catch(() => undefined);
  if (res.status === 200) return true;
  if (res.status === 404) return false;
  throw await client.errorFrom(res, `blob ${digest} in ${client.domain}/${repository}`);
}

export type MountResult = { mounted: true } | { mounted: false; location: string | undefined };

/** Asks the registry to link a blob of `from` into `repository` without sending its bytes. */
export async function mountBlob(client: RegistryClient, repository: string, digest: string, from: string, signal?: AbortSignal): Promise<MountResult> {
  const res = await client.request({
    method: 'POST',
    url: `/v2/${repository}/blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(from)}`,
    headers: { 'content-length': '0' },
    scopes: pushScopes(repository, [repositoryScope(from, 'pull')]),
    ...(signal ? { signal } : {}),
  });
  await res.body.dump().catch(() => undefined);
  if (res.status === 201) return { mounted: true };
  if (res.status === 202) return { mounted: false, location: typeof res.headers.location === 'string' ? res.headers.location : undefined };
  // A registry that refuses mounts (or the source) just means uploading the bytes.
  return { mounted: false, location: undefined };
}

async function startUpload(client: RegistryClient, repository: string, signal: AbortSignal | undefined): Promise<string> {
  const res = await client.request({
    method: 'POST',
    url: `/v2/${repository}/blobs/uploads/`,
    headers: { 'content-length': '0' },
    scopes: pushScopes(repository),
    ...(signal ? { signal } : {}),
  });
  if (res.status !== 202 || typeof res.headers.location !== 'string') throw await client.errorFrom(res, `an upload to ${client.domain}/${repository}`);
  await res.body.dump().catch(() => undefined);
  return res.headers.location;
}

/** Uploads one blob and returns its digest and size as the registry now knows them. */
export async function uploadBlob(client: RegistryClient, repository: string, source: UploadSource, options: UploadOptions = {}): Promise<{ digest: string; size: number }> {
  const { signal } = options;
  const attempts = options.attempts ?? 3;
  let location = options.location;
  const clock = new RetryClock(client.retryOptions);
  for (let attempt = 0; ; attempt++) {
    try {
      location ??= await startUpload(client, repository, signal);
      // Each call streams the source from the start, so a re-sent request never sends half a body.
      let counter = new DigestCounter();
      const body = (): Readable => {
        counter = new DigestCounter();
        return measured(source.open(), counter, source.digest === undefined, options.onProgress);
      };
      const patch = await client.request({
        method: 'PATCH',
        url: location,
        headers: { 'content-type': 'application/octet-stream', ...(source.size !== undefined ? { 'content-length': String(source.size) } : {}) },
        body,
        scopes: pushScopes(repository),
        retry: false,
        ...(signal ? { signal } : {}),
      });
      if (patch.status !== 202 && patch.status !== 204) throw await client.errorFrom(patch, `an upload to ${client.domain}/${repository}`);
      await patch.body.dump().catch(() => undefined);
      const digest = source.digest ?? counter.digest();
      const size = counter.bytes;
      const put = client.resolve(typeof patch.headers.location === 'string' ? patch.headers.location : location);
      put.searchParams.set('digest', digest);
      const done = await client.request({
        method: 'PUT',
        url: put.href,
        headers: { 'content-length': '0' },
        scopes: pushScopes(repository),
        retry: false,
        ...(signal ? { signal } : {}),
      });
      if (done.status !== 201 && done.status !== 204) throw await client.errorFrom(done, `blob ${digest} for ${client.domain}/${repository}`);
      await done.body.dump().catch(() => undefined);
      return { digest, size };
    } catch (err) {
      location = undefined;
      if (isCancelled(err) || signal?.aborted) throw new CancelledError();
      const temporary = err instanceof StevedoreError ? err.temporary : isRetryableNetworkError(err);
      const delay = backoffDelay(attempt, client.retryOptions);
      if (attempt + 1 >= attempts || !temporary || !clock.allows(delay)) throw err;
      await sleep(delay, signal);
    }
  }
}

/**
 * Counts (and, when the digest is not known yet, hashes) bytes on their way to the registry. A
 * 'data' listener beside undici's own sees every chunk without another stream in between.
 */
function measured(source: Readable, counter: DigestCounter, hash: boolean, onProgress: ((bytes: number) => void) | undefined): Readable {
  source.on('data', (chunk: Buffer) => {
    if (hash) counter.update(chunk);
    else counter.bytes += chunk.length;
    onProgress?.(counter.bytes);
  });
  source.pause();
  return source;
}
