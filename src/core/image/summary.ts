// The facts `images`, the tree view and filters need about an image, derived once from its
// manifest and config and cached by manifest digest (both are immutable, so the cache never lies).

import { StevedoreError } from '../errors';
import type { BlobStore } from '../store/blobStore';
import { decodeConfig, decodeImageDocument, type DocumentSource } from './imageDocuments';
import type { ImageSummary } from '../store/metadata';
import { hostPlatform, platformMatches } from './platform';
import type { Descriptor, ImageConfig, ImageManifest } from './types';

export interface LoadedImage {
  manifestDescriptor: Descriptor;
  manifest: ImageManifest;
  config: ImageConfig;
}

/** Follows an index (from skopeo or another tool) to the host's platform, or the first one present. */
export async function resolveManifest(blobs: BlobStore, descriptor: Descriptor): Promise<{ descriptor: Descriptor; manifest: ImageManifest }> {
  let current = descriptor;
  for (let depth = 0; depth < 4; depth++) {
    const doc = decodeImageDocument(await blobs.readSmall(current.digest), storedDocument('Manifest', current.digest), current.mediaType);
    if (doc.kind === 'manifest') return { descriptor: current, manifest: doc.manifest };
    const index = doc.index;
    const host = hostPlatform();
    const candidates = [...index.manifests.filter((m) => platformMatches(m.platform, host)), ...index.manifests];
    let next: Descriptor | undefined;
    for (const c of candidates) {
      if (await blobs.has(c.digest)) {
        next = c;
        break;
      }
    }
    if (!next) throw new StevedoreError('BLOB_NOT_FOUND', `None of the manifests listed by index ${current.digest} are in the store.`);
    current = next;
  }
  throw new StevedoreError('STORE_CORRUPT', `Index ${descriptor.digest} nests too deeply.`);
}

export async function loadImage(blobs: BlobStore, descriptor: Descriptor): Promise<LoadedImage> {
  const { descriptor: manifestDescriptor, manifest } = await resolveManifest(blobs, descriptor);
  const config = decodeConfig(await blobs.readSmall(manifest.config.digest), storedDocument('Config', manifest.config.digest));
  return { manifestDescriptor, manifest, config };
}

/** How a damaged document of the store is named, and what to do about it. */
export function storedDocument(kind: 'Manifest' | 'Config', digest: string): DocumentSource {
  return { what: `${kind} ${digest} in the image store`, code: 'STORE_CORRUPT', advice: 'Run "stevedore system check --repair", then pull or load the image again.' };
}

/** Docker's image size from per-diffID layer sizes, or undefined while any layer's is unknown. */
export function contentSizeOf(config: ImageConfig, layerSizes: Readonly<Record<string, number>>): number | undefined {
  let total = 0;
  for (const diffId of config.rootfs?.diff_ids ?? []) {
    const size = layerSizes[diffId];
    if (size === undefined) return undefined;
    total += size;
  }
  return total;
}

export function summarise(image: LoadedImage, layerSizes: Readonly<Record<string, number>> = {}): ImageSummary {
  const { manifest, config, manifestDescriptor } = image;
  const layerBytes = manifest.layers.reduce((sum, l) => sum + l.size, 0);
  const summary: ImageSummary = {
    configDigest: manifest.config.digest,
    architecture: config.architecture,
    os: config.os,
    layerCount: manifest.layers.length,
    size: manifestDescriptor.size + manifest.config.size + layerBytes,
  };
  const contentSize = contentSizeOf(config, layerSizes);
  if (contentSize !== undefined) summary.contentSize = contentSize;
  if (config.created) summary.created = config.created;
  if (config.variant) summary.variant = config.variant;
  const labels = config.config?.Labels;
  if (labels && Object.keys(labels).length > 0) summary.labels = labels;
  return summary;
}
