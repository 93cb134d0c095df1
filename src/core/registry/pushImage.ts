// `push`: every blob of the image goes to the registry unless it is there already (HEAD) or can be
// mounted from another repository of the same registry where the store knows it came from; then
// the manifest. A layer stored uncompressed (an archive loaded that way) is gzip-compressed on the
// way, and the compressed digest the registry now knows is remembered per registry, so the next
// push of it is a HEAD. What was pushed where is recorded for later mounts and skips. Each blob
// goes through pushBlob.ts, the path a copy from anywhere else to a registry takes too.

import { sha256Digest } from '../digest';
import { StevedoreError, throwIfAborted } from '../errors';
import { isIndexMediaType } from '../image/mediaTypes';
import { decodeIndex, decodeManifest } from '../image/imageDocuments';
import { storedDocument } from '../image/summary';
import type { Descriptor } from '../image/types';
import { familiarString, formatReference, parseReference, repositoryName } from '../reference/reference';
import { mergeSources, sourcesOn } from '../store/distributionSources';
import type { ImageRecord, ImageStore } from '../store/imageStore';
import type { DistributionSource, StoreMetadata } from '../store/metadata';
import { putManifest, servesManifest } from './manifests';
import { pushBlob } from './pushBlob';
import type { RegistryClient } from './registryClient';
import type { RegistryClients } from './registryClients';
import { DEFAULT_CONCURRENCY } from './registryOptions';
import { runLimited } from './runLimited';
import type { LayerState, TransferListener } from '../transfer/transferEvent';

export interface PushOptions {
  /** "localhost:5000/app:1.0"; the tag defaults to latest. */
  reference: string;
  /** Blobs uploaded at once (default 4). */
  concurrency?: number;
  signal?: AbortSignal;
  /** Progress as TransferEvents: start, each layer, end. */
  onEvent?: TransferListener;
  /** The store's image to push under `reference`, when it is not already tagged so (copy from one name to another). */
  record?: ImageRecord;
}

export interface PushResult {
  /** The full reference pushed. */
  reference: string;
  tag: string;
  /** The manifest digest the registry now serves the tag under. */
  digest: string;
  /** The manifest's size in bytes. */
  size: number;
  /** Blobs sent, found there already, or mounted. */
  uploaded: number;
  skipped: number;
  mounted: number;
}

interface PushContext {
  store: ImageStore;
  client: RegistryClient;
  repository: string;
  meta: StoreMetadata;
  options: PushOptions;
  emit: TransferListener;
  /** Sources learnt during this push, merged into the store at the end. */
  sources: Record<string, DistributionSource[]>;
  counts: { uploaded: number; skipped: number; mounted: number };
}

export async function pushImage(store: ImageStore, clients: RegistryClients, options: PushOptions): Promise<PushResult> {
  const ref = parseReference(options.reference);
  if (ref.digest) {
    throw new StevedoreError('INVALID_REFERENCE', `cannot push a digest reference ("${options.reference}"); push a tag, e.g. "${repositoryName(ref)}:latest".`);
  }
  const fullRef = formatReference(ref);
  const record = options.record ?? (await store.list()).find((r) => r.refs.includes(fullRef));
  if (!record) throw new StevedoreError('IMAGE_NOT_FOUND', `An image does not exist locally with the tag: ${familiarString(ref)}`);
  const client = clients.for(ref.domain);
  const emit = options.onEvent ?? (() => undefined);
  emit({ kind: 'start', operation: 'push', reference: fullRef, repository: repositoryName(ref), tag: ref.tag ?? 'latest' });
  const ctx: PushContext = {
    store,
    client,
    repository: ref.path,
    meta: await store.readMetadata(),
    options,
    emit,
    sources: {},
    counts: { uploaded: 0, skipped: 0, mounted: 0 },
  };
  const tag = ref.tag ?? 'latest';
  let pushed: { digest: string; size: number };
  const topBytes = await store.blobs.readSmall(record.manifestDigest, 4 * 1024 * 1024);
  if (!isIndexMediaType(record.manifestMediaType)) {
    pushed = await pushManifest(ctx, topBytes, record.manifestMediaType, tag);
  } else if (await allChildrenPresent(store, topBytes, record.manifestDigest)) {
    pushed = await pushIndex(ctx, topBytes, record.manifestMediaType, tag);
  } else {
    // The platforms of the index that the store holds: the one it would run.
    const loaded = await store.load(record);
    const bytes = await store.blobs.readSmall(loaded.manifestDescriptor.digest, 4 * 1024 * 1024);
    pushed = await pushManifest(ctx, bytes, loaded.manifestDescriptor.mediaType, tag);
  }
  throwIfAborted(options.signal);
  const repoDigest = `${repositoryName(ref)}@${pushed.digest}`;
  const remember = (meta: StoreMetadata): void => {
    mergeSources(meta, ctx.sources);
    const slot = meta.images[record.manifestDigest];
    if (slot) slot.repoDigests = [...new Set([...(slot.repoDigests ?? []), repoDigest])].sort();
  };
  // A push that learnt nothing new (every source and the repo digest recorded already, as after an
  // earlier push or pull of the same image) takes no lock and rewrites nothing. Read without the
  // lock as readers do: a writer that drops these facts meanwhile is one that ran just after this.
  const current = await store.readMetadata();
  const known = JSON.stringify(current);
  remember(current);
  if (JSON.stringify(current) !== known) await store.update((tx) => remember(tx.meta));
  emit({ kind: 'end', operation: 'push', reference: fullRef, digest: pushed.digest });
  return { reference: fullRef, tag, digest: pushed.digest, size: pushed.size, ...ctx.counts };
}

