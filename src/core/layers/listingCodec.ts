// The on-disk form of a layer listing, for the cache. Paths are front-coded (each stored as the
// length it shares with the previous path plus the rest): tars list a directory's files together,
// so this roughly halves the size of the file and of the JSON parse. Anything that does not decode
// to a consistent listing is treated as absent, so a damaged cache entry costs a re-read, never a
// wrong answer.

import { EntryKind, type EntryKindCode, type LayerListing } from './layerListing';

export const LISTING_FORMAT = 'stevedore.layer-listing.v1';

interface EncodedListing {
  format: typeof LISTING_FORMAT;
  /** The layer (compressed blob) digest this listing belongs to. */
  digest: string;
  tarBytes: number;
  shared: number[];
  rest: string[];
  /** One character per entry: the entry kind as a digit. */
  kinds: string;
  sizes: number[];
  modes: number[];
  uids: number[];
  gids: number[];
  links: string[];
  fingerprints: string[];
}

export function encodeListing(digest: string, listing: LayerListing): string {
  const count = listing.paths.length;
  const shared = new Array<number>(count);
  const rest = new Array<string>(count);
  let previous = '';
  for (let i = 0; i < count; i++) {
    const path = listing.paths[i]!;
    const limit = Math.min(previous.length, path.length);
    let n = 0;
    while (n < limit && previous.charCodeAt(n) === path.charCodeAt(n)) n++;
    shared[i] = n;
    rest[i] = path.slice(n);
    previous = path;
  }
  const encoded: EncodedListing = {
    format: LISTING_FORMAT,
    digest,
    tarBytes: listing.tarBytes,
    shared,
    rest,
    kinds: listing.kinds.join(''),
    sizes: listing.sizes,
    modes: listing.modes,
    uids: listing.uids,
    gids: listing.gids,
    links: listing.links,
    fingerprints: listing.fingerprints,
  };
  return JSON.stringify(encoded);
}

/** Returns null when `text` is not a listing of `digest` in this format. */
export function decodeListing(digest: string, text: string): LayerListing | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isEncoded(value) || value.digest !== digest) return null;
  const count = value.shared.length;
  const columns = [value.rest, value.sizes, value.modes, value.uids, value.gids, value.links, value.fingerprints];
  if (value.kinds.length !== count || columns.some((c) => c.length !== count)) return null;
  const paths = new Array<string>(count);
  const kinds = new Array<EntryKindCode>(count);
  let previous = '';
  for (let i = 0; i < count; i++) {
    const shared = value.shared[i]!;
    const rest = value.rest[i];
    const kind = value.kinds.charCodeAt(i) - 0x30;
    if (typeof rest !== 'string' || !Number.isInteger(shared) || shared < 0 || shared > previous.length) return null;
    if (!(kind >= 0 && kind <= EntryKind.opaque)) return null;
    previous = shared === 0 ? rest : previous.slice(0, shared) + rest;
    paths[i] = previous;
    kinds[i] = kind as EntryKindCode;
  }
  return {
    paths,
    kinds,
    sizes: value.sizes,
    modes: value.modes,
    uids: value.uids,
    gids: value.gids,
    links: value.links,
    fingerprints: value.fingerprints,
    tarBytes: value.tarBytes,
  };
}

function isEncoded(value: unknown): value is EncodedListing {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Partial<EncodedListing>;
  return (
    v.format === LISTING_FORMAT &&
    typeof v.digest === 'string' &&
    typeof v.tarBytes === 'number' &&
    typeof v.kinds === 'string' &&
    [v.shared, v.rest, v.sizes, v.modes, v.uids, v.gids, v.links, v.fingerprints].every(Array.isArray)
  );
}
