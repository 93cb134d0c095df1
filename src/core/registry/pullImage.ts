// `pull`, in stages: resolve the tag (or digest) to a manifest; verify it (the signature policy,
// through `verify`, before anything is fetched or stored); pick the platform from an index, download the config and the
// layers (in parallel, skipping blobs already stored, resuming broken transfers), and record the
// platform's manifest as the image with its repo digest, as Docker does. Everything happens under a
// lease that names each blob before it is checked or written; if anything fails or is cancelled,
// blobs this pull wrote and nothing else needs are removed, so the store is left as it was.

import { errorMessage, isCancelled, StevedoreError, throwIfAborted } from '../errors';
import { formatPlatform, hostPlatform, platformMatches } from '../image/platform';
import { decodeConfig } from '../image/imageDocuments';
import type { Descriptor, Platform } from '../image/types';
import { familiarString, formatReference, parseReference, repositoryName, type ImageReference } from '../reference/reference';
import { discardUnreferencedBlobs } from '../store/discardBlobs';
import type { ImageRecord, ImageStore } from '../store/imageStore';
import { refName } from '../store/indexFile';
import type { Lease } from '../store/leases';
import type { DistributionSource } from '../store/metadata';
import { BufferPool } from '../store/bufferPool';
import { downloadBlob } from './blobDownload';
import { fetchManifest, type FetchedManifest } from './manifests';
import { selectPlatform } from './platformSelect';
import type { RegistryClient } from './registryClient';
import type { RegistryClients } from './registryClients';
import { DEFAULT_CONCURRENCY } from './registryOptions';
import { runLimited } from './runLimited';
import type { PullEvent } from './transferEvents';

export interface PullOptions {
  /** As the user typed it: "redis", "localhost:5000/app:1.0", "app@sha256:…". */
  reference: string;
  /** The platform to pick from an index; the host's when not given. */
  platform?: Platform;
  /** Layers downloaded at once (default 4). */
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (event: PullEvent) => void;
  /**
   * The verify stage: called with the resolved manifest digest before any blob is fetched or
   * stored; throwing refuses the image and leaves the store untouched (see trust/contentTrust.ts).
   */
  verify?: (image: ResolvedImage, signal?: AbortSignal) => Promise<unknown>;
}

/** What the resolve stage found: the reference as pulled and the digest it names now. */
export interface ResolvedImage {
  reference: ImageReference;
  /** The digest of the manifest the registry served (the index's, for a multi-platform image). */
  manifestDigest: string;
  client: RegistryClient;
}

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

