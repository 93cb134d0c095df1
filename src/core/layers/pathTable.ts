// Every path the layers of an image mention gets a small integer id, once, with its parent and
// children linked, so that the analysis works on typed arrays indexed by id instead of objects per
// file, and can walk a directory's subtree (to delete it, or to size it) without string searches.
// Id 0 is the root ('').

export class PathTable {
  private readonly ids = new Map<string, number>([['', 0]]);
  /** Full path of each id. */
  readonly paths: string[] = [''];
  /** Last segment of each id's path. */
  readonly names: string[] = [''];
  parent = new Int32Array(1024).fill(-1);
  firstChild = new Int32Array(1024).fill(-1);
  nextSibling = new Int32Array(1024).fill(-1);
  /** Children sorted by name, kept until a child is added: trees are built many times from one table. */
  private readonly sorted = new Map<number, number[]>();

  get size(): number {
    return this.paths.length;
  }

  /** The id of `path`, which must be a cleaned path (see cleanEntryPath); its ancestors get ids too. */
  intern(path: string): number {
    const known = this.ids.get(path);
    if (known !== undefined) return known;
    const slash = path.lastIndexOf('/');
    const parent = slash < 0 ? 0 : this.intern(path.slice(0, slash));
    const id = this.paths.length;
    if (id >= this.parent.length) this.grow(id + 1);
    this.paths.push(path);
    this.names.push(slash < 0 ? path : path.slice(slash + 1));
    this.parent[id] = parent;
    this.firstChild[id] = -1;
    this.nextSibling[id] = this.firstChild[parent]!;
    this.firstChild[parent] = id;
    this.sorted.delete(parent);
    this.ids.set(path, id);
    return id;
  }

  find(path: string): number | undefined {
    return this.ids.get(path);
  }

  /** The ids of a node's children, sorted by name (as Go's sort.Strings, which dive uses). Do not modify. */
  sortedChildren(id: number): readonly number[] {
    const known = this.sorted.get(id);
    if (known) return known;
    const children: number[] = [];
    for (let c = this.firstChild[id]!; c >= 0; c = this.nextSibling[c]!) children.push(c);
    const names = this.names;
    children.sort((a, b) => compareNames(names[a]!, names[b]!));
    this.sorted.set(id, children);
    return children;
  }

  private grow(needed: number): void {
    let capacity = this.parent.length;
    while (capacity < needed) capacity *= 2;
    this.parent = growInt32(this.parent, capacity, -1);
    this.firstChild = growInt32(this.firstChild, capacity, -1);
    this.nextSibling = growInt32(this.nextSibling, capacity, -1);
  }
}

export function growInt32(array: Int32Array, capacity: number, fill = 0): Int32Array<ArrayBuffer> {
  const grown = new Int32Array(capacity);
  grown.set(array);
  if (fill !== 0) grown.fill(fill, array.length);
  return grown;
}

export function growFloat64(array: Float64Array, capacity: number): Float64Array<ArrayBuffer> {
  const grown = new Float64Array(capacity);
  grown.set(array);
  return grown;
}

export function growUint8(array: Uint8Array, capacity: number): Uint8Array<ArrayBuffer> {
  const grown = new Uint8Array(capacity);
  grown.set(array);
  return grown;
}

/** Orders by UTF-16 code units: Go's byte order, except for characters beyond U+FFFF against U+E000–U+FFFF. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
