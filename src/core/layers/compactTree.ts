// The file tree of one layer, or of the merged filesystem after a layer, in the shape the inspector
// webview (and `stevedore layers --json`) consume: columns instead of an object per node, so that a
// layer with 100,000 files is a few megabytes of JSON, is cloned across the webview boundary
// quickly, and can be rendered by index (only the visible rows) without building nodes first.
//
// This file imports nothing, so the webview bundle can use the helpers below as they are.

export const TREE_FORMAT = 'stevedore.tree.v1';

/** Node types: the low three bits of `flags`. */
export const NodeType = {
  file: 0,
  dir: 1,
  symlink: 2,
  hardlink: 3,
  charDevice: 4,
  blockDevice: 5,
  fifo: 6,
} as const;

export type NodeTypeCode = (typeof NodeType)[keyof typeof NodeType];

/** What the layer did to a node, relative to the layers below it: bits 3–4 of `flags`. */
export const ChangeStatus = {
  /** Not touched by the layer, or listed again exactly as it was (same type, content, mode, owner, link). */
  unmodified: 0,
  added: 1,
  modified: 2,
  /** Deleted by a whiteout, hidden by an opaque directory, or replaced along with a directory. */
  deleted: 3,
} as const;

export type ChangeStatusCode = (typeof ChangeStatus)[keyof typeof ChangeStatus];

export const NodeFlag = {
  typeMask: 0b111,
  statusShift: 3,
  statusMask: 0b11 << 3,
  /** The layer's tar has an entry for this node (a whiteout counts). */
  listed: 1 << 5,
  /** A directory the layer needed for its entries but did not list; shown as 0755 root:root. */
  implicit: 1 << 6,
  /** A directory the layer made opaque (`.wh..wh..opq`): nothing from lower layers shows through it. */
  opaque: 1 << 7,
  /** A directory with added, modified or deleted nodes somewhere below it. */
  changedBelow: 1 << 8,
} as const;

export interface CompactTree {
  format: typeof TREE_FORMAT;
  /** `layer`: what the layer itself holds and deletes; `merged`: the union filesystem after the layer. */
  view: 'layer' | 'merged';
  /** Index of the layer (0 is the base layer). */
  layer: number;
  /** Number of nodes. Node 0 is the root (name ''). */
  count: number;
  /**
   * Index of each node's parent (-1 for the root). Nodes are in depth-first order with children
   * sorted by name, so a parent always comes before its children and a node's subtree is the run
   * of nodes that follows it (see subtreeEnds).
   */
  parent: number[];
  name: string[];
  /**
   * Files: content bytes. Directories: the bytes of the files below them, counting deleted files
   * only under a deleted directory (as dive shows sizes). Deleted nodes: the bytes that were deleted.
   */
  size: number[];
  /** Type, status and marks: see NodeFlag. */
  flags: number[];
  /** Permission bits (mode & 0o7777). */
  mode: number[];
  uid: number[];
  gid: number[];
  /** The layer whose version of the node is shown (for a deleted node, the layer it came from); -1 when none. */
  source: number[];
  /** Link targets by node index: symlinks as written, hard links as paths from the root. */
  links: [number, string][];
}

export function nodeType(flags: number): NodeTypeCode {
  return (flags & NodeFlag.typeMask) as NodeTypeCode;
}

export function nodeStatus(flags: number): ChangeStatusCode {
  return ((flags & NodeFlag.statusMask) >> NodeFlag.statusShift) as ChangeStatusCode;
}

export function isChange(flags: number): boolean {
  return (flags & NodeFlag.statusMask) !== 0;
}

/** The node's absolute path, e.g. `/usr/bin/env` ('/' for the root). */
export function treePath(tree: CompactTree, index: number): string {
  const names: string[] = [];
  for (let i = index; i > 0; i = tree.parent[i]!) names.push(tree.name[i]!);
  return `/${names.reverse().join('/')}`;
}

/** Depth of every node (the root is 0). */
export function treeDepths(tree: CompactTree): Int32Array {
  const depth = new Int32Array(tree.count);
  for (let i = 1; i < tree.count; i++) depth[i] = depth[tree.parent[i]!]! + 1;
  return depth;
}

/** For every node, the index just past its subtree: collapsing node i skips to subtreeEnds[i]. */
export function subtreeEnds(tree: CompactTree): Int32Array {
  const end = new Int32Array(tree.count);
  for (let i = tree.count - 1; i >= 0; i--) {
    if (end[i] === 0) end[i] = i + 1;
    const p = tree.parent[i]!;
    if (p >= 0 && end[p]! < end[i]!) end[p] = end[i]!;
  }
  return end;
}

export interface TreeFilter {
  /** Keep nodes whose path contains this text (case-insensitive), with their ancestors. */
  text?: string;
  /** Keep only added, modified and deleted nodes, with their ancestors. */
  changesOnly?: boolean;
}

/**
 * Which nodes a filtered view shows (1 = shown): the nodes that match, and the directories that
 * lead to them. The root is always shown. Linear in the number of nodes.
 */
export function filterTree(tree: CompactTree, filter: TreeFilter): Uint8Array {
  const shown = new Uint8Array(tree.count);
  const needle = filter.text?.toLowerCase() ?? '';
  // Path text is built once per node, from the parent's, only when a text filter needs it.
  const paths: string[] | undefined = needle ? new Array<string>(tree.count) : undefined;
  if (paths) paths[0] = '';
  for (let i = 0; i < tree.count; i++) {
    if (paths && i > 0) paths[i] = `${paths[tree.parent[i]!]}/${tree.name[i]!.toLowerCase()}`;
    let match = true;
    if (filter.changesOnly && !isChange(tree.flags[i]!)) match = false;
    if (match && paths && !paths[i]!.includes(needle)) match = false;
    if (!match || shown[i] === 1) continue;
    for (let a = i; a >= 0 && shown[a] === 0; a = tree.parent[a]!) shown[a] = 1;
  }
  shown[0] = 1;
  return shown;
}

/** `ls -l`'s mode column: `drwxr-xr-x`, `-rwsr-xr-x`, `lrwxrwxrwx`… */
export function formatMode(type: NodeTypeCode, mode: number): string {
  const letter = ['-', 'd', 'l', '-', 'c', 'b', 'p'][type] ?? '?';
  const triplet = (bits: number, special: boolean, specialChar: string): string => {
    const r = bits & 4 ? 'r' : '-';
    const w = bits & 2 ? 'w' : '-';
    const x = bits & 1 ? (special ? specialChar : 'x') : special ? specialChar.toUpperCase() : '-';
    return r + w + x;
  };
  return (
    letter +
    triplet((mode >> 6) & 7, (mode & 0o4000) !== 0, 's') +
    triplet((mode >> 3) & 7, (mode & 0o2000) !== 0, 's') +
    triplet(mode & 7, (mode & 0o1000) !== 0, 't')
  );
}
