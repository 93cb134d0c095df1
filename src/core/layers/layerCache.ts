// Layer listings cached in the store, one file per layer digest, so that the second look at an
// image (or at any image sharing its layers) reads a small JSON file instead of gunzipping the
// layer. A layer blob never changes under its digest, so an entry can only ever be missing, never
// stale; entries are written atomically, so a reader never sees half of one, and two processes
// writing the same entry both write the same bytes.

import { mkdir, readFile } from 'node:fs/promises';
import { writeFileAtomic } from '../store/atomicFile';
import { layerListingDir, layerListingPath } from '../store/derivedFiles';
import type { ListingCache } from '../image/image';
import type { StoreLayout } from '../store/layout';
import type { LayerListing } from './layerListing';
import { decodeListing, encodeListing } from './listingCodec';

/** Where listings live: named by the store (derivedFiles.ts), which removes them with their layer. */
export const layerCacheDir = layerListingDir;
export const layerCachePath = layerListingPath;

/** The cached listing of a layer, or null when there is none (or it is unreadable). */
export async function readCachedListing(layout: StoreLayout, digest: string): Promise<LayerListing | null> {
  let text: string;
  try {
    text = await readFile(layerCachePath(layout, digest), 'utf8');
  } catch {
    return null;
  }
  return decodeListing(digest, text);
}

export async function writeCachedListing(layout: StoreLayout, digest: string, listing: LayerListing): Promise<void> {
  const path = layerCachePath(layout, digest);
  await mkdir(layerCacheDir(layout), { recursive: true });
  await writeFileAtomic(path, encodeListing(digest, listing));
}

/** The store's cache as an image's `listingCache`; a store on a read-only disk just caches nothing. */
export function storeListingCache(layout: StoreLayout): ListingCache {
  return {
    read: (digest) => readCachedListing(layout, digest),
    write: (digest, listing) => writeCachedListing(layout, digest, listing).catch(() => undefined),
  };
}
