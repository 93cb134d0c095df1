// An image wherever it lives (the store, an engine's export cached as a store, an archive, a
// registry), as go-containerregistry's v1.Image and v1.Layer see one: its decoded manifest and
// config, their raw bytes for anything that must hash or copy them, and layers that can be read
// compressed or as tar. Layer analysis, verify, save and build read images only through this, never
// through a file path, so any source that can produce an `Image` can be inspected.

import type { LayerListing } from '../layers/layerListing';
import type { DistributionSource } from '../store/metadata';
import type { LoadedImage } from './summary';
import type { Descriptor } from './types';

export interface LayerReadOptions {
  signal?: AbortSignal;
}

export interface Layer {
  /** The layer's position in the manifest, from 0. */
  readonly index: number;
  /** The manifest's descriptor: compressed digest ("distribution hash"), size and media type. */
  readonly descriptor: Descriptor;
  /** The uncompressed tar's digest from the config, or null when the config lists none for it. */
  readonly diffId: string | null;
  /**
   * The bytes as stored, which `descriptor.digest` names. Not verified here: verify must see what
   * is there to report it; a reader that must trust the bytes checks the digest as it streams.
   * A blob that is not there fails the stream with BLOB_NOT_FOUND.
   */
  compressed(options?: LayerReadOptions): AsyncIterable<Uint8Array>;
  /** The layer tar: the stored bytes decompressed by their media type or their magic bytes. */
  uncompressed(options?: LayerReadOptions): AsyncIterable<Uint8Array>;
}

/** Where the listings of an image's layers are kept between looks, by compressed digest. */
export interface ListingCache {
  read(digest: string): Promise<LayerListing | null>;
  write(digest: string, listing: LayerListing): Promise<void>;
}

export interface Image extends LoadedImage {
  readonly layers: readonly Layer[];
  /** The manifest exactly as stored, whose digest is `manifestDescriptor.digest`. */
  rawManifest(): Promise<Buffer>;
  /** The config exactly as stored, whose digest (the image ID) is `manifest.config.digest`. */
  rawConfig(): Promise<Buffer>;
  /** Where this image's layer listings are cached, when its source keeps them. */
  readonly listingCache?: ListingCache;
  /**
   * Registry repositories known to hold a blob of this image, newest first: for a registry's image
   * its own repository, for the store's where it pulled the blob from or pushed it to. A push to
   * one of those registries mounts the blob from there instead of sending its bytes.
   */
  blobSources?(digest: string): Promise<readonly DistributionSource[]>;
}
