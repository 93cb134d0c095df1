// What a root filesystem looked like: every path's type, permission bits, owner, size, times, device
// number, link target and the extended attributes a layer keeps (fileXattrs.ts), recorded when a
// container's root filesystem is prepared. Comparing the tree after the container ran with this
// record gives its changes the way Docker's vfs driver finds them (moby's pkg/archive changes.go):
// by lstat and attributes (moby compares file capabilities), not by content.

import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { throwIfAborted } from '../errors';
import { writeFileAtomic } from '../store/atomicFile';
import { xattrsBelow, type XattrValues } from './fileXattrs';

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
  /** The kept extended attributes, when there are any. */
  xattrs?: XattrValues;
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

/**
 * Many lstat calls at once: the walk of a Debian base (7,000 entries) per RUN step was one
 * thread-pool round trip after another. The result is the same map, in the same order.
 */
const STATS_IN_FLIGHT = 64;

interface WalkedNode {
  rel: string;
  state: NodeState;
  children?: WalkedNode[];
}

export async function readTree(root: string, signal?: AbortSignal): Promise<TreeState> {
  const limited = limiter(STATS_IN_FLIGHT);
  const walk = async (rel: string): Promise<WalkedNode[]> => {
    const names = (await limited(() => readdir(rel ? join(root, rel) : root))).sort(byteOrder);
    throwIfAborted(signal);
    return Promise.all(
      names.map(async (name): Promise<WalkedNode> => {
        const childRel = rel ? `${rel}/${name}` : name;
        const state = await limited(() => stateOf(join(root, childRel)));
        return (state.mode & S_IFMT) === S_IFDIR ? { rel: childRel, state, children: await walk(childRel) } : { rel: childRel, state };
      }),
    );
  };
  // One getfattr over the whole tree, while the walk runs: a process per file would cost more than the walk.
  const [nodes, xattrs] = await Promise.all([walk(''), xattrsBelow(root, signal)]);
  const tree: TreeState = new Map();
  const place = (list: readonly WalkedNode[]): void => {
    for (const node of list) {
      const values = xattrs.get(node.rel);
      tree.set(node.rel, values ? { ...node.state, xattrs: values } : node.state);
      if (node.children) place(node.children);
    }
  };
  place(nodes);
  return tree;
}

/** Runs at most `max` of the given calls at a time. */
function limiter(max: number): <T>(call: () => Promise<T>) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (call) => {
    if (running >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    running++;
    try {
      return await call();
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
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
