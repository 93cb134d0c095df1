// The pull's last stage: with every blob in the store, the platform's manifest is written and
// recorded as the image under the reference and its repo digest, as Docker does. It decides
// whether the pull changed anything ("Image is up to date") by Docker's rule.

import { throwIfAborted } from '../errors';
import type { Descriptor, Platform } from '../image/types';
import { repositoryName } from '../reference/reference';
import type { ImageRecord, ImageStore } from '../store/imageStore';
import { refName } from '../store/indexFile';
import type { Lease } from '../store/leases';
import type { FetchedImage } from './pullFetch';
import type { TransferListener } from '../transfer/transferEvent';

export interface PullResult {
  /** The full reference recorded: "docker.io/library/redis:latest" or "…/redis@sha256:…". */
  reference: string;
  /** The digest the registry serves the image under (the index's, for a multi-platform image). */
  digest: string;
  repoDigest: string;
  /** The stored platform manifest. */
  manifestDigest: string;
  platform: Platform;
  record: ImageRecord;
  /** True when the reference already named this image and no blob had to be downloaded. */
  upToDate: boolean;
  downloadedBytes: number;
}

export interface CommitOptions {
  signal?: AbortSignal;
  emit: TransferListener;
  lease: Lease;
  /** Digests of the blobs this pull wrote (the fetch stage's), appended to here. */
  written: string[];
}

export async function commitPull(store: ImageStore, fetched: FetchedImage, options: CommitOptions): Promise<PullResult> {
  const { signal, lease, written } = options;
  const { image, manifest, platform } = fetched;
  throwIfAborted(signal);
  const index = await store.readIndex();
  const previous = index.manifests.find((m) => refName(m) === image.fullRef)?.digest;
  const alreadyStored = index.manifests.some((m) => m.digest === manifest.digest);
  const stored = await store.blobs.writeBytes(manifest.bytes, { digest: manifest.digest }, lease);
  if (!stored.existed) written.push(stored.digest);
  throwIfAborted(signal);
  const repoDigest = `${repositoryName(image.reference)}@${image.manifestDigest}`;
  const descriptor: Descriptor = { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.bytes.length, platform };
  const record = await store.addImage(descriptor, [image.fullRef], { repoDigests: [repoDigest], sources: fetched.sources, ...(signal ? { signal } : {}) });
  // Docker's rule: up to date when the name already led to this image. A digest names its
  // image wherever it is stored, so any image with this manifest counts.
  const named = previous === manifest.digest || (image.reference.digest !== undefined && alreadyStored);
  const upToDate = named && written.length === 0;
  options.emit({ kind: 'end', operation: 'pull', reference: image.fullRef, digest: image.manifestDigest, id: record.id, upToDate });
  return {
    reference: image.fullRef,
    digest: image.manifestDigest,
    repoDigest,
    manifestDigest: manifest.digest,
    platform,
    record,
    upToDate,
    downloadedBytes: fetched.downloadedBytes,
  };
}
