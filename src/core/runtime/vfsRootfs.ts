// The vfs snapshotter: a full copy of the image's layers per container, as the vfs drivers of
// Docker and podman make one. The layers are unpacked in order into the container's rootfs folder,
// the mount points the runtime needs are made (what Docker's "-init" layer holds), and the tree as
// it then is gets recorded, so that the container's changes are later found by comparing with it.

import { lstat, mkdir, writeFile } from 'node:fs/promises';
import type { LoadedImage } from '../image/summary';
import { throwIfAborted } from '../errors';
import type { BlobStore } from '../store/blobStore';
import { scopedPath } from './scopedPath';
import { readTree, saveTree } from './treeState';
import { unpackLayerBlob } from './unpackLayer';

const MOUNT_DIRS = ['proc', 'sys', 'dev', 'etc'];
const MOUNT_FILES = ['etc/hosts', 'etc/hostname', 'etc/resolv.conf'];

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
  for (const dir of MOUNT_DIRS) {
    const path = await scopedPath(rootfs, dir);
    if (!(await lstat(path).catch(() => null))) await mkdir(path, { mode: 0o755, recursive: true });
  }
  for (const file of MOUNT_FILES) {
    const path = await scopedPath(rootfs, file);
    if (!(await lstat(path).catch(() => null))) await writeFile(path, '', { mode: 0o644 });
  }
  throwIfAborted(options.signal);
  await saveTree(baseTreeFile, await readTree(rootfs, options.signal));
}
