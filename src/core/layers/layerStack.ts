// The union filesystem, built the way a container runtime stacks layers: each layer's whiteouts and
// opaque directories delete from the layers below it first (the OCI image spec makes them apply to
// lower layers only, whatever their position in the tar), then its entries are placed, creating
// missing parent directories and replacing what was there. Along the way it records, per path,
// what the layer changed (for statuses), which bytes become invisible (wasted), and the figures
// dive's efficiency score needs.
//
// State lives in typed arrays indexed by path id (see pathTable.ts), so a stack of layers with
// hundreds of thousands of files replays in tens of milliseconds and allocates almost nothing per
// entry. A stack is replayed from the cached listings whenever a layer's view is needed.

import { ChangeStatus } from './compactTree';
import { EntryKind, type LayerListing } from './layerListing';
import { growFloat64, growInt32, growUint8, PathTable } from './pathTable';

/** A node the layer touched but that neither existed before nor after it (a file it added and then replaced). */
export const TRANSIENT = -1;

export interface LayerChangeStats {
  /** Tar entries, whiteouts and opaque markers included. */
  entries: number;
  added: number;
  modified: number;
  /** Entries listed again without any change (typically parent directories). */
  unmodified: number;
  deleted: number;
  /** Content bytes of the files the layer adds. */
  addedBytes: number;
  /** Content bytes of the new versions of the files the layer modifies. */
  modifiedBytes: number;
  /** Content bytes of the lower files the layer deletes. */
  deletedBytes: number;
  /** Content bytes of all regular files in the layer's tar. */
  contentBytes: number;
  /** Bytes of this layer's files that later layers overwrite or delete: stored, never seen. */
  wastedBytes: number;
  /** Bytes of lower layers' files that this layer overwrites or deletes. */
  hidesBytes: number;
}

function emptyStats(entries: number): LayerChangeStats {
  return { entries, added: 0, modified: 0, unmodified: 0, deleted: 0, addedBytes: 0, modifiedBytes: 0, deletedBytes: 0, contentBytes: 0, wastedBytes: 0, hidesBytes: 0 };
}

/** The id of each entry's path in `table`, interning the paths not seen before. */
export function pathIds(table: PathTable, listing: LayerListing): Int32Array {
  const ids = new Int32Array(listing.paths.length);
  for (let i = 0; i < ids.length; i++) ids[i] = table.intern(listing.paths[i]!);
  return ids;
}

const DIR = EntryKind.dir;
const DEFAULT_DIR_MODE = 0o755;

export class LayerStack {
  readonly table: PathTable;
  /** Stats of every layer applied so far; a layer's wastedBytes grows as later layers apply. */
  readonly stats: LayerChangeStats[] = [];
  /** Bytes made invisible so far, over all layers. */
  wastedBytes = 0;

  // The merged filesystem, per path id.
  present = new Uint8Array(0);
  kind = new Uint8Array(0);
  /** A directory that exists only because an entry below it needed it. */
  implicit = new Uint8Array(0);
  size = new Float64Array(0);
  mode = new Int32Array(0);
  uid = new Float64Array(0);
  gid = new Float64Array(0);
  /** The layer whose version is visible. */
  source = new Int32Array(0);
  link: string[] = [];
  fingerprint: string[] = [];

  // What each path was before the current layer, captured the first time the layer touches it.
  beforePresent = new Uint8Array(0);
  beforeKind = new Uint8Array(0);
  beforeImplicit = new Uint8Array(0);
  beforeSize = new Float64Array(0);
  beforeMode = new Int32Array(0);
  beforeUid = new Float64Array(0);
  beforeGid = new Float64Array(0);
  beforeSource = new Int32Array(0);
  beforeLink: string[] = [];
  beforeFingerprint: string[] = [];

  // Marks of the current layer: equal to `generation` when set during it.
  touchedAt = new Int32Array(0);
  listedAt = new Int32Array(0);
  whiteoutAt = new Int32Array(0);
  opaqueAt = new Int32Array(0);
  private parentAt = new Int32Array(0);
  private leafAt = new Int32Array(0);
  private whiteoutLeafAt = new Int32Array(0);
  /** Size of the layer's last entry for a path, and the size dive gives a whiteout. */
  private entrySize = new Float64Array(0);
  private whiteoutSize = new Float64Array(0);

  // Over the whole image, per path id.
  /** Bytes of this path's versions that were overwritten or deleted. */
  wastedByPath = new Float64Array(0);
  /** How many of this path's versions were overwritten or deleted. */
  hiddenVersions = new Int32Array(0);
  /** dive's EfficiencyData: cumulative and smallest size seen per path, and how often seen. */
  diveCumulative = new Float64Array(0);
  diveMinimum = new Float64Array(0);
  diveCount = new Int32Array(0);