async function allChildrenPresent(store: ImageStore, indexBytes: Buffer, digest: string): Promise<boolean> {
  const index = decodeIndex(indexBytes, storedDocument('Manifest', digest));
  for (const child of index.manifests) if (!(await store.blobs.has(child.digest))) return false;
  return true;
}

/** A multi-platform index: each platform's manifest (by digest), then the index under the tag. */
async function pushIndex(ctx: PushContext, bytes: Buffer, mediaType: string, tag: string): Promise<{ digest: string; size: number }> {
  const index = decodeIndex(bytes, storedDocument('Manifest', sha256Digest(bytes)));
  let changed = false;
  const children: Descriptor[] = [];
  for (const child of index.manifests) {
    const childBytes = await ctx.store.blobs.readSmall(child.digest, 4 * 1024 * 1024);
    const pushed = await pushManifest(ctx, childBytes, child.mediaType, undefined);
    if (pushed.digest !== child.digest) changed = true;
    children.push({ ...child, digest: pushed.digest, size: pushed.size });
  }
  const out = changed ? Buffer.from(JSON.stringify({ ...index, manifests: children }, null, 3)) : bytes;
  return putUnlessServed(ctx, tag, out, mediaType);
}

/** One image manifest: its blobs, then the manifest itself under `tag`, or by its digest when no tag is given. */
async function pushManifest(ctx: PushContext, bytes: Buffer, mediaType: string, tag: string | undefined): Promise<{ digest: string; size: number }> {
  const manifest = decodeManifest(bytes, storedDocument('Manifest', sha256Digest(bytes)), mediaType);
  for (const layer of manifest.layers) ctx.emit({ kind: 'layer', id: layer.digest, state: 'queued', current: 0, total: layer.size });
  const unique = [manifest.config, ...manifest.layers].filter((d, i, all) => all.findIndex((x) => x.digest === d.digest) === i);
  const concurrency = ctx.options.concurrency ?? DEFAULT_CONCURRENCY;
  const reference = tag ?? sha256Digest(bytes);
  // Whether the registry has this very manifest under the name already is asked beside the blob
  // checks (first, so that one request at a time still asks it): when it does, no PUT follows.
  let served = false;
  const movedBefore = ctx.counts.uploaded + ctx.counts.mounted;
  const checks: Check[] = [{ kind: 'manifest' }, ...unique.map((blob, i): Check => ({ kind: 'blob', blob, isLayer: i > 0 }))];
  const results = await runLimited(checks, concurrency, ctx.options.signal, async (check, _i, signal) => {
    if (check.kind === 'blob') return pushStoredBlob(ctx, check.blob, check.isLayer, signal);
    served = await servesManifest(ctx.client, ctx.repository, reference, sha256Digest(bytes), bytes.length, signal);
    return undefined;
  });
  const byDigest = new Map(unique.map((d, i) => [d.digest, results[i + 1]!]));
  const layers = manifest.layers.map((l) => byDigest.get(l.digest)!);
  // Layers compressed on the way change the manifest: the registry gets one naming the compressed blobs.
  const changed = layers.some((l, i) => l.digest !== manifest.layers[i]!.digest);
  // A registry that serves the manifest holds its blobs; one that took a blob meanwhile is not in
  // the state its answer described, and the PUT decides.
  const movedBlobs = ctx.counts.uploaded + ctx.counts.mounted > movedBefore;
  if (!changed && served && !movedBlobs) return { digest: sha256Digest(bytes), size: bytes.length };
  const out = changed ? Buffer.from(JSON.stringify({ ...manifest, layers }, null, 3)) : bytes;
  const digest = await putManifest(ctx.client, ctx.repository, tag ?? sha256Digest(out), out, mediaType, ctx.options.signal);
  return { digest, size: out.length };
}

/** What push asks the registry before the manifest goes: whether it serves the manifest, whether it has each blob. */
type Check = { kind: 'manifest' } | { kind: 'blob'; blob: Descriptor; isLayer: boolean };

/** An index's PUT under `reference`, unless the registry serves these very bytes there already. */
async function putUnlessServed(ctx: PushContext, reference: string, out: Buffer, mediaType: string): Promise<{ digest: string; size: number }> {
  const digest = sha256Digest(out);
  if (await servesManifest(ctx.client, ctx.repository, reference, digest, out.length, ctx.options.signal)) return { digest, size: out.length };
  await putManifest(ctx.client, ctx.repository, reference, out, mediaType, ctx.options.signal);
  return { digest, size: out.length };
}

/** Pushes one stored blob unless the registry has it or can mount it (pushBlob.ts); returns its descriptor as pushed. */
async function pushStoredBlob(ctx: PushContext, blob: Descriptor, isLayer: boolean, signal: AbortSignal): Promise<Descriptor> {
  const { client, repository } = ctx;
  const pushed = await pushBlob(
    client,
    repository,
    { descriptor: blob, isLayer, sources: sourcesOn(ctx.meta, blob.digest, client.domain), open: () => ctx.store.blobs.reader(blob.digest) },
    {
      signal,
      ...(isLayer ? { onState: (state: LayerState, current: number, total: number, from?: string) => ctx.emit({ kind: 'layer', id: blob.digest, state, current, total, ...(from ? { from } : {}) }) } : {}),
    },
  );
  ctx.counts[pushed.how === 'exists' ? 'skipped' : pushed.how]++;
  const { descriptor } = pushed;
  (ctx.sources[blob.digest] ??= []).push({ registry: client.domain, repository, digest: descriptor.digest, size: descriptor.size, mediaType: descriptor.mediaType });
  return descriptor;
}
