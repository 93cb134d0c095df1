// Layer snapshots (snapshots.ts) no longer needed: those that no container's root filesystem
// stacks and no image in the store would stack. Snapshots of images still in the store are kept,
// as containerd keeps an image's unpacked snapshots, so the next run of the image does not unpack
// it again; removing the image (rmi, image prune) or the last container of a removed image frees
// them at the next garbage collection or `system check --repair`.
//
// Runs under the store lock: a container's record (with its Lowers) is written under that lock
// before its snapshots are prepared, so a snapshot being prepared is always seen as in use. A
// snapshot is renamed out of sight (to a temporary name containing this process's ID) before it
// is deleted, so a collection killed part-way leaves a half-deleted temporary that `system check
// --repair` removes, never a damaged snapshot under its real name.

import { readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeJsonObject } from '../image/imageDocuments';
import { storedDocument } from '../image/summary';
import type { ImageIndex } from '../image/types';
import type { ContentStore } from '../store/contentStore';
import type { StoreLayout } from '../store/layout';
import { listContainers } from './containerRecord';
import { removeTree } from './removeTree';
import { chainIds, SNAPSHOT_TEMP_PREFIX, snapshotsDir } from './snapshots';

const SNAPSHOT_NAME = /^[a-f0-9]{64}$/;

/**
 * The snapshots (chain IDs) nothing uses, or undefined when that cannot be told (an image's
 * manifest or config is unreadable: then nothing is removed).
 */
export async function unusedSnapshots(blobs: ContentStore, layout: StoreLayout, index: ImageIndex): Promise<string[] | undefined> {
  const present = (await readdir(snapshotsDir(layout)).catch(() => [] as string[])).filter((n) => SNAPSHOT_NAME.test(n));
  if (present.length === 0) return [];
  const used = await snapshotsInUse(blobs, layout, index);
  if (!used) return undefined;
  return present.filter((id) => !used.has(id));
}

async function snapshotsInUse(blobs: ContentStore, layout: StoreLayout, index: ImageIndex): Promise<Set<string> | undefined> {
  const used = new Set<string>();
  for (const c of await listContainers(layout)) for (const lower of c.Lowers ?? []) used.add(lower.split('/')[0]!);
  const visit = async (digest: string, depth: number): Promise<boolean> => {
    let doc: { manifests?: { digest: string }[]; config?: { digest: string } };
    try {
      doc = decodeJsonObject(await blobs.readSmall(digest), storedDocument('Manifest', digest)) as typeof doc;
    } catch {
      return false;
    }
    if (Array.isArray(doc.manifests)) {
      for (const child of doc.manifests) {
        // Platforms another tool did not keep are not damage (as in garbageCollect.ts).
        if (depth < 4 && (await blobs.has(child.digest)) && !(await visit(child.digest, depth + 1))) return false;
      }
      return true;
    }
    if (!doc.config?.digest) return true;
    try {
      const config = decodeJsonObject(await blobs.readSmall(doc.config.digest), storedDocument('Config', doc.config.digest)) as { rootfs?: { diff_ids?: unknown } };
      const diffIds = Array.isArray(config.rootfs?.diff_ids) ? config.rootfs.diff_ids.filter((d): d is string => typeof d === 'string') : [];
      for (const id of chainIds(diffIds)) used.add(id);
      return true;
    } catch {
      return false;
    }
  };
  for (const entry of index.manifests) if (!(await visit(entry.digest, 0))) return undefined;
  return used;
}

/** Removes the given snapshots; returns the paths removed. */
export async function removeSnapshots(layout: StoreLayout, ids: readonly string[]): Promise<string[]> {
  const dir = snapshotsDir(layout);
  const removed: string[] = [];
  for (const id of ids) {
    const aside = join(dir, `${SNAPSHOT_TEMP_PREFIX}${process.pid}-gc-${id}`);
    try {
      await rename(join(dir, id), aside);
    } catch {
      continue; // gone already
    }
    // A rootless user's snapshot holds files of its subordinate ids: removeTree takes care of them.
    await removeTree(aside);
    removed.push(join(dir, id));
  }
  return removed;
}

/** Garbage collection's part: removes every snapshot nothing uses; returns the paths removed. */
export async function collectSnapshots(blobs: ContentStore, layout: StoreLayout, index: ImageIndex): Promise<string[]> {
  const unused = await unusedSnapshots(blobs, layout, index);
  return unused ? removeSnapshots(layout, unused) : [];
}
