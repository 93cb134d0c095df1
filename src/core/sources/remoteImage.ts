// An image in a registry as an `Image`, read without the store: the reference resolved to its
// manifest (the platform's, from an index), the config fetched, and each layer's bytes a download
// through blobDownload.ts (resumed, retried and stall-guarded as a pull's are) into a StreamIngest
// that hands them on, checked against the layer's digest before the last chunk is given out.

import { CancelledError, StevedoreError } from '../errors';
import type { Image } from '../image/image';
import { decodeConfig } from '../image/imageDocuments';
import { partsImage } from '../image/partsImage';
import { formatPlatform, hostPlatform, platformMatches, platformOf } from '../image/platform';
import type { Descriptor, Platform } from '../image/types';
import { downloadBlob } from '../registry/blobDownload';
import { fetchManifest } from '../registry/manifests';
import { selectPlatform } from '../registry/platformSelect';
import type { ResolvedImage } from '../registry/pullResolve';
import type { RegistryClient } from '../registry/registryClient';
import { StreamIngest } from '../registry/streamIngest';

const MAX_CONFIG_BYTES = 8 * 1024 * 1024;

export interface RemoteImageOptions {
  platform?: Platform;
  signal?: AbortSignal;
}

/** The image a resolved (and, for pulls, verified) reference names, for the platform asked for. */
export async function remoteImage(resolved: ResolvedImage, options: RemoteImageOptions = {}): Promise<Image> {
  const { client, display, top } = resolved;
  const repository = resolved.reference.path;
  let fetched = top;
  let platform: Platform | undefined;
  if (top.kind === 'index') {
    const entry = selectPlatform(top.index, options.platform ?? hostPlatform(), display);
    fetched = await fetchManifest(client, { repository, reference: entry.digest, display }, options.signal);
    if (fetched.kind === 'index') throw new StevedoreError('UNSUPPORTED', `The index of ${display} points to another index for ${formatPlatform(entry.platform!)}; nested indexes are not supported.`);
    platform = entry.platform;
  }
  if (fetched.kind !== 'manifest') throw new StevedoreError('REGISTRY_ERROR', `The registry answered ${display} with an index where an image manifest belongs.`);
  const { manifest } = fetched;
  if (manifest.config.size > MAX_CONFIG_BYTES) throw new StevedoreError('REGISTRY_ERROR', `The config of ${display} is larger than ${MAX_CONFIG_BYTES / (1024 * 1024)} MiB; no image config is that large.`);
  const configBytes = Buffer.concat(await collect(blobBytes(client, repository, manifest.config, display, 'config', options.signal)));
  const config = decodeConfig(configBytes, { what: `The config of ${display}`, code: 'REGISTRY_ERROR' });
  const actual = platformOf(config);
  if (!platform && options.platform && !platformMatches(actual, options.platform)) {
    throw new StevedoreError('PLATFORM_NOT_FOUND', `image with reference ${display} was found but does not match the specified platform: wanted ${formatPlatform(options.platform)}, actual: ${formatPlatform(actual)}`);
  }
  const manifestDescriptor: Descriptor = { mediaType: fetched.mediaType, digest: fetched.digest, size: fetched.bytes.length, platform: platform ?? actual };
  return partsImage({
    manifestDescriptor,
    manifestBytes: fetched.bytes,
    manifest,
    configBytes,
    config,
    what: display,
    layerBytes: (descriptor, _index, signal) => blobBytes(client, repository, descriptor, display, 'layer', signal),
    // Every blob of the image is in its own repository: a copy to another one of this registry mounts it.
    blobSources: async (digest) => {
      const blob = [manifest.config, ...manifest.layers].find((d) => d.digest === digest);
      return blob ? [{ registry: client.domain, repository, digest, size: blob.size, mediaType: blob.mediaType }] : [];
    },
  });
}

/** One blob's bytes as they download; stopping early cancels the download. */
async function* blobBytes(client: RegistryClient, repository: string, blob: Descriptor, display: string, kind: string, signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  const stop = new AbortController();
  const linked = signal ? AbortSignal.any([signal, stop.signal]) : stop.signal;
  const ingest = new StreamIngest({ digest: blob.digest, size: blob.size });
  const download = downloadBlob(client, repository, blob, { ingest: async () => ingest }, undefined, { signal: linked, display, kind }).then(
    // A download that returns has committed (the reader gets the rest); `fail` is then a no-op.
    () => ingest.fail(new StevedoreError('IO_ERROR', `The download of ${blob.digest} of ${display} ended before it was complete.`)),
    (err: unknown) => ingest.fail(err),
  );
  try {
    yield* ingest.chunks();
  } finally {
    stop.abort();
    // A reader that stopped early leaves the download waiting for room in the ingest's queue, where
    // the abort does not reach it: failing the ingest frees it (a no-op once it has committed).
    ingest.fail(new CancelledError());
    await download;
  }
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const chunk of source) out.push(chunk);
  return out;
}