  /** The paths the current layer touched, in the order first touched. */
  touched = new Int32Array(1024);
  touchedCount = 0;
  /** 1 + the index of the layer being applied (0 before the first), so fresh marks never match. */
  generation = 0;
  private capacity = 0;
  private stack = new Int32Array(1024);

  /** Stacks replayed for the same image can share one table, so that paths are interned once. */
  constructor(table: PathTable = new PathTable()) {
    this.table = table;
  }

  get layerCount(): number {
    return this.stats.length;
  }

  /** Index of the layer applied last; its changes are what statusOf reports. */
  get currentLayer(): number {
    return this.stats.length - 1;
  }

  /**
   * Applies the next layer on top of the stack and returns its stats. `ids` are the listing's path
   * ids in this stack's table, when already known (see pathIds).
   */
  apply(listing: LayerListing, ids: Int32Array = pathIds(this.table, listing)): LayerChangeStats {
    const layer = this.stats.length;
    const count = listing.paths.length;
    const stats = emptyStats(count);
    this.stats.push(stats);
    this.generation = layer + 1;
    this.touchedCount = 0;
    this.ensureCapacity(this.table.size);

    const { kinds, sizes } = listing;
    // Deletions first: whiteouts, then opaque directories; both hide only what lower layers made.
    for (let i = 0; i < count; i++) {
      if (kinds[i] !== EntryKind.whiteout) continue;
      const id = ids[i]!;
      this.touch(id);
      this.whiteoutAt[id] = this.generation;
      const wasDir = this.present[id] === 1 && this.kind[id] === DIR;
      const removed = this.present[id] === 1 ? this.removeSubtree(id) : 0;
      // dive sizes a whiteout by the directory it deletes, and a deleted file as 0.
      this.whiteoutSize[id] = wasDir ? removed : 0;
    }
    for (let i = 0; i < count; i++) {
      if (kinds[i] !== EntryKind.opaque) continue;
      const id = ids[i]!;
      if (id !== 0) {
        this.ensureParents(id);
        if (this.present[id] === 0 || this.kind[id] !== DIR) this.placeImplicitDir(id);
      }
      this.opaqueAt[id] = this.generation;
      this.removeChildren(id);
    }
    // Then the layer's own entries, in tar order; a later entry for the same path wins.
    for (let i = 0; i < count; i++) {
      const kind = kinds[i]!;
      if (kind === EntryKind.whiteout || kind === EntryKind.opaque) continue;
      const id = ids[i]!;
      this.ensureParents(id);
      this.place(id, listing, i);
      stats.contentBytes += sizes[i]!;
    }
    this.registerDiveLeaves(listing, ids);
    this.countChanges(stats);
    return stats;
  }

  /** What the last applied layer did to `id`: a ChangeStatus, or TRANSIENT. */
  statusOf(id: number): number {
    if (this.touchedAt[id] !== this.generation) return ChangeStatus.unmodified;
    const was = this.beforePresent[id] === 1;
    const is = this.present[id] === 1;
    if (is && !was) return ChangeStatus.added;
    if (was && !is) return ChangeStatus.deleted;
    if (!was && !is) return this.whiteoutAt[id] === this.generation ? ChangeStatus.deleted : TRANSIENT;
    return this.sameAsBefore(id) ? ChangeStatus.unmodified : ChangeStatus.modified;
  }

  /** dive's score: the smallest size seen of each path over the sum of every size seen (1 when empty). */
  diveEfficiency(): { score: number; inefficientBytes: number } {
    let minimum = 0;
    let cumulative = 0;
    let inefficientBytes = 0;
    for (let id = 0; id < this.table.size; id++) {
      const seen = this.diveCount[id]!;
      if (seen === 0) continue;
      minimum += this.diveMinimum[id]!;
      cumulative += this.diveCumulative[id]!;
      if (seen >= 2) inefficientBytes += this.diveCumulative[id]!;
    }
    return { score: cumulative === 0 ? 1 : minimum / cumulative, inefficientBytes };
  }

  private sameAsBefore(id: number): boolean {
    return (
      this.kind[id] === this.beforeKind[id] &&
      this.size[id] === this.beforeSize[id] &&
      this.mode[id] === this.beforeMode[id] &&
      this.uid[id] === this.beforeUid[id] &&
      this.gid[id] === this.beforeGid[id] &&
      this.link[id] === this.beforeLink[id] &&
      this.fingerprint[id] === this.beforeFingerprint[id]
    );
  }

