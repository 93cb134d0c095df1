// What one layer holds, read once from its tar and kept in columns (one array per field) rather than
// one object per entry: a layer can have hundreds of thousands of entries, and columns of numbers
// and strings cost a fraction of the memory, serialise compactly for the cache, and are what the
// analysis walks. Whiteouts are recorded as what they mean (a deletion of a path, or an opaque
// directory), not as the `.wh.` files that carry them.

import { NodeType } from './compactTree';

/** Entry kinds: the node types of trees (compactTree.ts), plus the two kinds whiteouts carry. */
export const EntryKind = {
  ...NodeType,
  /** `.wh.NAME`: NAME, and everything under it, from lower layers is deleted. */
  whiteout: 7,
  /** `DIR/.wh..wh..opq`: everything under DIR from lower layers is hidden. */
  opaque: 8,
} as const;

export type EntryKindCode = (typeof EntryKind)[keyof typeof EntryKind];

export interface LayerListing {
  /**
   * Paths, cleaned: relative, no `./`, no trailing slash. For a whiteout, the path it deletes; for
   * an opaque marker, its directory ('' when the marker is at the top of the layer).
   */
  paths: string[];
  kinds: EntryKindCode[];
  /** Content bytes of regular files (0 for everything else). */
  sizes: number[];
  /** Permission bits, setuid/setgid/sticky included (mode & 0o7777). */
  modes: number[];
  uids: number[];
  gids: number[];
  /** Symlink targets as written; hardlink targets cleaned like paths; '' for other entries. */
  links: string[];
  /**
   * A short fingerprint of each regular file's content ('' for empty files and other entries), so
   * that a file rewritten with the same bytes can be told from one really modified, as dive does.
   */
  fingerprints: string[];
  /** Bytes of the uncompressed tar stream. */
  tarBytes: number;
}

export function emptyListing(): LayerListing {
  return { paths: [], kinds: [], sizes: [], modes: [], uids: [], gids: [], links: [], fingerprints: [], tarBytes: 0 };
}

export function listingLength(listing: LayerListing): number {
  return listing.paths.length;
}

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_MARKER = '.wh..wh..opq';
/** Names starting with this are reserved by the spec for whiteout metadata (AUFS's `.wh..wh.plnk`…). */
const RESERVED_PREFIX = '.wh..wh.';

export type WhiteoutMeaning =
  | { kind: 'none' }
  | { kind: 'whiteout'; path: string }
  | { kind: 'opaque'; dir: string }
  | { kind: 'reserved' }
  | { kind: 'invalid' };

const NONE: WhiteoutMeaning = { kind: 'none' };
const RESERVED: WhiteoutMeaning = { kind: 'reserved' };
const INVALID: WhiteoutMeaning = { kind: 'invalid' };

/** Reads a cleaned path as the OCI image spec reads whiteout files. */
export function whiteoutMeaning(path: string): WhiteoutMeaning {
  const slash = path.lastIndexOf('/');
  const base = slash + 1;
  if (!path.startsWith(WHITEOUT_PREFIX, base)) return NONE;
  const dir = slash < 0 ? '' : path.slice(0, slash);
  if (path.length - base === OPAQUE_MARKER.length && path.startsWith(OPAQUE_MARKER, base)) return { kind: 'opaque', dir };
  if (path.startsWith(RESERVED_PREFIX, base)) return RESERVED;
  const name = path.slice(base + WHITEOUT_PREFIX.length);
  if (name === '' || name === '.' || name === '..') return INVALID;
  return { kind: 'whiteout', path: dir === '' ? name : `${dir}/${name}` };
}

/**
 * Cleans a tar entry name the way Docker and containerd do before extracting (Go's filepath.Clean
 * of a path taken relative to the root): `./a/b/` → `a/b`, `/a//b` → `a/b`, `a/../b` → `b`, `.` → ''.
 * Returns null when the name climbs out of the root (`../x`, `a/../../x`).
 */
export function cleanEntryPath(name: string): string | null {
  let start = 0;
  let end = name.length;
  // Leading `/` and `./` — the common shape of tars made with `tar -C dir .`.
  for (;;) {
    if (start < end && name.charCodeAt(start) === 0x2f) start++;
    else if (start + 1 < end && name.charCodeAt(start) === 0x2e && name.charCodeAt(start + 1) === 0x2f) start += 2;
    else break;
  }
  while (end > start && name.charCodeAt(end - 1) === 0x2f) end--;
  const trimmed = start === 0 && end === name.length ? name : name.slice(start, end);
  return hasOddSegment(trimmed) ? cleanSlowly(trimmed) : trimmed;
}

/** Whether any segment is empty, `.` or `..` — rare, so the common case allocates nothing. */
function hasOddSegment(path: string): boolean {
  let segmentStart = 0;
  const length = path.length;
  for (let i = 0; i <= length; i++) {
    if (i < length && path.charCodeAt(i) !== 0x2f) continue;
    const segmentLength = i - segmentStart;
    if (segmentLength === 0 && length > 0) return true;
    if (segmentLength === 1 && path.charCodeAt(segmentStart) === 0x2e) return true;
    if (segmentLength === 2 && path.charCodeAt(segmentStart) === 0x2e && path.charCodeAt(segmentStart + 1) === 0x2e) return true;
    segmentStart = i + 1;
  }
  return false;
}

function cleanSlowly(path: string): string | null {
  const out: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (out.length === 0) return null;
      out.pop();
      continue;
    }
    out.push(segment);
  }
  return out.join('/');
}
