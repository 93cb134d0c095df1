// The pull's third stage: everything a verified image needs, into the store's blobs. From an index
// it picks the platform's manifest (fetched by digest, so it is the one the verified index names),
// then downloads the config and the layers in parallel, skipping blobs already stored and resuming
// broken transfers. Every blob is named in the caller's lease before it is checked or written, and
// each blob this stage writes is added to `written`, so a failed pull can take them away again.

import { StevedoreError } from '../errors';
import { decodeConfig } from '../image/imageDocuments';
import { formatPlatform, hostPlatform, platformMatches } from '../image/platform';
import type { Descriptor, ImageManifest, Platform } from '../image/types';
import type { ImageStore } from '../store/imageStore';
import type { Lease } from '../store/leases';
import type { DistributionSource } from '../store/metadata';
import { BufferPool } from '../store/bufferPool';
import { downloadBlob } from './blobDownload';
import { fetchManifest } from './manifests';
import { selectPlatform } from './platformSelect';
import type { VerifiedImage } from './pullVerify';
import { DEFAULT_CONCURRENCY } from './registryOptions';
import { runLimited } from './runLimited';
import type { LayerState, TransferListener } from '../transfer/transferEvent';

export interface FetchOptions {
  /** The platform to pick from an index, or to insist on for a single-platform image. */
  platform?: Platform;
  concurrency?: number;
  signal?: AbortSignal;
  emit: TransferListener;
  lease: Lease;
  /** Digests of the blobs this pull wrote, appended to as they are written. */
  written: string[];
}

/** A verified image whose blobs are all in the store; its manifest is not stored yet. */
export interface FetchedImage {
  image: VerifiedImage;
  /** The platform's image manifest (the top manifest itself for a single-platform image). */
  manifest: { bytes: Buffer; digest: string; mediaType: string; document: ImageManifest };
  platform: Platform;
  /** Where each blob came from, for cross-repository mounts on a later push. */
  sources: Record<string, DistributionSource[]>;
  downloadedBytes: number;
}

