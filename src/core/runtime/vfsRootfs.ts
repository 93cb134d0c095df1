// The vfs snapshotter: a full copy of the image's layers per container, as the vfs drivers of
// Docker and podman make one. The layers are unpacked in order into the container's rootfs folder,
// the mount points the runtime needs are made (what Docker's "-init" layer holds), and the tree as
// it then is gets recorded, so that the container's changes are later found by comparing with it.

import { mkdir } from 'node:fs/promises';
import type { LoadedImage } from '../image/summary';
import { throwIfAborted } from '../errors';
import type { BlobStore } from '../store/blobStore';
import { makeMountPoints } from './overlayRootfs';
import { readTree, saveTree } from './treeState';
import { unpackLayerBlob } from './unpackLayer';

export interface PrepareOptions {
  signal?: AbortSignal;
  /** Called before each layer is unpacked. */
  onLayer?: (index: number, count: number) => void;
}

export async function prepareVfsRootfs(blobs: BlobStore, image: LoadedImage, rootfs: string, baseTreeFile: string, options: PrepareOptions = {}): Promise<void> {
  await mkdir(rootfs, { mode: 0o755 });
  const layers = image.manifest.layers;
  for (const [index, layer] of layers.entries()) {
    throwIfAborted(options.signal);
    options.onLayer?.(index, layers.length);
    await unpackLayerBlob(blobs.path(layer.digest), rootfs, { what: `Layer ${index} (${layer.digest})`, ...(options.signal ? { signal: options.signal } : {}) });
  }
  await makeMountPoints(rootfs);
  throwIfAborted(options.signal);
  await saveTree(baseTreeFile, await readTree(rootfs, options.signal));
}
