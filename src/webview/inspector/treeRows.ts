// Which nodes of a file tree are rows on screen: a compact tree (see core/layers/compactTree.ts)
// with a filter and a set of collapsed directories becomes an ascending list of node indices, the
// only thing the virtualised list needs to draw any slice of it. Everything is typed arrays walked
// in node order, so a layer of 100,000 files is re-filtered or re-expanded in a few milliseconds.
// No DOM here, so the unit tests run it in plain Node.

import { filterTree, nodeType, NodeType, subtreeEnds, treeDepths, type CompactTree, type TreeFilter } from '../../core/layers/compactTree';

export class TreeRows {
  readonly tree: CompactTree;
  /** For each node, the index just past its subtree. */
  readonly ends: Int32Array;
  readonly depths: Int32Array;
  /** 1 for a collapsed directory. */
  private collapsed: Uint8Array;
  /** 1 for a node the filter keeps; null when nothing is filtered. */
  private shown: Uint8Array | null = null;
  /** The node index of each row, ascending (node order is depth-first, so rows are too). */
  rows: Int32Array = new Int32Array(0);
  /** Nodes the filter keeps (matches and the directories leading to them), the root excepted. */
  matchCount: number;

  constructor(tree: CompactTree, filter: TreeFilter = {}) {
    this.tree = tree;
    this.ends = subtreeEnds(tree);
    this.depths = treeDepths(tree);
    this.collapsed = new Uint8Array(tree.count);
    this.matchCount = Math.max(0, tree.count - 1);
    this.setFilter(filter);
  }

  get rowCount(): number {
    return this.rows.length;
  }

  /**
   * Applies a filter and expands everything again: a directory collapsed before would otherwise hide
   * the very matches the filter was typed to find.
   */
  setFilter(filter: TreeFilter): void {
    const active = Boolean(filter.text) || Boolean(filter.changesOnly);
    this.shown = active ? filterTree(this.tree, filter) : null;
    let count = 0;
    if (this.shown) for (let i = 1; i < this.tree.count; i++) count += this.shown[i]!;
    else count = Math.max(0, this.tree.count - 1);
    this.matchCount = count;
    this.collapsed = new Uint8Array(this.tree.count);
    this.rebuild();
  }

  isDirectory(node: number): boolean {
    return nodeType(this.tree.flags[node]!) === NodeType.dir;
  }

  /** Whether the node has children that the filter keeps (what decides if it shows a twisty). */
  hasChildren(node: number): boolean {
    const end = this.ends[node]!;
    if (end <= node + 1) return false;
    if (!this.shown) return true;
    for (let c = node + 1; c < end; c = this.ends[c]!) if (this.shown[c] === 1) return true;
    return false;
  }

  isExpanded(node: number): boolean {
    return this.collapsed[node] === 0;
  }

  /** Expands or collapses a directory; returns false when the node has nothing to expand. */
  setExpanded(node: number, expanded: boolean): boolean {
    if (!this.hasChildren(node) || this.isExpanded(node) === expanded) return false;
    this.collapsed[node] = expanded ? 0 : 1;
    this.rebuild();
    return true;
  }

  expandAll(): void {
    this.collapsed.fill(0);
    this.rebuild();
  }

  /** Collapses every directory, so that only the top level shows. */
  collapseAll(): void {
    for (let i = 1; i < this.tree.count; i++) this.collapsed[i] = this.ends[i]! > i + 1 ? 1 : 0;
    this.rebuild();
  }

  /** Expands the ancestors of `node`, so that it has a row; returns its row (or -1 if filtered out). */
  reveal(node: number): number {
    let changed = false;
    for (let p = this.tree.parent[node]!; p > 0; p = this.tree.parent[p]!) {
      if (this.collapsed[p] === 1) {
        this.collapsed[p] = 0;
        changed = true;
      }
    }
    if (changed) this.rebuild();
    return this.rowOf(node);
  }

  /** The row showing `node`, or -1 when it has none (binary search: rows ascend). */
  rowOf(node: number): number {
    let lo = 0;
    let hi = this.rows.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const value = this.rows[mid]!;
      if (value === node) return mid;
      if (value < node) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** The node's parent, or -1 for a top-level node (the root has no row). */
  parentOf(node: number): number {
    const p = this.tree.parent[node]!;
    return p > 0 ? p : -1;
  }

  private rebuild(): void {
    const { count } = this.tree;
    const out = new Int32Array(Math.max(0, count - 1));
    let n = 0;
    const shown = this.shown;
    // Node 0 is the root, never a row: the top level is its children.
    for (let i = 1; i < count; ) {
      if (shown && shown[i] === 0) {
        // Nothing below a node the filter drops is kept either (filterTree keeps ancestors of matches).
        i = this.ends[i]!;
        continue;
      }
      out[n++] = i;
      i = this.collapsed[i] === 1 ? this.ends[i]! : i + 1;
    }
    this.rows = out.subarray(0, n);
  }
}
