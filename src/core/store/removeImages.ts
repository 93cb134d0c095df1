// `rmi` with Docker's semantics (moby's ImageDelete): a name untags, and a tag takes its
// repository's digests along when no other tag of that repository is left; an image whose last
// name goes is deleted; an ID deletes the image, untagging it first only when isSingleReference
// holds (one repository, at most one tag), otherwise only with force. Blobs that no remaining
// image uses are then collected, unless the caller asked to keep them.

import { shortId } from '../shortId';
import { StevedoreError, errorMessage } from '../errors';
import { familiarString, formatReference, parseReference, repositoryName, tryParseReference } from '../reference/reference';
import { imagesInUse, type ContainerRecord } from '../runtime/containerRecord';
import { collectGarbage } from './garbageCollect';
import { refName } from './indexFile';
import { findImages, isHexPrefix, noSuchImage, type ImageRecord, type ImageStore, type StoreTransaction } from './imageStore';

export interface RemoveEvent {
  kind: 'untagged' | 'deleted';
  /** Familiar reference for `untagged`, digest for `deleted`. */
  value: string;
}

export interface RemoveOptions {
  force?: boolean;
  /** Keep the removed images' blobs (Docker's --no-prune keeps untagged parents; we keep layers). */
  noPrune?: boolean;
  signal?: AbortSignal;
}

export interface RemoveResult {
  events: RemoveEvent[];
  /** Blobs deleted from disk, layers included. */
  removedBlobs: { digest: string; size: number }[];
  reclaimedBytes: number;
  /** One entry per name that could not be removed; the others still were. */
  failures: { name: string; error: StevedoreError }[];
}

export async function removeImages(store: ImageStore, names: readonly string[], options: RemoveOptions = {}): Promise<RemoveResult> {
  return store.update(async (tx) => {
    const result: RemoveResult = { events: [], removedBlobs: [], reclaimedBytes: 0, failures: [] };
    const inUse = await imagesInUse(store.layout);
    for (const name of names) {
      try {
        const records = await store.recordsOf(tx.index, tx.meta);
        result.events.push(...removeOne(tx, records, name, options.force ?? false, inUse));
      } catch (err) {
        const error = err instanceof StevedoreError ? err : new StevedoreError('IO_ERROR', errorMessage(err), { cause: err });
        result.failures.push({ name, error });
      }
    }
    if (!options.noPrune && result.events.some((e) => e.kind === 'deleted')) {
      tx.afterCommit(async () => {
        const gc = await collectGarbage(store.blobs, store.leases, tx, store.layout);
        result.removedBlobs = gc.removed;
        result.reclaimedBytes = gc.reclaimedBytes;
      });
    }
    return result;
  }, options);
}

/** Docker's view of one image: every manifest stored for one config (the image ID). */
interface Target {
  id: string;
  records: ImageRecord[];
}

/**
 * What `docker rmi NAME` would act on: an image by a reference it really carries (a tag, or a repo
 * digest still recorded: a removed digest is "No such image" the second time), else an image ID
 * or a unique prefix of one.
 */
function resolve(records: readonly ImageRecord[], name: string): { target: Target; byId: boolean; ref?: string } {
  const isFullId = /^(sha256:)?[a-f0-9]{64}$/.test(name);
  const parsed = isFullId ? null : tryParseReference(name);
  if (parsed) {
    const full = formatReference(parsed);
    const named = records.find((r) => refsOf(r).includes(full));
    // A name that is also a prefix of its image's ID is taken as the ID, as moby's isImageIDPrefix does.
    if (named && !isIdPrefix(named.id, name)) return { target: targetOf(records, named.id), byId: false, ref: full };
    if (named) return { target: targetOf(records, named.id), byId: true };
  }
  if (!isHexPrefix(name)) throw noSuchImage(name);
  const matches = findImages(records, name);
  if (matches.length === 0) throw noSuchImage(name);
  const ids = new Set(matches.map((r) => r.id));
  if (ids.size > 1) {
    throw new StevedoreError('IMAGE_CONFLICT', `"${name}" matches more than one image; use more characters of the ID.`);
  }
  return { target: targetOf(records, matches[0]!.id), byId: true };
}

function targetOf(records: readonly ImageRecord[], id: string): Target {
  return { id, records: records.filter((r) => r.id === id) };
}

function isIdPrefix(id: string, name: string): boolean {
  return id.startsWith(name) || id.slice(id.indexOf(':') + 1).startsWith(name);
}

/** Every reference to one manifest: its index names (tags, or digests) and its recorded repo digests. */
function refsOf(record: ImageRecord): string[] {
  return [...new Set([...record.refs, ...record.repoDigests])];
}

/** The references Docker's reference store would hold for the image, sorted as its References() sorts them. */
function referencesOf(tx: StoreTransaction, target: Target): string[] {
  const manifests = new Set(target.records.map((r) => r.manifestDigest));
  const refs = new Set<string>();
  for (const entry of tx.index.manifests) {
    const ref = manifests.has(entry.digest) ? refName(entry) : undefined;
    if (ref !== undefined) refs.add(ref);
  }
  for (const digest of manifests) for (const rd of tx.meta.images[digest]?.repoDigests ?? []) refs.add(rd);
  return [...refs].sort();
}