export async function fetchPull(store: ImageStore, image: VerifiedImage, options: FetchOptions): Promise<FetchedImage> {
  const { signal, emit, lease, written } = options;
  const { client, display, top } = image;
  const repository = image.reference.path;
  let fetched = top;
  let platform: Platform | undefined;
  if (top.kind === 'index') {
    const entry = selectPlatform(top.index, options.platform ?? hostPlatform(), display);
    fetched = await fetchManifest(client, { repository, reference: entry.digest, display }, signal);
    if (fetched.kind === 'index') {
      throw new StevedoreError('UNSUPPORTED', `The index of ${display} points to another index for ${formatPlatform(entry.platform!)}; nested indexes are not supported.`);
    }
    platform = platformOf(entry.platform!);
  }
  if (fetched.kind !== 'manifest') throw new StevedoreError('REGISTRY_ERROR', `The registry answered ${display} with an index where an image manifest belongs.`);
  const { manifest } = fetched;
  const layers = uniqueByDigest(manifest.layers);
  const sources = pulledSources(image, manifest);

  let downloadedBytes = 0;
  // Shared by the parallel downloads, so a finished layer's buffers serve the next one.
  const buffers = new BufferPool();
  const fetchBlob = async (blob: Descriptor, blobSignal: AbortSignal | undefined, report: boolean, received?: () => void): Promise<void> => {
    const layerEvent = (state: LayerState, current: number): void => {
      if (report) emit({ kind: 'layer', id: blob.digest, state, current, total: blob.size });
    };
    // Another pull may have stored it meanwhile; it is leased, so it cannot vanish after this check.
    if (await store.blobs.has(blob.digest)) return;
    layerEvent('transferring', 0);
    const result = await downloadBlob(client, repository, blob, store.blobs, lease, {
      ...(blobSignal ? { signal: blobSignal } : {}),
      display,
      kind: report ? 'layer' : 'config',
      buffers,
      onProgress: (bytes) => layerEvent(bytes === blob.size ? 'verifying' : 'transferring', bytes),
      onResume: (from) => layerEvent('resuming', from),
      // Flushing a received layer to disk need not hold up the next download.
      ...(received ? { onReceived: received } : {}),
    });
    if (!result.existed) written.push(result.digest);
    downloadedBytes += blob.size;
    layerEvent('done', blob.size);
  };

  // Named in the lease before anything is checked, so a concurrent `rmi` cannot collect them.
  await lease.protect([fetched.digest, manifest.config.digest, ...layers.map((l) => l.digest)]);
  const missing: Descriptor[] = [];
  const present = new Set<string>();
  for (const layer of layers) {
    if (await store.blobs.has(layer.digest)) present.add(layer.digest);
    else missing.push(layer);
  }
  // An image already here (its config and every layer) gets no layer lines, as Docker prints
  // none when its image store has the config; otherwise each layer says whether it is needed.
  const whole = missing.length === 0 && (await store.blobs.has(manifest.config.digest));
  if (!whole) {
    for (const layer of layers) {
      const has = present.has(layer.digest);
      emit({ kind: 'layer', id: layer.digest, state: has ? 'exists' : 'queued', current: has ? layer.size : 0, total: layer.size });
    }
  }
  const fetchConfig = async (configSignal: AbortSignal | undefined): Promise<void> => {
    await fetchBlob(manifest.config, configSignal, false);
    const config = decodeConfig(await store.blobs.readSmall(manifest.config.digest), { what: `The config of ${display}`, code: 'REGISTRY_ERROR' });
    if (platform) return;
    platform = platformOf(config);
    if (options.platform && !platformMatches(platform, options.platform)) {
      throw new StevedoreError(
        'PLATFORM_NOT_FOUND',
        `image with reference ${display} was found but does not match the specified platform: wanted ${formatPlatform(options.platform)}, actual: ${formatPlatform(platform)}`,
      );
    }
  };
  const fetchLayers = (layersSignal: AbortSignal | undefined): Promise<unknown> =>
    runLimited(missing, options.concurrency ?? DEFAULT_CONCURRENCY, layersSignal, (layer, _i, layerSignal, free) => fetchBlob(layer, layerSignal, true, free));
  if (!platform && options.platform) {
    // A single-platform image checked against --platform: only its config can say, and no
    // layer is fetched for an image that will be refused.
    await fetchConfig(signal);
    await fetchLayers(signal);
  } else {
    // Side by side; a failure of either cancels the other and waits for it (runLimited's rule),
    // so nothing is still writing when the caller discards what was written.
    await runLimited([fetchConfig, fetchLayers], 2, signal, (fetch, _i, taskSignal) => fetch(taskSignal));
  }
  return {
    image,
    manifest: { bytes: fetched.bytes, digest: fetched.digest, mediaType: fetched.mediaType, document: manifest },
    platform: platform!,
    sources,
    downloadedBytes,
  };
}

/** Where a pull got each blob of `manifest`, as the store records it for later mounts and skips. */
export function pulledSources(image: VerifiedImage, manifest: ImageManifest): Record<string, DistributionSource[]> {
  const sources: Record<string, DistributionSource[]> = {};
  for (const d of [manifest.config, ...uniqueByDigest(manifest.layers)]) {
    sources[d.digest] = [{ registry: image.reference.domain, repository: image.reference.path, digest: d.digest, size: d.size, mediaType: d.mediaType }];
  }
  return sources;
}

export function platformOf(p: { os: string; architecture: string; variant?: string }): Platform {
  return { os: p.os, architecture: p.architecture, ...(p.variant ? { variant: p.variant } : {}) };
}

function uniqueByDigest(list: readonly Descriptor[]): Descriptor[] {
  const seen = new Set<string>();
  return list.filter((d) => (seen.has(d.digest) ? false : (seen.add(d.digest), true)));
}
