// The image store: an OCI image layout on disk that the CLI and the extension share. Readers never
// lock (index.json is replaced atomically, so they see the old or the new index); writers change
// index.json and the metadata side file only inside `update`, which holds the cross-process lock.
// This file holds the store's interface and the pure lookups over its records; the implementation
// is fileImageStore.ts.

import { StevedoreError } from '../errors';
import type { Image } from '../image/image';
import type { LoadedImage } from '../image/summary';
import { REF_NAME_ANNOTATION, type Descriptor, type ImageIndex } from '../image/types';
import { formatReference, tryParseReference } from '../reference/reference';
import type { BlobStore } from './blobStore';
import { refName } from './indexFile';
import type { StoreLayout } from './layout';
import type { Leases } from './leases';
import type { DistributionSource, ImageSummary, StoreMetadata } from './metadata';

export interface ImageRecord {
  manifestDigest: string;
  manifestMediaType: string;
  manifestSize: number;
  /** The config digest, which is Docker's image ID. */
  id: string;
  /** Full normalised references, sorted. Empty for a dangling image. */
  refs: string[];
  repoDigests: string[];
  summary: ImageSummary;
  /** When each of `refs` was tagged here, when known. */
  taggedAt: Record<string, string>;
}

/** The mutable view of the store that `update` hands to a writer. */
export interface StoreTransaction {
  index: ImageIndex;
  meta: StoreMetadata;
  /**
   * Runs `fn` once the new index and metadata are on disk, still under the lock. Deleting blobs
   * belongs here (containerd's order: commit, then collect): a crash before the commit leaves the
   * old index with all its blobs, a crash after it leaves unreferenced blobs, never an index that
   * names a missing blob.
   */
  afterCommit(fn: () => Promise<void>): void;
}

export interface UpdateOptions {
  signal?: AbortSignal;
}

/**
 * The image store as the rest of the code sees it. The file-system implementation is
 * FileImageStore (fileImageStore.ts); only the composition roots (the CLI's context, the extension's
 * activation) and tests name it.
 */
export interface ImageStore {
  readonly layout: StoreLayout;
  /** The store's content: blobs by digest (the file-system content store). */
  readonly blobs: BlobStore;
  readonly leases: Leases;
  readonly root: string;
  readIndex(): Promise<ImageIndex>;
  readMetadata(): Promise<StoreMetadata>;
  /**
   * Runs `fn` under the store lock with the current index and metadata, then writes both back
   * atomically, then runs what `fn` registered with `afterCommit`.
   */
  update<T>(fn: (tx: StoreTransaction) => Promise<T> | T, options?: UpdateOptions): Promise<T>;
  /** Every image in the store, one record per manifest. */
  list(): Promise<ImageRecord[]>;
  recordsOf(index: ImageIndex, meta: StoreMetadata): Promise<ImageRecord[]>;
  summaryOf(entry: Descriptor): Promise<ImageSummary>;
  /** The image a record names, readable as an `Image`. */
  load(record: Pick<ImageRecord, 'manifestDigest' | 'manifestMediaType' | 'manifestSize'>): Promise<Image>;
  /** Finds one image the way Docker does: by reference (default tag latest), digest, or ID prefix. */
  find(nameOrId: string): Promise<ImageRecord>;
  /**
   * Records an image whose blobs are all in the store, under `refs` (full references). A reference
   * that pointed at another image moves; that image stays as a dangling one if nothing else names it.
   */
  addImage(manifest: Descriptor, refs: readonly string[], options?: AddImageOptions): Promise<ImageRecord>;
  /**
   * The record when `addImage` with these arguments would change nothing (every blob present,
   * every fact already recorded); found without the lock and writing nothing. Undefined otherwise.
   * `image` is the image as the caller read it already (loadImage), so that it is not read twice.
   */
  alreadyRecorded(manifest: Descriptor, refs: readonly string[], options?: AddImageOptions, image?: LoadedImage): Promise<ImageRecord | undefined>;
}

