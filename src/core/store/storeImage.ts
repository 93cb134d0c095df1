// The store's images as `Image`s: documents decoded from the store's blobs, layers read from its
// content store, listings cached beside them.

import type { Image, Layer, LayerReadOptions, ListingCache } from '../image/image';
import type { LoadedImage } from '../image/summary';
import type { Descriptor } from '../image/types';
import type { ContentStore } from './contentStore';

const READ_PIECE = 1024 * 1024;

export function storeImage(blobs: ContentStore, loaded: LoadedImage, listingCache?: ListingCache): Image {
  const diffIds = loaded.config.rootfs?.diff_ids ?? [];
  return {
    ...loaded,
    layers: loaded.manifest.layers.map((descriptor, index) => storeLayer(blobs, descriptor, index, diffIds[index] ?? null)),
    rawManifest: () => blobs.readSmall(loaded.manifestDescriptor.digest),
    rawConfig: () => blobs.readSmall(loaded.manifest.config.digest),
    ...(listingCache ? { listingCache } : {}),
  };
}

/** One layer blob of the store as a `Layer` (a build reads the layers it has made so far this way). */
export function storeLayer(blobs: ContentStore, descriptor: Descriptor, index: number, diffId: string | null): Layer {
  const compressed = (options: LayerReadOptions = {}): AsyncIterable<Uint8Array> => blobs.reader(descriptor.digest, options.signal ? { signal: options.signal } : {});
  return {
    index,
    descriptor,
    diffId,
    compressed,
    uncompressed: (options = {}) => decompressedLazily(compressed(options), `Layer ${index} (${descriptor.digest})`),
  };
}

/** decompress.ts (zlib, zstd) loads on a layer's first read, not when the store opens: `images` reads no layer. */
async function* decompressedLazily(source: AsyncIterable<Uint8Array>, what: string): AsyncGenerator<Uint8Array> {
  const { decompressed } = await import('../archive/decompress');
  yield* decompressed(source, what, { chunkSize: READ_PIECE });
}
