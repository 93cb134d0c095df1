// `rmi` with Docker's semantics: a name untags; an image whose last name goes is deleted; an ID
// deletes the image, but only with force when its tags span several repositories; blobs that no
// remaining image uses are then collected, unless the caller asked to keep them.

import { shortId } from '../digest';
import { StevedoreError, errorMessage } from '../errors';
import { familiarString, formatReference, parseReference, repositoryName, tryParseReference } from '../reference/reference';
import { imagesInUse, type ContainerRecord } from '../runtime/containerRecord';
import { collectGarbage } from './garbageCollect';
import { refName } from './indexFile';
import { findImages, noSuchImage, type ImageRecord, type ImageStore, type StoreTransaction } from './imageStore';

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

function removeOne(tx: StoreTransaction, records: ImageRecord[], name: string, force: boolean, inUse: Map<string, ContainerRecord>): RemoveEvent[] {
  const matches = findImages(records, name);
  if (matches.length === 0) throw noSuchImage(name);
  const ref = /^[a-f0-9]{64}$/.test(name) ? null : tryParseReference(name);
  const full = ref ? formatReference(ref) : undefined;

  if (full && matches.some((r) => r.refs.includes(full))) {
    const record = matches.find((r) => r.refs.includes(full))!;
    const user = record.refs.length === 1 ? inUse.get(record.id) : undefined;
    if (user) {
      if (user.State.Status === 'running') throw runningConflict(name, record, user);
      if (!force) {
        throw new StevedoreError(
          'IMAGE_CONFLICT',
          `conflict: unable to remove repository reference "${name}" (must force) - container ${shortId(user.Id)} is using its referenced image ${shortId(record.id)}. Remove the container first ("stevedore rm ${user.Name}"), or use -f to untag the image anyway.`,
        );
      }
    }
    removeEntry(tx, record.manifestDigest, full);
    const events: RemoveEvent[] = [{ kind: 'untagged', value: familiarString(parseReference(full)) }];
    if (record.refs.length === 1) {
      // A container's image stays, dangling, as with Docker: the container still stands on its layers.
      if (user) keepDangling(tx, record);
      else events.push(...deleteImage(tx, records, record));
    }
    return events;
  }

  if (ref?.digest) {
    const repoDigest = `${repositoryName(ref)}@${ref.digest}`;
    const events: RemoveEvent[] = [];
    for (const record of matches) {
      const meta = tx.meta.images[record.manifestDigest];
      if (meta?.repoDigests) meta.repoDigests = meta.repoDigests.filter((d) => d !== repoDigest);
      events.push({ kind: 'untagged', value: familiarString(parseReference(repoDigest)) });
      const remaining = meta?.repoDigests?.length ?? 0;
      if (record.refs.length === 0 && remaining === 0) events.push(...deleteImage(tx, records, record));
    }
    return events;
  }

  // By image ID (full or prefix).
  const ids = new Set(matches.map((r) => r.id));
  if (ids.size > 1) {
    throw new StevedoreError('IMAGE_CONFLICT', `"${name}" matches more than one image; use more characters of the ID.`);
  }
  const allRefs = matches.flatMap((r) => r.refs);
  const repositories = new Set(allRefs.map((r) => repositoryName(parseReference(r))));
  if (repositories.size > 1 && !force) {
    throw new StevedoreError(
      'IMAGE_CONFLICT',
      `conflict: unable to delete ${shortId(matches[0]!.id)} (must be forced) - image is referenced in multiple repositories. Remove it by name, or use -f to remove every tag.`,
    );
  }
  const user = inUse.get(matches[0]!.id);
  if (user?.State.Status === 'running') throw runningConflict(name, matches[0]!, user);
  if (user && !force) {
    throw new StevedoreError(
      'IMAGE_CONFLICT',
      `conflict: unable to delete ${shortId(matches[0]!.id)} (must be forced) - image is being used by stopped container ${shortId(user.Id)}. Remove the container first ("stevedore rm ${user.Name}"), or use -f.`,
    );
  }
  const events: RemoveEvent[] = [];
  for (const record of matches) {
    for (const r of record.refs) {
      removeEntry(tx, record.manifestDigest, r);
      events.push({ kind: 'untagged', value: familiarString(parseReference(r)) });
    }
    if (user) keepDangling(tx, record);
    else events.push(...deleteImage(tx, records, record));
  }
  return dedupeDeleted(events);
}

function runningConflict(name: string, record: ImageRecord, user: ContainerRecord): StevedoreError {
  return new StevedoreError(
    'IMAGE_CONFLICT',
    `conflict: unable to delete ${/^(sha256:)?[a-f0-9]+$/.test(name) ? shortId(record.id) : `"${name}"`} (cannot be forced) - image is being used by running container ${shortId(user.Id)}. Wait for it to stop, then remove it first.`,
  );
}

/** Leaves one untagged entry for the image, so that it and its blobs stay. */
function keepDangling(tx: StoreTransaction, record: ImageRecord): void {
  if (tx.index.manifests.some((m) => m.digest === record.manifestDigest)) return;
  tx.index.manifests.push({ mediaType: record.manifestMediaType, digest: record.manifestDigest, size: record.manifestSize });
}

function removeEntry(tx: StoreTransaction, manifestDigest: string, ref: string): void {
  tx.index.manifests = tx.index.manifests.filter((m) => !(m.digest === manifestDigest && refName(m) === ref));
}

/** Drops every index entry of the image; prints its repo digests as untagged, like Docker. */
function deleteImage(tx: StoreTransaction, records: ImageRecord[], record: ImageRecord): RemoveEvent[] {
  tx.index.manifests = tx.index.manifests.filter((m) => m.digest !== record.manifestDigest);
  const events: RemoveEvent[] = [];
  for (const repoDigest of tx.meta.images[record.manifestDigest]?.repoDigests ?? []) {
    events.push({ kind: 'untagged', value: familiarString(parseReference(repoDigest)) });
  }
  delete tx.meta.images[record.manifestDigest];
  const stillUsed = records.some((r) => r.id === record.id && r.manifestDigest !== record.manifestDigest && tx.index.manifests.some((m) => m.digest === r.manifestDigest));
  if (!stillUsed) events.push({ kind: 'deleted', value: record.id });
  return events;
}

function dedupeDeleted(events: RemoveEvent[]): RemoveEvent[] {
  const seen = new Set<string>();
  return events.filter((e) => {
    const key = `${e.kind}:${e.value}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
