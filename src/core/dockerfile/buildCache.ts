// The build cache, as the classic builder's: a step whose parent state and instruction (with the
// ARGs in scope, and for COPY/ADD a hash of the source content) are what an earlier build saw
// reuses that build's result, so a second build of the same Dockerfile gives the same image ID and
// writes no blob.
//
// Entries live in the store (stevedore/cache/build/<key>.json), one file per key, each written
// atomically: two builds at once at worst write the same key twice, and a reader sees one whole
// entry or none. An entry names layer blobs but does not keep them: garbage collection (rmi,
// image prune) removes a blob only the cache names, as it does any unreferenced blob, and a lookup
// whose layers are gone is a miss. Entries are small; `builder prune` (pruneBuildCache.ts) removes
// them, and the blobs only they name.

import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Descriptor, ImageConfig } from '../image/types';
import { writeFileAtomic } from '../store/atomicFile';
import type { BlobStore } from '../store/blobStore';
import type { StoreLayout } from '../store/layout';
import type { Lease } from '../store/leases';

/** What a stage looks like after a step: the image it would be if it ended there. */
export interface StageState {
  /** The image config, history and rootfs included, as it would be stored. */
  image: ImageConfig;
  layers: Descriptor[];
  /** Docker sizes of layers this build (or the one cached) wrote, by diffID. */
  layerSizes: Record<string, number>;
}

/** The directories a step made and removed: what later COPY and WORKDIR steps must know. */
export interface DirectoryDelta {
  added: string[];
  deleted: string[];
}

export interface CacheEntry {
  state: StageState;
  dirs: DirectoryDelta;
}

const FORMAT = 'stevedore.build-cache.v1';

/** The step's state ID: what `docker build` prints after each step, the config digest it would have. */
export function stateId(state: StageState): string {
  return `sha256:${createHash('sha256').update(JSON.stringify(state.image)).digest('hex')}`;
}

export function cacheKey(parent: StageState, instruction: string, args: ReadonlyMap<string, string>, extra: string): string {
  const text = JSON.stringify({ format: FORMAT, parent: stateId(parent), layers: parent.layers.map((l) => l.digest), instruction, args: [...args], extra });
  return createHash('sha256').update(text).digest('hex');
}

/** Where the entries are: `builder prune` removes them. */
export function buildCacheDir(layout: StoreLayout): string {
  return join(layout.cacheDir, 'build');
}

function entryPath(layout: StoreLayout, key: string): string {
  return join(buildCacheDir(layout), `${key}.json`);
}

/**
 * The entry for `key` with its layers leased to this build, or undefined when there is none or a
 * layer it names is gone (removed by garbage collection). The layers are leased before they are
 * looked for, so a collection running meanwhile either removed them (a miss) or keeps them.
 */
export async function lookUp(layout: StoreLayout, blobs: BlobStore, lease: Lease, key: string): Promise<CacheEntry | undefined> {
  let entry: CacheEntry & { format?: string };
  try {
    entry = JSON.parse(await readFile(entryPath(layout, key), 'utf8')) as CacheEntry & { format?: string };
  } catch {
    return undefined; // absent, or unreadable: built again and written anew
  }
  if (entry.format !== FORMAT || !entry.state?.image || !Array.isArray(entry.state.layers)) return undefined;
  const digests = entry.state.layers.map((l) => l.digest);
  await lease.protect(digests);
  for (const digest of digests) if (!(await blobs.has(digest))) return undefined;
  return { state: entry.state, dirs: entry.dirs ?? { added: [], deleted: [] } };
}

export async function remember(layout: StoreLayout, key: string, entry: CacheEntry): Promise<void> {
  await mkdir(buildCacheDir(layout), { recursive: true });
  await writeFileAtomic(entryPath(layout, key), JSON.stringify({ format: FORMAT, ...entry }));
}

/** A hash of what COPY or ADD would read: the path, type, mode, size, link target and bytes of each entry. */
export function contentHasher(): { add(fields: readonly (string | number)[]): void; addBytes(chunk: Uint8Array): void; digest(): string } {
  const hash = createHash('sha256');
  return {
    add(fields) {
      hash.update(JSON.stringify(fields));
    },
    addBytes(chunk) {
      hash.update(chunk);
    },
    digest: () => hash.digest('hex'),
  };
}
