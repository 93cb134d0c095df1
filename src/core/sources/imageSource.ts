// Where images come from and go to, after go-containerregistry's layout/remote/tarball/daemon
// packages: every place an image can be (the store, a registry, an archive file or OCI layout
// folder, a container engine) is an `ImageSource` that hands out `Image`s and an `ImageTarget`
// that takes them, so one `copy` (copy.ts) moves an image between any two. A source or target may
// also offer an archive stream (an engine's export, an archive file, the store's save), which copy
// uses as the fast path when both sides speak it.

import type { LoadResult } from '../archive/loadArchive';
import type { StevedoreError } from '../errors';
import type { Image } from '../image/image';
import type { Platform } from '../image/types';
import type { TransferListener } from '../transfer/transferEvent';

export type SourceKind = 'store' | 'registry' | 'archive' | 'engine';

export interface GetOptions {
  signal?: AbortSignal;
  /** The platform to pick from a multi-platform image; the host's when not given. */
  platform?: Platform;
  /** What the image is read for, finishing the source's "so the image cannot be …": "saved", "copied to /tmp/app.tar" (default "copied"). */
  purpose?: string;
}

/** An image handed out by a source, held open (a lease, a spilled export) until `close`. */
export interface OpenedImage {
  image: Image;
  /** Full references the source knows the image by: what a target given no name calls it. */
  names: readonly string[];
  /** The digest the source resolved the name to, which signatures cover (a registry's: the index's for a multi-platform image). */
  resolvedDigest?: string;
  /** REPOSITORY@DIGEST the source resolved the name to, which a store records as the image's repo digest, as a pull does. */
  repoDigest?: string;
  /** How the source words a blob that does not hash to its digest (the store's says how to repair it). */
  corrupt?: (digest: string, why: string) => StevedoreError;
  close(): Promise<void>;
}

/** One image a source lists: its ID when known, and its names. */
export interface ListedImage {
  id?: string;
  names: string[];
}

/** An image as an archive stream (docker save format), with what is known of it before reading. */
export interface ArchiveExport {
  /** The image ID, when the source can say without reading the stream. */
  id?: string;
  names: readonly string[];
  /** Whether `stream(names)` writes those names into the archive (the store's save can; an export or file cannot). */
  namesItsArchive: boolean;
  /** Where it comes from, for messages. */
  label: string;
  stream(names?: readonly string[], reading?: ArchiveReading): AsyncIterable<Uint8Array>;
}

/** How the reader of an archive stream treats its chunks. */
export interface ArchiveReading {
  /**
   * The reader is done with each chunk once it asks for the next (it copies what it keeps), so the
   * source may read into that chunk's memory again (an engine's export then allocates no megabyte per read).
   */
  letsGoOfChunks?: boolean;
}

export interface ImageSource {
  readonly kind: SourceKind;
  /** For messages: "the Stevedore store", "Docker at unix:///…", "/tmp/app.tar", "localhost:5000". */
  describe(): string;
  /** What the source holds (a registry: the tags of `scope`, a repository). */
  list(options?: { scope?: string; signal?: AbortSignal }): Promise<ListedImage[]>;
  /** The image `ref` names (for an archive of one image, none needed). */
  get(ref: string | undefined, options?: GetOptions): Promise<OpenedImage>;
  /** The image as an archive stream, where the source has one cheaper than reading layer by layer (undefined: not for this one). */
  exportArchive?(ref: string | undefined, signal?: AbortSignal): Promise<ArchiveExport | undefined>;
}

export interface PutOptions {
  signal?: AbortSignal;
  /** Progress as TransferEvents: the target reports layers it skips (`exists`, `mounted`); copy reports the rest. */
  onEvent?: TransferListener;
  /** Where the image came from (REPOSITORY@DIGEST), for a target that records it (the store). */
  repoDigests?: readonly string[];
}

export interface PutResult {
  /** The image ID (config digest). */
  id: string;
  /** The names the image has at the target, as that side shows them. */
  names: string[];
  /** The manifest digest the target holds the image under, when it has one (a registry). */
  digest?: string;
  /** The store's load of an archive stream: every image it held and the names that moved. */
  loaded?: LoadResult;
}

/** One of several images a target writes at once. */
export interface PutItem {
  image: Image;
  /** Full references the image gets there; empty for an image with no name. */
  refs: readonly string[];
  /** Names the image in messages. */
  label: string;
  corrupt?: OpenedImage['corrupt'];
}

export interface ImageTarget {
  readonly kind: SourceKind;
  /** Reports an archive stream's progress itself, start to end (the store's load reads each entry anyway). */
  readonly reportsArchiveProgress?: boolean;
  describe(): string;
  /** Whether the target holds this image already (same image ID; a registry: under each of `refs`), so nothing needs to move. */
  has(image: Pick<Image, 'manifest' | 'manifestDescriptor'>, refs: readonly string[], signal?: AbortSignal): Promise<boolean>;
  /** Whether the target holds an image of this ID: the skip test when only an ID is known (an archive stream's). */
  hasId?(id: string, signal?: AbortSignal): Promise<boolean>;
  /** Writes the image under `refs` (full references); a failed or cancelled put leaves the target as it was. */
  put(image: Image, refs: readonly string[], options?: PutOptions): Promise<PutResult>;
  /** Writes several images in one go (one archive, one engine load), one result each, in order; all or nothing. */
  putAll?(items: readonly PutItem[], options?: PutOptions): Promise<PutResult[]>;
  /** Gives an image the target holds (by ID) more names. */
  tag(id: string, refs: readonly string[], signal?: AbortSignal): Promise<string[]>;
  remove(ref: string, signal?: AbortSignal): Promise<void>;
  /** Takes an archive stream as it is (the store's load, an engine's load, a file); undefined when it cannot take this one so. */
  importArchive?(archive: ArchiveExport, refs: readonly string[], options?: PutOptions): Promise<PutResult | undefined>;
}
