// A container's root filesystem on overlayfs: the image's layer snapshots (snapshots.ts) as
// read-only lower folders shared by every container, and the container's own upper and work
// folders. Mounted only while something needs it (the run, a diff, a commit); the tree it starts
// from is recorded once, when the container is made.

import { lstat, mkdir, writeFile } from 'node:fs/promises';
import { throwIfAborted } from '../errors';
import type { Image } from '../image/image';
import type { StoreLayout } from '../store/layout';
import type { ContainerPaths } from './containerRecord';
import { isMounted, mountOverlay, unmount } from './overlayMount';
import { scopedPath } from './scopedPath';
import { prepareSnapshots, snapshotsDir } from './snapshots';
import { readTree, saveTree } from './treeState';

export const MOUNT_DIRS = ['proc', 'sys', 'dev', 'etc'];
export const MOUNT_FILES = ['etc/hosts', 'etc/hostname', 'etc/resolv.conf'];

/** Makes the folders the runtime mounts over (what Docker's "-init" layer holds). */
export async function makeMountPoints(rootfs: string): Promise<void> {
  for (const dir of MOUNT_DIRS) {
    const path = await scopedPath(rootfs, dir);
    if (!(await lstat(path).catch(() => null))) await mkdir(path, { mode: 0o755, recursive: true });
  }
  for (const file of MOUNT_FILES) {
    const path = await scopedPath(rootfs, file);
    if (!(await lstat(path).catch(() => null))) await writeFile(path, '', { mode: 0o644 });
  }
}

export async function prepareOverlayRootfs(
  layout: StoreLayout,
  image: Image,
  paths: ContainerPaths,
  options: { signal?: AbortSignal; onLayer?: (index: number, count: number) => void } = {},
): Promise<string[]> {
  const lowers = await prepareSnapshots(layout, image, options);
  await mkdir(paths.upper, { mode: 0o755 });
  await mkdir(paths.work, { mode: 0o700 });
  await mkdir(paths.rootfs, { mode: 0o755 });
  await withOverlay(layout, paths, lowers, async () => {
    await makeMountPoints(paths.rootfs);
    throwIfAborted(options.signal);
    await saveTree(paths.baseTree, await readTree(paths.rootfs, options.signal));
  });
  return lowers;
}

/** Runs `fn` with the container's root filesystem mounted (and unmounts it after, if it mounted it). */
export async function withOverlay<T>(layout: StoreLayout, paths: ContainerPaths, lowers: readonly string[], fn: () => Promise<T>): Promise<T> {
  if (await isMounted(paths.rootfs)) return fn();
  await mountOverlay({ lowers, upper: paths.upper, work: paths.work, target: paths.rootfs, cwd: snapshotsDir(layout) });
  try {
    return await fn();
  } finally {
    await unmount(paths.rootfs);
  }
}