/** Pulls an already parsed reference; `pullAllTags` calls this once per tag. */
export async function pullReference(store: ImageStore, client: RegistryClient, ref: ImageReference, options: Omit<PullOptions, 'reference'>): Promise<PullResult> {
  const { signal } = options;
  const emit = options.onProgress ?? (() => undefined);
  const repository = ref.path;
  const target = ref.digest ?? ref.tag ?? 'latest';
  const fullRef = ref.digest ? formatReference({ domain: ref.domain, path: ref.path, digest: ref.digest }) : formatReference({ domain: ref.domain, path: ref.path, tag: target });
  const display = familiarString(ref);

  const top = await fetchManifest(client, { repository, reference: target, display }, signal);
  if (options.verify) {
    const pulled: ImageReference = ref.digest ? { domain: ref.domain, path: ref.path, digest: ref.digest } : { domain: ref.domain, path: ref.path, tag: target };
    await options.verify({ reference: pulled, manifestDigest: top.digest, client }, signal);
  }
  // Only once the registry has the image and the policy accepts it, as Docker's daemon reports:
  // a pull that fails there has printed nothing.
  emit({ kind: 'pulling', repository, target, reference: fullRef });
  let fetched: FetchedManifest = top;
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

  const index = await store.readIndex();
  const previous = index.manifests.find((m) => refName(m) === fullRef)?.digest;
  const alreadyStored = index.manifests.some((m) => m.digest === fetched.digest);
  const layers = uniqueByDigest(manifest.layers);
  const sources: Record<string, DistributionSource[]> = {};
  for (const d of [manifest.config, ...layers]) {
    sources[d.digest] = [{ registry: ref.domain, repository, digest: d.digest, size: d.size, mediaType: d.mediaType }];
  }
  const written: string[] = [];
  let downloadedBytes = 0;
  // Shared by the parallel downloads, so a finished layer's buffers serve the next one.
  const buffers = new BufferPool();
  const fetchBlob = async (lease: Lease, blob: Descriptor, blobSignal: AbortSignal | undefined, report: boolean, received?: () => void): Promise<void> => {
    const layerEvent = (status: Extract<PullEvent, { kind: 'layer' }>['status'], current: number): void => {
      if (report) emit({ kind: 'layer', digest: blob.digest, status, current, total: blob.size });
    };
    // Another pull may have stored it meanwhile; it is leased, so it cannot vanish after this check.
    if (await store.blobs.has(blob.digest)) return;
    layerEvent('downloading', 0);
    const result = await downloadBlob(client, repository, blob, store.blobs, lease, {
      ...(blobSignal ? { signal: blobSignal } : {}),
      display,
      kind: report ? 'layer' : 'config',
      buffers,
      onProgress: (bytes) => {
        if (bytes === blob.size) layerEvent('verifying', bytes);
        else layerEvent('downloading', bytes);
      },
      onResume: (from) => layerEvent('resuming', from),
      // Flushing a received layer to disk need not hold up the next download.
      ...(received ? { onReceived: received } : {}),
    });
    if (!result.existed) written.push(result.digest);
    downloadedBytes += blob.size;
    layerEvent('done', blob.size);
  };

  try {
    return await store.leases.with(async (lease) => {
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
          emit({ kind: 'layer', digest: layer.digest, status: has ? 'exists' : 'queued', current: has ? layer.size : 0, total: layer.size });
        }
      }
      const fetchConfig = async (configSignal: AbortSignal | undefined): Promise<void> => {
        await fetchBlob(lease, manifest.config, configSignal, false);
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
        runLimited(missing, options.concurrency ?? DEFAULT_CONCURRENCY, layersSignal, (layer, _i, layerSignal, free) => fetchBlob(lease, layer, layerSignal, true, free));
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
      throwIfAborted(signal);
      const stored = await store.blobs.writeBytes(fetched.bytes, { digest: fetched.digest }, lease);
      if (!stored.existed) written.push(stored.digest);
      throwIfAborted(signal);
      const repoDigest = `${repositoryName(ref)}@${top.digest}`;
      const descriptor: Descriptor = { mediaType: fetched.mediaType, digest: fetched.digest, size: fetched.bytes.length, platform: platform! };
      const record = await store.addImage(descriptor, [fullRef], { repoDigests: [repoDigest], sources, ...(signal ? { signal } : {}) });
      // Docker's rule: up to date when the name already led to this image. A digest names its
      // image wherever it is stored, so any image with this manifest counts.
      const named = previous === fetched.digest || (ref.digest !== undefined && alreadyStored);
      const upToDate = named && written.length === 0;
      emit({ kind: 'pulled', reference: fullRef, digest: top.digest, upToDate });
      return {
        reference: fullRef,
        digest: top.digest,
        repoDigest,
        manifestDigest: fetched.digest,
        platform: platform!,
        record,
        upToDate,
        downloadedBytes,
      };
    });
  } catch (err) {
    await discardUnreferencedBlobs(store, written).catch(() => undefined);
    throw err;
  }
}

function platformOf(p: { os: string; architecture: string; variant?: string }): Platform {
  return { os: p.os, architecture: p.architecture, ...(p.variant ? { variant: p.variant } : {}) };
}

function uniqueByDigest(list: readonly Descriptor[]): Descriptor[] {
  const seen = new Set<string>();
  return list.filter((d) => (seen.has(d.digest) ? false : (seen.add(d.digest), true)));
}
