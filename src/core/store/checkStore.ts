// `system check`: rehashes every blob, finds blobs that images need but are missing or corrupt,
// blobs nothing needs, and what crashed processes left behind (ingests, temporary files, leases,
// lock directories). With `repair`, removes the corrupt and the unreachable, drops images that can
// no longer be read, and clears the leftovers. Rehashing reads the whole store, so it happens
// before the store lock is taken: a pull or an import in another process is not held up for it.
// Under the lock only what changed meanwhile is hashed (blobs that appeared), a blob found corrupt
// is hashed again before anything is decided about it, and every decision is taken there.

import { createReadStream } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DigestCounter, tryParseDigest } from '../digest';
import { shortId } from '../shortId';
import { throwIfAborted } from '../errors';
import { decodeImageDocument } from '../image/imageDocuments';
import { storedDocument } from '../image/summary';
import type { Descriptor, ImageIndex } from '../image/types';
import { findContainerLeftovers } from '../runtime/containerLeftovers';
import { collectSnapshots, unusedSnapshots } from '../runtime/snapshotGc';
import { snapshotsDir } from '../runtime/snapshots';
import type { TransferListener } from '../transfer/transferEvent';
import { TEMP_MARKER } from './atomicFile';
import type { BlobStore } from './blobStore';
import { listBlobDigests, markReachable } from './garbageCollect';
import { refName } from './indexFile';
import type { ImageStore, StoreTransaction } from './imageStore';
import { isProcessAlive, ownerPid } from './processes';

export type ProblemKind = 'corrupt-blob' | 'missing-blob' | 'stray-file' | 'unreachable-blob' | 'stale-ingest' | 'stale-temp' | 'broken-image' | 'stale-container' | 'unused-snapshot';

export interface Problem {
  kind: ProblemKind;
  /** A digest, a path, or an image reference. */
  subject: string;
  message: string;
  /** Whether the problem is damage (as opposed to leftover garbage). */
  severe: boolean;
}

export interface CheckResult {
  blobsChecked: number;
  bytesChecked: number;
  problems: Problem[];
  repaired: string[];
}

export interface CheckOptions {
  repair?: boolean;
  signal?: AbortSignal;
  /**
   * The rehashing as TransferEvents of a 'verify': start, every blob `queued` (named by digest),
   * each `transferring` as it is read and `done` once hashed, end.
   */
  onEvent?: TransferListener;
}

type Hashed = Map<string, { digest: string; bytes: number }>;

export async function checkStore(store: ImageStore, options: CheckOptions = {}): Promise<CheckResult> {
  const before = await listBlobDigests(store.blobs);
  const hashed: Hashed = new Map();
  const emit = options.onEvent;
  emit?.({ kind: 'start', operation: 'verify', reference: store.root });
  for (const digest of before) emit?.({ kind: 'layer', id: digest, state: 'queued', current: 0, total: 0 });
  for (const digest of before) {
    throwIfAborted(options.signal);
    emit?.({ kind: 'layer', id: digest, state: 'transferring', current: 0, total: 0 });
    const parsed = tryParseDigest(digest);
    if (!parsed) continue;
    // Removed meanwhile (an rmi elsewhere): nothing to check.
    const actual = await hashFile(store.blobs.path(digest), parsed.algorithm).catch(ifGone);
    if (actual) hashed.set(digest, actual);
    emit?.({ kind: 'layer', id: digest, state: 'done', current: actual?.bytes ?? 0, total: actual?.bytes ?? 0 });
  }
  const result = await store.update((tx) => runCheck(store, tx, options, hashed), { signal: options.signal });
  emit?.({ kind: 'end', operation: 'verify', reference: store.root });
  return result;
}

