// What the OCI layout cannot hold, kept in one side file replaced atomically under the store lock.
// Everything here is keyed by digest or by full reference, so entries for images that another tool
// removed from index.json are merely stale, never wrong, and are dropped on the next write.

export interface ImageSummary {
  /** The config digest: Docker's image ID. */
  configDigest: string;
  created?: string;
  architecture: string;
  os: string;
  variant?: string;
  layerCount: number;
  /** Bytes the image occupies in the store: manifest, config and layer blobs as stored. */
  size: number;
  /**
   * Docker's SIZE: the layers' uncompressed content (tar header sizes summed, as moby counts them),
   * the same however the image arrived. Absent until every layer's size is known (contentSizes.ts).
   */
  contentSize?: number;
  labels?: Record<string, string>;
}

/** Where a layer came from, with the compressed form a registry knows it by ("distribution hash"). */
export interface DistributionSource {
  registry: string;
  repository: string;
  digest: string;
  size: number;
  mediaType: string;
}

export interface ImageMetadata {
  /** `repository@sha256:…` as the registry served the manifest. */
  repoDigests?: string[];
  summary?: ImageSummary;
}

export interface StoreMetadata {
  version: 1;
  images: Record<string, ImageMetadata>;
  /** When each full reference was last pointed at its image in this store. */
  tags: Record<string, { taggedAt: string }>;
  /** Keyed by the stored blob's digest (or a diffID), for cross-repository mounts and skipping pushes. */
  sources: Record<string, DistributionSource[]>;
  /**
   * Content bytes of each layer as Docker counts them, keyed by diffID: a pulled (gzip) and a
   * loaded (plain) copy of one layer share the entry. Never stale: a diffID names its content.
   */
  layerSizes: Record<string, number>;
}

export function emptyMetadata(): StoreMetadata {
  return { version: 1, images: {}, tags: {}, sources: {}, layerSizes: {} };
}

export function parseMetadata(text: string): StoreMetadata {
  const parsed = JSON.parse(text) as Partial<StoreMetadata>;
  return {
    version: 1,
    images: parsed.images ?? {},
    tags: parsed.tags ?? {},
    sources: parsed.sources ?? {},
    layerSizes: parsed.layerSizes ?? {},
  };
}
