// An `Image` made of parts a source has read: the manifest and config bytes (already checked
// against their digests) and a way to read each layer's stored bytes. Every layer read is verified
// against its descriptor as it streams (verifiedBytes.ts), since these bytes come from outside the
// store: an archive, a folder, an engine's export, a registry.

import { StevedoreError } from '../errors';
import type { Image, Layer } from './image';
import type { Descriptor, ImageConfig, ImageManifest } from './types';
import { verifiedBytes } from './verifiedBytes';

export interface ImageParts {
  manifestDescriptor: Descriptor;
  manifestBytes: Buffer;
  manifest: ImageManifest;
  configBytes: Buffer;
  config: ImageConfig;
  /** Names where the image comes from in messages: "/tmp/app.tar", "localhost:5000/app:1.0". */
  what: string;
  /** The layer's bytes as its source holds them; checked here. */
  layerBytes(descriptor: Descriptor, index: number, signal?: AbortSignal): AsyncIterable<Uint8Array>;
  /** Where else the blobs are known to be (Image.blobSources). */
  blobSources?: Image['blobSources'];
}

const INFLATE_CHUNK = 256 * 1024;

export function partsImage(parts: ImageParts): Image {
  const diffIds = parts.config.rootfs?.diff_ids ?? [];
  const layers = parts.manifest.layers.map((descriptor, index): Layer => {
    const compressed = (options: { signal?: AbortSignal } = {}): AsyncIterable<Uint8Array> =>
      verifiedBytes(parts.layerBytes(descriptor, index, options.signal), descriptor, (why) => corruptLayer(parts.what, descriptor, why), options.signal);
    return {
      index,
      descriptor,
      diffId: diffIds[index] ?? null,
      compressed,
      uncompressed: (options = {}) => inflated(compressed(options), `Layer ${index} (${descriptor.digest}) of ${parts.what}`),
    };
  });
  return {
    manifestDescriptor: parts.manifestDescriptor,
    manifest: parts.manifest,
    config: parts.config,
    layers,
    rawManifest: async () => parts.manifestBytes,
    rawConfig: async () => parts.configBytes,
    ...(parts.blobSources ? { blobSources: parts.blobSources } : {}),
  };
}

async function* inflated(source: AsyncIterable<Uint8Array>, what: string): AsyncGenerator<Uint8Array> {
  const { decompressed } = await import('../archive/decompress');
  yield* decompressed(source, what, { chunkSize: INFLATE_CHUNK });
}

function corruptLayer(what: string, descriptor: Descriptor, why: string): StevedoreError {
  return new StevedoreError('DIGEST_MISMATCH', `Layer ${descriptor.digest} of ${what} is not what its manifest says (${why}). Nothing was written; the source is corrupt or was tampered with.`);
}
