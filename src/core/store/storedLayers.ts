// What the store says about its own blobs when an image is read out of it (save, copy): a layer
// that is not there or has the wrong size is found before anything is written, and a blob whose
// bytes do not hash to its digest is named with how to repair the store.

import { StevedoreError } from '../errors';
import type { Descriptor } from '../image/types';
import type { ImageStore } from './imageStore';

/** Fails unless every layer is in the store with its size; `label` names the image. */
export async function checkLayersStored(store: ImageStore, layers: readonly Descriptor[], label: string): Promise<void> {
  for (const layer of layers) {
    const size = (await store.blobs.info(layer.digest))?.size ?? null;
    if (size === null) {
      throw new StevedoreError('BLOB_NOT_FOUND', `Layer ${layer.digest} of ${label} is not in the store${layer.urls?.length ? ' (a foreign layer, which is never stored)' : ''}, so the image cannot be saved. Pull it again.`);
    }
    if (size !== layer.size) throw storeBlobCorrupt(layer.digest, `it is ${size} bytes, not ${layer.size}`);
  }
}

export function storeBlobCorrupt(digest: string, why: string): StevedoreError {
  return new StevedoreError('STORE_CORRUPT', `Blob ${digest} in the image store is corrupt (${why}); the archive was not completed. Run "stevedore system check --repair", then pull or load the image again.`);
}