  private countChanges(stats: LayerChangeStats): void {
    for (let t = 0; t < this.touchedCount; t++) {
      const id = this.touched[t]!;
      switch (this.statusOf(id)) {
        case ChangeStatus.added:
          stats.added++;
          if (this.kind[id] !== DIR) stats.addedBytes += this.size[id]!;
          break;
        case ChangeStatus.modified:
          stats.modified++;
          if (this.kind[id] !== DIR) stats.modifiedBytes += this.size[id]!;
          break;
        case ChangeStatus.deleted:
          stats.deleted++;
          if (this.beforePresent[id] === 1 && this.beforeKind[id] !== DIR) stats.deletedBytes += this.beforeSize[id]!;
          break;
        case ChangeStatus.unmodified:
          stats.unmodified++;
          break;
      }
    }
  }

  /** Records what `id` was before this layer, the first time this layer touches it. */
  private touch(id: number): void {
    if (this.touchedAt[id] === this.generation) return;
    this.touchedAt[id] = this.generation;
    this.beforePresent[id] = this.present[id]!;
    this.beforeKind[id] = this.kind[id]!;
    this.beforeImplicit[id] = this.implicit[id]!;
    this.beforeSize[id] = this.size[id]!;
    this.beforeMode[id] = this.mode[id]!;
    this.beforeUid[id] = this.uid[id]!;
    this.beforeGid[id] = this.gid[id]!;
    this.beforeSource[id] = this.source[id]!;
    this.beforeLink[id] = this.link[id]!;
    this.beforeFingerprint[id] = this.fingerprint[id]!;
    if (this.touchedCount === this.touched.length) this.touched = growInt32(this.touched, this.touched.length * 2);
    this.touched[this.touchedCount++] = id;
  }

  /** A version of `id` stops being visible: its bytes are wasted, charged to the layer that stored them. */
  private hide(id: number): void {
    if (this.kind[id] === DIR) return;
    this.hiddenVersions[id]!++;
    const bytes = this.size[id]!;
    if (bytes === 0) return;
    this.wastedByPath[id]! += bytes;
    this.wastedBytes += bytes;
    this.stats[this.source[id]!]!.wastedBytes += bytes;
    this.stats[this.generation - 1]!.hidesBytes += bytes;
  }

  /** Removes `id` and everything under it; returns the content bytes removed. */
  private removeSubtree(root: number): number {
    let removed = 0;
    let top = 0;
    this.stack[top++] = root;
    while (top > 0) {
      const id = this.stack[--top]!;
      if (this.present[id] === 0) continue;
      this.touch(id);
      if (this.kind[id] === DIR) {
        for (let c = this.table.firstChild[id]!; c >= 0; c = this.table.nextSibling[c]!) {
          // A node that is not present has no present descendants, so absent children are skipped here.
          if (this.present[c] === 0) continue;
          if (top === this.stack.length) this.stack = growInt32(this.stack, this.stack.length * 2);
          this.stack[top++] = c;
        }
      } else {
        removed += this.size[id]!;
        this.hide(id);
      }
      this.present[id] = 0;
    }
    return removed;
  }

  private removeChildren(id: number): void {
    for (let c = this.table.firstChild[id]!; c >= 0; c = this.table.nextSibling[c]!) {
      if (this.present[c] === 1) this.removeSubtree(c);
    }
  }

  /** Makes every missing ancestor of `id` a directory, as extraction does (MkdirAll). */
  private ensureParents(id: number): void {
    const parent = this.table.parent;
    let p = parent[id]!;
    if (p <= 0 || (this.present[p] === 1 && this.kind[p] === DIR)) return;
    // Rare path: collect the missing chain, then create it from the top down.
    const chain: number[] = [];
    while (p > 0 && !(this.present[p] === 1 && this.kind[p] === DIR)) {
      chain.push(p);
      p = parent[p]!;
    }
    for (let k = chain.length - 1; k >= 0; k--) this.placeImplicitDir(chain[k]!);
  }

  private placeImplicitDir(id: number): void {
    this.touch(id);
    if (this.present[id] === 1) this.hide(id);
    this.set(id, DIR, 0, DEFAULT_DIR_MODE, 0, 0, '', '');
    this.implicit[id] = 1;
  }

  private place(id: number, listing: LayerListing, i: number): void {
    const kind = listing.kinds[i]!;
    this.touch(id);
    this.listedAt[id] = this.generation;
    this.entrySize[id] = listing.sizes[i]!;
    if (this.present[id] === 1) {
      const wasDir = this.kind[id] === DIR;
      // A directory over a directory merges; anything else replaces what was there, subtree included.
      if (wasDir && kind !== DIR) this.removeChildren(id);
      else if (!wasDir) this.hide(id);
    }
    this.set(id, kind, listing.sizes[i]!, listing.modes[i]!, listing.uids[i]!, listing.gids[i]!, listing.links[i]!, listing.fingerprints[i]!);
  }