export interface AddImageOptions extends UpdateOptions {
  repoDigests?: string[];
  /** Where the image's blobs came from, keyed by stored blob digest (pull records these for push). */
  sources?: Record<string, DistributionSource[]>;
  /** Docker's sizes of layers the caller made and counted, by diffID (import, build). */
  layerSizes?: Record<string, number>;
}

/** Moves `ref` to `entry`; the image it pointed at before becomes dangling if nothing else names it. */
export function pointReference(tx: StoreTransaction, ref: string, entry: Descriptor): void {
  const manifests = tx.index.manifests;
  const existing = manifests.findIndex((m) => refName(m) === ref);
  if (existing >= 0 && manifests[existing]!.digest === entry.digest) return;
  if (existing >= 0) {
    const previous = manifests[existing]!;
    manifests.splice(existing, 1);
    if (!manifests.some((m) => m.digest === previous.digest)) {
      const dangling: Descriptor = { mediaType: previous.mediaType, digest: previous.digest, size: previous.size };
      if (previous.platform) dangling.platform = previous.platform;
      manifests.push(dangling);
    }
  }
  // A dangling entry for this manifest is replaced by the tagged one.
  const danglingIndex = manifests.findIndex((m) => m.digest === entry.digest && refName(m) === undefined);
  if (danglingIndex >= 0) manifests.splice(danglingIndex, 1);
  manifests.push({ ...entry, annotations: { ...(entry.annotations ?? {}), [REF_NAME_ANNOTATION]: ref } });
}

/**
 * Docker's lookup order: a full image ID; a reference (name gets :latest); a repo digest
 * (name@sha256:…); then a unique prefix of an image ID.
 */
export function findImage(records: readonly ImageRecord[], nameOrId: string): ImageRecord {
  const matches = findImages(records, nameOrId);
  if (matches.length === 0) throw noSuchImage(nameOrId);
  if (new Set(matches.map((r) => r.id)).size > 1) {
    throw new StevedoreError('IMAGE_CONFLICT', `"${nameOrId}" matches more than one image; use more characters of the ID, or a name.`);
  }
  // Several manifests can share one config (the same image stored with other compression).
  return matches.find((r) => r.refs.length > 0) ?? matches[0]!;
}

export function noSuchImage(nameOrId: string): StevedoreError {
  const ref = tryParseReference(nameOrId);
  const shown = ref && !isHexPrefix(nameOrId) ? familiarForError(nameOrId) : nameOrId;
  return new StevedoreError('IMAGE_NOT_FOUND', `No such image: ${shown}`);
}

function familiarForError(input: string): string {
  // Docker echoes what the user typed, adding :latest when no tag or digest was given.
  return /[:@][^/]*$/.test(input) ? input : `${input}:latest`;
}

export function isHexPrefix(value: string): boolean {
  return /^[a-f0-9]{1,64}$/.test(value) || /^sha256:[a-f0-9]{1,64}$/.test(value);
}

export function findImages(records: readonly ImageRecord[], nameOrId: string): ImageRecord[] {
  if (/^sha256:[a-f0-9]{64}$/.test(nameOrId)) {
    const byId = records.filter((r) => r.id === nameOrId || r.manifestDigest === nameOrId);
    if (byId.length) return byId;
  }
  if (!/^[a-f0-9]{64}$/.test(nameOrId)) {
    const ref = tryParseReference(nameOrId);
    if (ref) {
      const full = formatReference(ref);
      const byRef = records.filter((r) => r.refs.includes(full));
      if (byRef.length) return byRef;
      if (ref.digest) {
        const repo = formatReference({ domain: ref.domain, path: ref.path });
        const byDigest = records.filter(
          (r) => r.repoDigests.includes(`${repo}@${ref.digest}`) || (r.manifestDigest === ref.digest && r.refs.some((x) => x.startsWith(`${repo}:`) || x.startsWith(`${repo}@`))),
        );
        if (byDigest.length) return byDigest;
      }
    }
  }
  if (isHexPrefix(nameOrId)) {
    const hex = nameOrId.replace(/^sha256:/, '');
    const byPrefix = records.filter((r) => r.id.slice(7).startsWith(hex));
    return byPrefix;
  }
  return [];
}