async function runCheck(store: ImageStore, tx: StoreTransaction, options: CheckOptions, hashed: Hashed): Promise<CheckResult> {
  const { blobs } = store;
  const result: CheckResult = { blobsChecked: 0, bytesChecked: 0, problems: [], repaired: [] };
  const corrupt = new Set<string>();

  const digests = await listBlobDigests(blobs);
  for (const digest of digests) {
    throwIfAborted(options.signal);
    const parsed = tryParseDigest(digest);
    if (!parsed) {
      result.problems.push({ kind: 'stray-file', subject: digest, message: `blobs/${digest.replace(':', '/')} is not named by a valid digest`, severe: false });
      continue;
    }
    let actual = hashed.get(digest);
    // New since the unlocked pass, or corrupt then: hashed (again) now that nothing can change it.
    if (!actual || actual.digest !== digest) actual = await hashFile(blobs.path(digest), parsed.algorithm);
    result.blobsChecked++;
    result.bytesChecked += actual.bytes;
    if (actual.digest !== digest) {
      corrupt.add(digest);
      result.problems.push({ kind: 'corrupt-blob', subject: digest, message: `blob ${digest} is corrupt: its content hashes to ${actual.digest}`, severe: true });
    }
  }

  const { reachable } = await markReachable(blobs, tx.index);
  const present = new Set(digests);
  const broken = await findBrokenImages(blobs, tx.index, present, corrupt);
  for (const b of broken) {
    result.problems.push({ kind: 'missing-blob', subject: b.digest, message: `image ${b.image} needs blob ${b.digest}, which is ${b.why}`, severe: true });
  }
  for (const digest of digests) {
    if (!reachable.has(digest) && !corrupt.has(digest) && tryParseDigest(digest)) {
      result.problems.push({ kind: 'unreachable-blob', subject: digest, message: `blob ${digest} is not used by any image`, severe: false });
    }
  }
  const leftovers = await findLeftovers(store);
  result.problems.push(...leftovers);
  const containerLeftovers = await findContainerLeftovers(store.layout);
  for (const c of containerLeftovers) result.problems.push({ kind: 'stale-container', subject: c.subject, message: c.message, severe: false });
  for (const id of (await unusedSnapshots(blobs, store.layout, tx.index)) ?? []) {
    result.problems.push({ kind: 'unused-snapshot', subject: join(snapshotsDir(store.layout), id), message: `layer snapshot ${shortId(id)} is used by no image and no container`, severe: false });
  }

  if (options.repair) {
    const leased = await store.leases.protectedDigests();
    const brokenManifests = new Set(broken.map((b) => b.manifest));
    if (brokenManifests.size) {
      tx.index.manifests = tx.index.manifests.filter((m) => !brokenManifests.has(m.digest));
      for (const m of brokenManifests) result.repaired.push(`removed image ${m} (its content is damaged; pull or load it again)`);
    }
    const stillReachable = (await markReachable(blobs, tx.index)).reachable;
    const doomed = digests.filter((d) => tryParseDigest(d) && (corrupt.has(d) || (!stillReachable.has(d) && !leased.has(d))));
    // Blobs go once the index without the broken images is on disk (see StoreTransaction.afterCommit).
    tx.afterCommit(async () => {
      for (const digest of doomed) {
        await blobs.delete(digest);
        result.repaired.push(`removed blob ${digest}`);
      }
      for (const p of leftovers) {
        await rm(p.subject, { recursive: true, force: true });
        result.repaired.push(`removed ${p.subject}`);
      }
      for (const c of containerLeftovers) result.repaired.push(await c.repair());
      // After the containers' repairs (a removed --rm container frees its snapshots) and with the
      // index as repaired.
      for (const path of await collectSnapshots(blobs, store.layout, tx.index)) result.repaired.push(`removed layer snapshot ${path}`);
    });
  }
  return result;
}

interface BrokenImage {
  manifest: string;
  image: string;
  digest: string;
  why: string;
}

async function findBrokenImages(blobs: BlobStore, index: ImageIndex, present: Set<string>, corrupt: Set<string>): Promise<BrokenImage[]> {
  const out: BrokenImage[] = [];
  const state = (d: string): string | null => (corrupt.has(d) ? 'corrupt' : present.has(d) ? null : 'missing');
  for (const entry of index.manifests) {
    const image = refName(entry) ?? entry.digest;
    const needs = await requiredBlobs(blobs, entry, state);
    for (const { digest, why } of needs) out.push({ manifest: entry.digest, image, digest, why });
  }
  return out;
}

async function requiredBlobs(blobs: BlobStore, entry: Descriptor, state: (d: string) => string | null): Promise<{ digest: string; why: string }[]> {
  const bad: { digest: string; why: string }[] = [];
  const s = state(entry.digest);
  if (s) return [{ digest: entry.digest, why: s }];
  const doc = await blobs
    .readSmall(entry.digest)
    .then((bytes) => decodeImageDocument(bytes, storedDocument('Manifest', entry.digest), entry.mediaType))
    .catch(() => null);
  if (!doc) return [{ digest: entry.digest, why: 'unreadable' }];
  if (doc.kind === 'index') {
    const children = doc.index.manifests;
    const usable = children.filter((c) => state(c.digest) === null);
    if (usable.length === 0) return [{ digest: entry.digest, why: 'an index none of whose manifests are present' }];
    for (const child of usable) bad.push(...(await requiredBlobs(blobs, child, state)));
    return bad;
  }
  for (const d of [doc.manifest.config, ...doc.manifest.layers]) {
    const why = state(d.digest);
    if (why) bad.push({ digest: d.digest, why });
  }
  return bad;
}

async function findLeftovers(store: ImageStore): Promise<Problem[]> {
  const problems: Problem[] = [];
  const { layout } = store;
  const dead = (name: string): boolean => {
    const pid = ownerPid(name);
    return pid === null || !isProcessAlive(pid);
  };
  for (const name of await readdir(layout.ingestDir).catch(() => [] as string[])) {
    if (dead(name)) {
      problems.push({ kind: 'stale-ingest', subject: join(layout.ingestDir, name), message: `stale ingest ${name} left by a process that stopped`, severe: false });
    }
  }
  for (const dir of [layout.root, layout.privateDir]) {
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      const temp = name.indexOf(TEMP_MARKER);
      const pending = /^lock\.(pending|released)-(\d+)-/.exec(name);
      const pid = temp >= 0 ? Number(/^(\d+)-/.exec(name.slice(temp + TEMP_MARKER.length))?.[1]) : pending ? Number(pending[2]) : NaN;
      if ((temp >= 0 || pending) && !isProcessAlive(pid)) {
        problems.push({ kind: 'stale-temp', subject: join(dir, name), message: `temporary file ${name} left by a process that stopped`, severe: false });
      }
    }
  }
  return problems;
}

function ifGone(err: unknown): undefined {
  if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
  throw err;
}

async function hashFile(path: string, algorithm: 'sha256' | 'sha512'): Promise<{ digest: string; bytes: number }> {
  const counter = new DigestCounter(algorithm);
  const info = await stat(path);
  if (info.size > 0) {
    for await (const chunk of createReadStream(path, { highWaterMark: 1024 * 1024 })) counter.update(chunk as Buffer);
  }
  return { digest: counter.digest(), bytes: counter.bytes };
}
