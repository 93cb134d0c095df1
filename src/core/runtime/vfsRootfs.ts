// The vfs snapshotter: a full copy of the image's layers per container, as the vfs drivers of
// Docker and podman make one. The layers are unpacked in order into the container's rootfs folder,
// the mount points the runtime needs are made (what Docker's "-init" layer holds), and the tree as
// it then is gets recorded, so that the container's changes are later found by comparing with it.

import { mkdir } from 'node:fs/promises';
import type { Image } from '../image/image';
import { throwIfAborted } from '../errors';
import { makeMountPoints } from './overlayRootfs';
import { readTree, saveTree } from './treeState';
import { unpackImageLayer } from './unpackLayer';

export interface PrepareOptions {
  signal?: AbortSignal;
  /** Called before each layer is unpacked. */
  onLayer?: (index: number, count: number) => void;
}

export async function prepareVfsRootfs(image: Image, rootfs: string, baseTreeFile: string, options: PrepareOptions = {}): Promise<void> {
  await mkdir(rootfs, { mode: 0o755 });
  const layers = image.layers;
  for (const layer of layers) {
    throwIfAborted(options.signal);
    options.onLayer?.(layer.index, layers.length);
    await unpackImageLayer(layer, rootfs, { what: `Layer ${layer.index} (${layer.descriptor.digest})`, ...(options.signal ? { signal: options.signal } : {}) });
  }
  await makeMountPoints(rootfs);
  throwIfAborted(options.signal);
  await saveTree(baseTreeFile, await readTree(rootfs, options.signal));
}
