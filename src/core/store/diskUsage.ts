// What `system df` reports: the bytes the store's images occupy on disk (blobs as stored), each
// blob counted once however many images share it, and per image how much of it is shared.

import { isCancelled, throwIfAborted } from '../errors';
import type { ImageRecord, ImageStore } from './imageStore';

export interface ImageDiskUsage {
  record: ImageRecord;
  /** Bytes of the image's blobs (index, manifest, config, layers) as stored. */
  size: number;
  /** Bytes of those blobs that another image uses too. */
  sharedSize: number;
}

export interface DiskUsage {
  images: ImageDiskUsage[];
  /** Bytes of every blob some image uses, each counted once. */
  totalSize: number;
}

export async function diskUsage(store: ImageStore, options: { signal?: AbortSignal } = {}): Promise<DiskUsage> {
  const records = await store.list();
  const blobsOf = new Map<ImageRecord, Map<string, number>>();
  const users = new Map<string, number>();
  for (const record of records) {
    throwIfAborted(options.signal);
    const blobs = new Map<string, number>([[record.manifestDigest, record.manifestSize]]);
    try {
      const { manifestDescriptor, manifest } = await store.load(record);
      blobs.set(manifestDescriptor.digest, manifestDescriptor.size);
      blobs.set(manifest.config.digest, manifest.config.size);
      for (const layer of manifest.layers) blobs.set(layer.digest, layer.size);
    } catch (err) {
      if (isCancelled(err)) throw err;
      // An image that cannot be read counts what its summary knows; `system check` reports it.
    }
    blobsOf.set(record, blobs);
    for (const digest of blobs.keys()) users.set(digest, (users.get(digest) ?? 0) + 1);
  }
  const counted = new Map<string, number>();
  const images = records.map((record) => {
    const blobs = blobsOf.get(record)!;
    let size = 0;
    let sharedSize = 0;
    for (const [digest, bytes] of blobs) {
      size += bytes;
      if ((users.get(digest) ?? 0) > 1) sharedSize += bytes;
      counted.set(digest, bytes);
    }
    return { record, size, sharedSize };
  });
  const totalSize = [...counted.values()].reduce((a, b) => a + b, 0);
  return { images, totalSize };
}
