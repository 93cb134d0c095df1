// What a root filesystem looked like: every path's type, permission bits, owner, size, times, device
// number and link target, recorded when a container's root filesystem is prepared. Comparing the
// tree after the container ran with this record gives its changes the way Docker's vfs driver finds
// them (moby's pkg/archive changes.go): by lstat, not by content.

import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { throwIfAborted } from '../errors';
import { writeFileAtomic } from '../store/atomicFile';

export interface NodeState {
  /** The file type bits of st_mode with the permission bits: the whole st_mode. */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Modification time in nanoseconds, as a decimal string (beyond a double's precision). */
  mtime: string;
  rdev: number;
  /** Symbolic link target. */
  link?: string;
}

/** Path (relative, no leading slash) → state; a folder's children follow it in byte order. */
export type TreeState = Map<string, NodeState>;

export const S_IFMT = 0o170000;
export const S_IFDIR = 0o040000;
export const S_IFREG = 0o100000;
export const S_IFLNK = 0o120000;

export async function stateOf(hostPath: string): Promise<NodeState> {
  const info = await lstat(hostPath, { bigint: true });
  const state: NodeState = { mode: Number(info.mode), uid: Number(info.uid), gid: Number(info.gid), size: Number(info.size), mtime: info.mtimeNs.toString(), rdev: Number(info.rdev) };
  if ((state.mode & S_IFMT) === S_IFLNK) state.link = await readlink(hostPath);
  return state;
}

export async function readTree(root: string, signal?: AbortSignal): Promise<TreeState> {
  const tree: TreeState = new Map();
  const walk = async (rel: string): Promise<void> => {
    const names = (await readdir(rel ? join(root, rel) : root)).sort(byteOrder);
    for (const name of names) {
      throwIfAborted(signal);
      const childRel = rel ? `${rel}/${name}` : name;
      const state = await stateOf(join(root, childRel));
      tree.set(childRel, state);
      if ((state.mode & S_IFMT) === S_IFDIR) await walk(childRel);
    }
  };
  await walk('');
  return tree;
}

export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

export async function saveTree(path: string, tree: TreeState): Promise<void> {
  await writeFileAtomic(path, JSON.stringify([...tree]));
}

export async function loadTree(path: string): Promise<TreeState> {
  return new Map(JSON.parse(await readFile(path, 'utf8')) as [string, NodeState][]);
}