const isCanonical = (ref: string): boolean => ref.includes('@');
const repoOf = (ref: string): string => repositoryName(parseReference(ref));

/**
 * moby's isSingleReference: all references in one repository and at most one of them a tag. An
 * image with no references at all is not "single".
 */
export function isSingleReference(refs: readonly string[]): boolean {
  if (refs.length <= 1) return refs.length === 1;
  let single: string | undefined;
  const repos = new Set<string>();
  for (const ref of refs) {
    if (isCanonical(ref)) repos.add(repoOf(ref));
    else if (single === undefined) {
      repos.add(repoOf(ref));
      single = ref;
    } else return false;
  }
  return repos.size === 1 && repos.has(repoOf(single ?? refs[0]!));
}

function removeOne(tx: StoreTransaction, records: ImageRecord[], name: string, force: boolean, inUse: Map<string, ContainerRecord>): RemoveEvent[] {
  const { target, byId, ref } = resolve(records, name);
  const user = inUse.get(target.id);
  const events: RemoveEvent[] = [];
  if (!byId) {
    // The last name of an image a container uses: untagging would leave it dangling, so ask for -f.
    if (user && isSingleReference(referencesOf(tx, target))) {
      if (user.State.Status === 'running') throw runningConflict(name, target, user);
      if (!force) {
        throw new StevedoreError(
          'IMAGE_CONFLICT',
          `conflict: unable to remove repository reference "${name}" (must force) - container ${shortId(user.Id)} is using its referenced image ${shortId(target.id)}. Remove the container first ("stevedore rm ${user.Name}"), or use -f to untag the image anyway.`,
        );
      }
    }
    untag(tx, target, ref!, events);
    // A tag whose repository has no other tag left takes that repository's digests with it.
    if (!isCanonical(ref!)) {
      const repo = repoOf(ref!);
      const remaining = referencesOf(tx, target);
      if (!remaining.some((r) => !isCanonical(r) && repoOf(r) === repo)) {
        for (const r of remaining) if (isCanonical(r) && repoOf(r) === repo) untag(tx, target, r, events);
      }
    }
    if (referencesOf(tx, target).length > 0) return events;
  } else {
    // moby's checkImageDeleteConflict order: running container, other references, stopped container.
    const refs = referencesOf(tx, target);
    const single = isSingleReference(refs);
    if (user?.State.Status === 'running') throw runningConflict(name, target, user);
    if (!single && refs.length > 0 && !force) {
      throw new StevedoreError('IMAGE_CONFLICT', `conflict: unable to delete ${shortId(target.id)} (must be forced) - image is referenced in multiple repositories`);
    }
    if (user && !force) {
      throw new StevedoreError(
        'IMAGE_CONFLICT',
        `conflict: unable to delete ${shortId(target.id)} (must be forced) - image is being used by stopped container ${shortId(user.Id)}. Remove the container first ("stevedore rm ${user.Name}"), or use -f.`,
      );
    }
    for (const r of referencesOf(tx, target)) untag(tx, target, r, events);
  }
  // A container's image stays, dangling, as with Docker: the container still stands on its layers.
  if (user) return events;
  deleteImage(tx, target);
  events.push({ kind: 'deleted', value: target.id });
  return events;
}

function runningConflict(name: string, target: Target, user: ContainerRecord): StevedoreError {
  return new StevedoreError(
    'IMAGE_CONFLICT',
    `conflict: unable to delete ${/^(sha256:)?[a-f0-9]+$/.test(name) ? shortId(target.id) : `"${name}"`} (cannot be forced) - image is being used by running container ${shortId(user.Id)}. Wait for it to stop, then remove it first.`,
  );
}

/** Drops one reference from the index and from the recorded repo digests. */
function untag(tx: StoreTransaction, target: Target, ref: string, events: RemoveEvent[]): void {
  const manifests = new Set(target.records.map((r) => r.manifestDigest));
  const dropped = tx.index.manifests.filter((m) => manifests.has(m.digest) && refName(m) === ref);
  tx.index.manifests = tx.index.manifests.filter((m) => !dropped.includes(m));
  // An image keeps an index entry while it exists: the last name going leaves it dangling until deleted.
  for (const m of dropped) {
    if (!tx.index.manifests.some((e) => e.digest === m.digest)) {
      const dangling = { ...m };
      delete dangling.annotations;
      tx.index.manifests.push(dangling);
    }
  }
  for (const digest of manifests) {
    const meta = tx.meta.images[digest];
    if (meta?.repoDigests) meta.repoDigests = meta.repoDigests.filter((d) => d !== ref);
  }
  events.push({ kind: 'untagged', value: familiarString(parseReference(ref)) });
}

function deleteImage(tx: StoreTransaction, target: Target): void {
  const manifests = new Set(target.records.map((r) => r.manifestDigest));
  tx.index.manifests = tx.index.manifests.filter((m) => !manifests.has(m.digest));
  for (const digest of manifests) delete tx.meta.images[digest];
}
