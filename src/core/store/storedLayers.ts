// What the store says about its own blobs when an image is read out of it (save, copy): a layer
// that is not there or has the wrong size is found before anything is written, and a blob whose
// bytes do not hash to its digest is named with how to repair the store. `purpose` finishes "the
// image cannot be …" as the caller words it: "saved", "copied to Docker at unix:///…".
// A foreign layer (one with `urls`) is checked as any other: every target an image of the store is
// read for (an archive, an OCI folder, an engine's load) needs its bytes; the push to a registry,
// which may not, does not come through here (copyStrategies.ts).

import { StevedoreError } from '../errors';
import type { Descriptor } from '../image/types';
import type { ImageStore } from './imageStore';

/** Fails unless every layer is in the store with its size; `label` names the image. */
export async function checkLayersStored(store: ImageStore, layers: readonly Descriptor[], label: string, purpose = 'saved'): Promise<void> {
  for (const layer of layers) {
    const size = (await store.blobs.info(layer.digest))?.size ?? null;
    if (size === null) {
      throw new StevedoreError('BLOB_NOT_FOUND', `Layer ${layer.digest} of ${label} is not in the store${layer.urls?.length ? ' (a foreign layer, which is never stored)' : ''}, so the image cannot be ${purpose}. Pull it again.`);
    }
    if (size !== layer.size) throw storeBlobCorrupt(layer.digest, `it is ${size} bytes, not ${layer.size}`, purpose);
  }
}

export function storeBlobCorrupt(digest: string, why: string, purpose = 'saved'): StevedoreError {
  return new StevedoreError('STORE_CORRUPT', `Blob ${digest} in the image store is corrupt (${why}); the image was not ${purpose}. Run "stevedore system check --repair", then pull or load the image again.`);
}
