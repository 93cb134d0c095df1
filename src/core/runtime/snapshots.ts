// Read-only layer snapshots for overlayfs, shared by every container: one folder per layer,
// keyed by the layer's chain ID (its diffID and every diffID below it, as containerd's overlay
// snapshotter keys them, because what a layer's whiteouts and links mean depends on the layers
// under it). A layer is unpacked once, onto an overlay mount of the snapshots below it, so that
// its deletions become the kernel's own whiteouts in its folder and links in lower layers are
// followed as the container will see them. Made in a temporary folder and renamed into place, so
// two processes preparing the same layer both end with one complete snapshot.

import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { throwIfAborted } from '../errors';
import type { Image } from '../image/image';
import type { LoadedImage } from '../image/summary';
import type { StoreLayout } from '../store/layout';
import { fitsOverlay, mountOverlay, unmount } from './overlayMount';
import { unpackImageLayer } from './unpackLayer';

export const SNAPSHOT_TEMP_PREFIX = 'tmp-';

export function snapshotsDir(layout: StoreLayout): string {
  return join(layout.privateDir, 'snapshots');
}

/** The OCI chain IDs of a stack of diffIDs, as hex. */
export function chainIds(diffIds: readonly string[]): string[] {
  const out: string[] = [];
  let chain = '';
  for (const diffId of diffIds) {
    chain = chain === '' ? diffId : `sha256:${createHash('sha256').update(`${chain} ${diffId}`).digest('hex')}`;
    out.push(chain.replace(/^sha256:/, ''));
  }
  return out;
}

/** The snapshot folders of an image's layers relative to snapshotsDir, top-most first (overlay's lowerdir order). */
export function lowerDirs(image: LoadedImage): string[] {
  return chainIds(image.config.rootfs.diff_ids).map((id) => `${id}/fs`).reverse();
}

export interface SnapshotOptions {
  signal?: AbortSignal;
  onLayer?: (index: number, count: number) => void;
}

/** Makes the snapshots an image needs that are not there yet; returns lowerDirs(image). */
export async function prepareSnapshots(layout: StoreLayout, image: Image, options: SnapshotOptions = {}): Promise<string[]> {
  const dir = snapshotsDir(layout);
  await mkdir(dir, { recursive: true });
  const chain = chainIds(image.config.rootfs.diff_ids);
  const layers = image.layers;
  for (const [index, layer] of layers.entries()) {
    throwIfAborted(options.signal);
    const final = join(dir, chain[index]!);
    if (await lstat(join(final, 'fs')).catch(() => null)) continue;
    options.onLayer?.(index, layers.length);
    const temp = await mkdtemp(join(dir, `${SNAPSHOT_TEMP_PREFIX}${process.pid}-`));
    try {
      await mkdir(join(temp, 'fs'), { mode: 0o755 });
      const what = { what: `Layer ${index} (${layer.descriptor.digest})`, ...(options.signal ? { signal: options.signal } : {}) };
      if (index === 0) {
        await unpackImageLayer(layer, join(temp, 'fs'), what);
      } else {
        const name = temp.slice(dir.length + 1);
        await mkdir(join(temp, 'work'));
        await mkdir(join(temp, 'merged'));
        const spec = { lowers: chain.slice(0, index).map((id) => `${id}/fs`).reverse(), upper: `${name}/fs`, work: `${name}/work`, target: join(temp, 'merged'), cwd: dir };
        await mountOverlay(spec);
        try {
          await unpackImageLayer(layer, join(temp, 'merged'), what);
        } finally {
          await unmount(join(temp, 'merged'));
        }
        await rm(join(temp, 'work'), { recursive: true, force: true });
        await rm(join(temp, 'merged'), { recursive: true, force: true });
      }
      await rename(temp, final).catch(async (err: NodeJS.ErrnoException) => {
        // Another process finished the same snapshot first: theirs is as good.
        if (err.code !== 'ENOTEMPTY' && err.code !== 'EEXIST') throw err;
      });
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
  }
  return chain.map((id) => `${id}/fs`).reverse();
}

/** Whether an image's layer stack fits one overlay mount made from `dir`. */
export function stackFits(lowers: readonly string[], containerDir: string): boolean {
  return fitsOverlay({ lowers, upper: join(containerDir, 'upper'), work: join(containerDir, 'work'), target: '', cwd: '' });
}