  private set(id: number, kind: number, size: number, mode: number, uid: number, gid: number, link: string, fingerprint: string): void {
    this.present[id] = 1;
    this.kind[id] = kind;
    this.implicit[id] = 0;
    this.size[id] = size;
    this.mode[id] = mode;
    this.uid[id] = uid;
    this.gid[id] = gid;
    this.source[id] = this.generation - 1;
    this.link[id] = link;
    this.fingerprint[id] = fingerprint;
  }

  /**
   * dive's Efficiency visits the leaves of each layer's own tree: entries with nothing under them
   * in that layer, and whiteouts. Opaque markers are not part of dive's trees.
   */
  private registerDiveLeaves(listing: LayerListing, ids: Int32Array): void {
    const { kinds } = listing;
    const parent = this.table.parent;
    const generation = this.generation;
    for (let i = 0; i < ids.length; i++) {
      if (kinds[i] === EntryKind.opaque) continue;
      let p = parent[ids[i]!]!;
      while (p > 0 && this.parentAt[p] !== generation) {
        this.parentAt[p] = generation;
        p = parent[p]!;
      }
    }
    for (let i = 0; i < ids.length; i++) {
      const kind = kinds[i]!;
      const id = ids[i]!;
      if (kind === EntryKind.opaque) continue;
      if (kind === EntryKind.whiteout) {
        if (this.whiteoutLeafAt[id] === generation) continue;
        this.whiteoutLeafAt[id] = generation;
        this.registerDive(id, this.whiteoutSize[id]!);
      } else {
        if (this.leafAt[id] === generation || this.parentAt[id] === generation) continue;
        this.leafAt[id] = generation;
        this.registerDive(id, this.entrySize[id]!);
      }
    }
  }

  private registerDive(id: number, bytes: number): void {
    this.diveCumulative[id]! += bytes;
    if (this.diveCount[id] === 0 || bytes < this.diveMinimum[id]!) this.diveMinimum[id] = bytes;
    this.diveCount[id]!++;
  }

  private ensureCapacity(needed: number): void {
    if (needed <= this.capacity) return;
    let capacity = Math.max(1024, this.capacity);
    while (capacity < needed) capacity *= 2;
    const from = this.capacity;
    this.present = growUint8(this.present, capacity);
    this.kind = growUint8(this.kind, capacity);
    this.implicit = growUint8(this.implicit, capacity);
    this.size = growFloat64(this.size, capacity);
    this.mode = growInt32(this.mode, capacity);
    this.uid = growFloat64(this.uid, capacity);
    this.gid = growFloat64(this.gid, capacity);
    this.source = growInt32(this.source, capacity, -1);
    this.beforePresent = growUint8(this.beforePresent, capacity);
    this.beforeKind = growUint8(this.beforeKind, capacity);
    this.beforeImplicit = growUint8(this.beforeImplicit, capacity);
    this.beforeSize = growFloat64(this.beforeSize, capacity);
    this.beforeMode = growInt32(this.beforeMode, capacity);
    this.beforeUid = growFloat64(this.beforeUid, capacity);
    this.beforeGid = growFloat64(this.beforeGid, capacity);
    this.beforeSource = growInt32(this.beforeSource, capacity, -1);
    this.touchedAt = growInt32(this.touchedAt, capacity);
    this.listedAt = growInt32(this.listedAt, capacity);
    this.whiteoutAt = growInt32(this.whiteoutAt, capacity);
    this.opaqueAt = growInt32(this.opaqueAt, capacity);
    this.parentAt = growInt32(this.parentAt, capacity);
    this.leafAt = growInt32(this.leafAt, capacity);
    this.whiteoutLeafAt = growInt32(this.whiteoutLeafAt, capacity);
    this.entrySize = growFloat64(this.entrySize, capacity);
    this.whiteoutSize = growFloat64(this.whiteoutSize, capacity);
    this.wastedByPath = growFloat64(this.wastedByPath, capacity);
    this.hiddenVersions = growInt32(this.hiddenVersions, capacity);
    this.diveCumulative = growFloat64(this.diveCumulative, capacity);
    this.diveMinimum = growFloat64(this.diveMinimum, capacity);
    this.diveCount = growInt32(this.diveCount, capacity);
    for (let id = from; id < capacity; id++) {
      this.link.push('');
      this.fingerprint.push('');
      this.beforeLink.push('');
      this.beforeFingerprint.push('');
    }
    this.capacity = capacity;
    // The root always exists.
    this.present[0] = 1;
    this.kind[0] = DIR;
    this.mode[0] = DEFAULT_DIR_MODE;
  }
}
