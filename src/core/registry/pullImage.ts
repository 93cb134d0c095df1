// `pull`, in four stages, each its own file with typed inputs and outputs:
//   resolve (pullResolve.ts)  the tag or digest → the manifest the registry serves, and its digest;
//   verify  (pullVerify.ts)   the signature policy on that digest, before anything is fetched or stored;
//   fetch   (pullFetch.ts)    the platform's manifest, the config and the layers into the store's blobs;
//   commit  (pullCommit.ts)   the manifest recorded as the image, with its repo digest, as Docker does.
// An image already stored under the name, with everything a commit would record, skips the last
// two and writes nothing (pullStored.ts).
// Fetch and commit run under a lease that names each blob before it is checked or written; if
// either fails or is cancelled, blobs this pull wrote and nothing else needs are removed, so the
// store is left as it was.

import { errorMessage, isCancelled, StevedoreError } from '../errors';
import type { Platform } from '../image/types';
import { parseReference, type ImageReference } from '../reference/reference';
import { discardUnreferencedBlobs } from '../store/discardBlobs';
import type { ImageStore } from '../store/imageStore';
import { commitPull, type PullResult } from './pullCommit';
import { fetchPull } from './pullFetch';
import { pullStored } from './pullStored';
import { resolvePull } from './pullResolve';
import { verifyPull, type PullVerifyStage, type VerifiedImage } from './pullVerify';
import type { RegistryClient } from './registryClient';
import type { RegistryClients } from './registryClients';
import type { TransferListener } from '../transfer/transferEvent';

export type { PullResult } from './pullCommit';
export type { ResolvedImage } from './pullResolve';

export interface PullOptions {
  /** As the user typed it: "redis", "localhost:5000/app:1.0", "app@sha256:…". */
  reference: string;
  /** The platform to pick from an index; the host's when not given. */
  platform?: Platform;
  /** Layers downloaded at once (default 4). */
  concurrency?: number;
  signal?: AbortSignal;
  /** Progress as TransferEvents: start, each layer, end. */
  onEvent?: TransferListener;
  /**
   * The verify stage: called with the resolved manifest digest before any blob is fetched or
   * stored; throwing refuses the image and leaves the store untouched (see trust/contentTrust.ts).
   */
  verify?: PullVerifyStage;
}

export type StageOptions = Omit<PullOptions, 'reference'>;

export async function pullImage(store: ImageStore, clients: RegistryClients, options: PullOptions): Promise<PullResult> {
  const ref = parseReference(options.reference);
  // Docker Hub pulls go to its mirrors first, then to Docker Hub, as Docker and podman do; the
  // image is recorded under its docker.io name whichever served it.
  const mirrors = ref.domain === 'docker.io' && clients.options.hubMirrors ? await clients.options.hubMirrors() : [];
  const tried: string[] = [];
  for (const mirror of mirrors) {
    try {
      return await pullReference(store, clients.forMirror(mirror), ref, options);
    } catch (err) {
      if (isCancelled(err) || options.signal?.aborted) throw err;
      tried.push(`${mirror.host} (${errorMessage(err)})`);
    }
  }
  try {
    return await pullReference(store, clients.for(ref.domain), ref, options);
  } catch (err) {
    if (tried.length === 0 || !(err instanceof StevedoreError)) throw err;
    throw new StevedoreError(err.code, `${err.message} Docker Hub's mirrors were tried first: ${tried.join('; ')}.`, {
      cause: err,
      temporary: err.temporary,
      ...(err.detail ? { detail: err.detail } : {}),
    });
  }
}

/** Pulls an already parsed reference: resolve, verify, then fetch and commit. */
export async function pullReference(store: ImageStore, client: RegistryClient, ref: ImageReference, options: StageOptions): Promise<PullResult> {
  const resolved = await resolvePull(client, ref, options.signal);
  return pullVerified(store, await verifyPull(resolved, options.verify, options.signal), options);
}

/** The fetch and commit stages of an image the verify stage accepted, under one lease. */
export async function pullVerified(store: ImageStore, image: VerifiedImage, options: StageOptions): Promise<PullResult> {
  const emit = options.onEvent ?? (() => undefined);
  // Only once the registry has the image and the policy accepts it, as Docker's daemon reports:
  // a pull that fails there has printed nothing.
  // `tag` only for a pull by tag: Docker names a pull by digest by its whole reference.
  const tag = image.reference.digest ? {} : { tag: image.reference.tag! };
  emit({ kind: 'start', operation: 'pull', reference: image.fullRef, repository: image.reference.path, ...tag });
  const stored = await pullStored(store, image, options);
  if (stored) return stored;
  const written: string[] = [];
  const common = { emit, written, ...(options.signal ? { signal: options.signal } : {}) };
  try {
    return await store.leases.with(async (lease) => {
      const fetched = await fetchPull(store, image, {
        ...common,
        lease,
        ...(options.platform ? { platform: options.platform } : {}),
        ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
      });
      return commitPull(store, fetched, { ...common, lease });
    });
  } catch (err) {
    await discardUnreferencedBlobs(store, written).catch(() => undefined);
    throw err;
  }
}
