// The one way a new image is made from a config and layers already in the store (import, commit,
// build): its config and an OCI manifest are written under the caller's lease, then the image is
// recorded under its names. Identical input gives identical bytes, so the same image gets the same ID.

import { throwIfAborted } from '../errors';
import { MediaType } from '../image/mediaTypes';
import { platformOf } from '../image/platform';
import type { Descriptor, ImageConfig, ImageManifest } from '../image/types';
import type { ImageRecord, ImageStore } from './imageStore';
import type { Lease } from './leases';

export interface NewImage {
  config: ImageConfig;
  /** The layers' descriptors, in order; their blobs are in the store, held by the lease. */
  layers: readonly Descriptor[];
  /** Full references to point at the image; none leaves it dangling. */
  refs: readonly string[];
  /** Docker's sizes of layers the caller made and measured, by diffID. */
  layerSizes?: Record<string, number>;
}

export interface WriteImageOptions {
  signal?: AbortSignal;
  /** Told each blob written here, so a caller that fails later can discard what only it wrote. */
  onWritten?: (digest: string) => void;
}

export async function writeImage(store: ImageStore, lease: Lease, image: NewImage, options: WriteImageOptions = {}): Promise<ImageRecord> {
  const configBlob = await store.blobs.writeBytes(JSON.stringify(image.config), {}, lease);
  options.onWritten?.(configBlob.digest);
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: configBlob.digest, size: configBlob.size },
    layers: [...image.layers],
  };
  const manifestBlob = await store.blobs.writeBytes(JSON.stringify(manifest), {}, lease);
  options.onWritten?.(manifestBlob.digest);
  throwIfAborted(options.signal);
  const descriptor: Descriptor = { mediaType: MediaType.ociManifest, digest: manifestBlob.digest, size: manifestBlob.size, platform: platformOf(image.config) };
  return store.addImage(descriptor, image.refs, {
    ...(image.layerSizes ? { layerSizes: image.layerSizes } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}
