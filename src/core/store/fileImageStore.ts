// The file-system image store: an OCI image layout (index.json, blobs/) plus Stevedore's private
// folder (metadata side file, lock, leases, ingest area). Readers never lock (index.json is
// replaced atomically, so they see the old or the new index); writers change index.json and the
// metadata side file only inside `update`, which holds the cross-process lock.

import { access, readFile, writeFile } from 'node:fs/promises';
import { isDigest } from '../digest';
import { StevedoreError } from '../errors';
import type { Image } from '../image/image';
import { loadImage, summarise, type LoadedImage } from '../image/summary';
import type { Descriptor, ImageIndex } from '../image/types';
import { storeListingCache } from '../layers/layerCache';
import { writeFileAtomic } from './atomicFile';
import { BlobStore } from './blobStore';
import { mergeSources } from './distributionSources';
import { ensureDirectory } from './ensureDirectory';
import { findImage, pointReference, type AddImageOptions, type ImageRecord, type ImageStore, type StoreTransaction, type UpdateOptions } from './imageStore';
import { readIndexFile, refName, writeIndexFile } from './indexFile';
import { storeLayout, type StoreLayout } from './layout';
import { Leases } from './leases';
import { emptyMetadata, parseMetadata, type ImageSummary, type StoreMetadata } from './metadata';
import { storeImage } from './storeImage';
import { StoreLock } from './storeLock';

export class FileImageStore implements ImageStore {
  readonly layout: StoreLayout;
  readonly blobs: BlobStore;
  readonly leases: Leases;
  private readonly lock: StoreLock;

  private constructor(layout: StoreLayout) {
    this.layout = layout;
    this.blobs = new BlobStore(layout.root, layout.ingestDir);
    this.leases = new Leases(layout.leasesDir);
    this.lock = new StoreLock(layout.privateDir);
  }

  get root(): string {
    return this.layout.root;
  }

  /** Opens the store at `root`, creating an empty OCI layout there when nothing is there yet. */
  static async open(root: string): Promise<FileImageStore> {
    const layout = storeLayout(root);
    await ensureDirectory(layout.privateDir);
    await ensureDirectory(`${layout.blobsDir}/sha256`);
    const layoutText = await readFile(layout.ociLayoutFile, 'utf8').catch(() => null);
    if (layoutText === null) {
      await writeFile(layout.ociLayoutFile, '{"imageLayoutVersion":"1.0.0"}\n', { flag: 'wx' }).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      });
    } else if (!layoutText.includes('"imageLayoutVersion"')) {
      throw new StevedoreError('STORE_CORRUPT', `${layout.ociLayoutFile} is not an OCI layout marker. Is ${layout.root} really an image store?`);
    }
    const store = new FileImageStore(layout);
    if (!(await fileExists(layout.indexFile))) {
      await store.update(async () => undefined, {});
    }
    return store;
  }

  async readIndex(): Promise<ImageIndex> {
    return readIndexFile(this.layout.indexFile);
  }

  async readMetadata(): Promise<StoreMetadata> {
    try {
      return parseMetadata(await readFile(this.layout.metadataFile, 'utf8'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyMetadata();
      throw new StevedoreError('STORE_CORRUPT', `The store's metadata file ${this.layout.metadataFile} is damaged. Run "stevedore system check --repair".`, { cause: err });
    }
  }

  /**
   * Runs `fn` under the store lock with the current index and metadata, then writes both back
   * atomically (metadata first: it is keyed by digest, so a crash in between leaves it a superset),
   * then runs what `fn` registered with `afterCommit`.
   */
  async update<T>(fn: (tx: StoreTransaction) => Promise<T> | T, options: UpdateOptions = {}): Promise<T> {
    const release = await this.lock.acquire({ signal: options.signal });
    try {
      const committed: (() => Promise<void>)[] = [];
      const tx: StoreTransaction = {
        index: await this.readIndex(),
        meta: await this.readMetadata(),
        afterCommit: (hook) => void committed.push(hook),
      };
      const before = JSON.stringify(tx.index);
      const metaBefore = JSON.stringify(tx.meta);
      const result = await fn(tx);
      pruneMetadata(tx);
      const metaAfter = JSON.stringify(tx.meta);
      if (metaAfter !== metaBefore) await writeFileAtomic(this.layout.metadataFile, metaAfter);
      const after = JSON.stringify(tx.index);
      if (after !== before || !(await fileExists(this.layout.indexFile))) {
        await writeIndexFile(this.layout.indexFile, tx.index);
      }
      for (const hook of committed) await hook();
      return result;
    } finally {
      await release();
    }
  }

  /** Every image in the store, one record per manifest. */
  async list(): Promise<ImageRecord[]> {
    const [index, meta] = await Promise.all([this.readIndex(), this.readMetadata()]);
    return this.recordsOf(index, meta);
  }

  async recordsOf(index: ImageIndex, meta: StoreMetadata): Promise<ImageRecord[]> {
    const byManifest = new Map<string, { entry: Descriptor; refs: string[] }>();
    for (const entry of index.manifests) {
      if (!isDigest(entry.digest)) continue;
      let slot = byManifest.get(entry.digest);
      if (!slot) {
        slot = { entry, refs: [] };
        byManifest.set(entry.digest, slot);
      }
      const ref = refName(entry);
      if (ref !== undefined && !slot.refs.includes(ref)) slot.refs.push(ref);
    }
    const records: ImageRecord[] = [];
    for (const [digest, { entry, refs }] of byManifest) {
      const summary = meta.images[digest]?.summary ?? (await this.summaryOf(entry).catch(() => null));
      if (!summary) continue; // unreadable image: `system check` reports it
      const taggedAt: Record<string, string> = {};
      for (const ref of refs) {
        const t = meta.tags[ref]?.taggedAt;
        if (t) taggedAt[ref] = t;
      }
      records.push({
        manifestDigest: digest,
        manifestMediaType: entry.mediaType,
        manifestSize: entry.size,
        id: summary.configDigest,
        refs: refs.sort(),
        repoDigests: meta.images[digest]?.repoDigests ?? [],
        summary,
        taggedAt,
      });
    }
    return records;
  }

  async summaryOf(entry: Descriptor): Promise<ImageSummary> {
    return summarise(await loadImage(this.blobs, entry));
  }

  async load(record: Pick<ImageRecord, 'manifestDigest' | 'manifestMediaType' | 'manifestSize'>): Promise<Image> {
    const loaded = await loadImage(this.blobs, { digest: record.manifestDigest, mediaType: record.manifestMediaType, size: record.manifestSize });
    // Read once, when a push first asks where a blob came from.
    let metadata: Promise<StoreMetadata> | undefined;
    return {
      ...storeImage(this.blobs, loaded, storeListingCache(this.layout)),
      blobSources: async (digest) => [...((await (metadata ??= this.readMetadata())).sources[digest] ?? [])].reverse(),
    };
  }

  /** Finds one image the way Docker does: by reference (default tag latest), digest, or ID prefix. */
  async find(nameOrId: string): Promise<ImageRecord> {
    return findImage(await this.list(), nameOrId);
  }

  /**
   * Records an image whose blobs are all in the store, under `refs` (full references). A reference
   * that pointed at another image moves; that image stays as a dangling one if nothing else names it.
   */
  async addImage(manifest: Descriptor, refs: readonly string[], options: AddImageOptions = {}): Promise<ImageRecord> {
    const loaded = await loadImage(this.blobs, manifest);
    for (const layer of loaded.manifest.layers) {
      if (!(await this.blobs.has(layer.digest))) {
        throw new StevedoreError('BLOB_NOT_FOUND', `Layer ${layer.digest} of the new image is not in the store.`);
      }
    }
    return this.update((tx) => recordImage(tx, loaded, manifest, refs, options), options);
  }

  /**
   * The record of an image that `addImage` with the same arguments would leave exactly as it is
   * (every blob present, every name, repo digest and source already recorded), found without the
   * lock and without writing anything; undefined when adding it would change something, or when
   * the image cannot be read. Read as every reader reads: index.json and the metadata file each
   * as a whole, so a writer that removes the image meanwhile is one that ran just after this.
   */
  async alreadyRecorded(manifest: Descriptor, refs: readonly string[], options: AddImageOptions = {}, image?: LoadedImage): Promise<ImageRecord | undefined> {
    // The index first: a writer replaces the metadata before the index, so the metadata read after
    // is as new as this index or newer, never an older one that still held facts a removal dropped.
    const index = await this.readIndex();
    const tx: StoreTransaction = { index, meta: await this.readMetadata(), afterCommit: () => undefined };
    if (!refs.every((ref) => tx.index.manifests.some((m) => m.digest === manifest.digest && refName(m) === ref))) return undefined;
    let loaded: LoadedImage;
    try {
      loaded = image ?? (await loadImage(this.blobs, manifest));
      const blobs = [loaded.manifest.config, ...loaded.manifest.layers];
      if (!(await Promise.all(blobs.map((b) => this.blobs.has(b.digest)))).every(Boolean)) return undefined;
    } catch {
      return undefined; // missing or damaged: addImage's own path says what is wrong
    }
    const before = JSON.stringify(tx);
    const record = recordImage(tx, loaded, manifest, refs, options);
    pruneMetadata(tx);
    return JSON.stringify(tx) === before ? record : undefined;
  }
}

/** What addImage records, inside its transaction: the summary, repo digests, sources and names. */
function recordImage(tx: StoreTransaction, loaded: LoadedImage, manifest: Descriptor, refs: readonly string[], options: AddImageOptions): ImageRecord {
  if (options.layerSizes) Object.assign(tx.meta.layerSizes, options.layerSizes);
  // Layers this store has measured before (under any compression) give Docker's size at once.
  const summary = summarise(loaded, tx.meta.layerSizes);
  const entry: Descriptor = { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.size };
  if (manifest.platform) entry.platform = manifest.platform;
  const now = new Date().toISOString();
  const slot = (tx.meta.images[manifest.digest] ??= {});
  slot.summary = summary;
  if (options.repoDigests?.length) {
    slot.repoDigests = [...new Set([...(slot.repoDigests ?? []), ...options.repoDigests])].sort();
  }
  if (options.sources) mergeSources(tx.meta, options.sources);
  for (const ref of refs) {
    // The time a name was last pointed at its image: a name that already points here keeps its time
    // (Docker's LastTagTime does not move on a pull either), so recording it again changes nothing.
    const moved = !tx.index.manifests.some((m) => m.digest === manifest.digest && refName(m) === ref);
    pointReference(tx, ref, entry);
    if (moved || !tx.meta.tags[ref]) tx.meta.tags[ref] = { taggedAt: now };
  }
  if (!tx.index.manifests.some((m) => m.digest === manifest.digest)) tx.index.manifests.push({ ...entry });
  return buildRecord(tx, manifest.digest, summary);
}

async function fileExists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

function buildRecord(tx: StoreTransaction, manifestDigest: string, summary: ImageSummary): ImageRecord {
  const entries = tx.index.manifests.filter((m) => m.digest === manifestDigest);
  const refs = entries.map(refName).filter((r): r is string => r !== undefined).sort();
  const taggedAt: Record<string, string> = {};
  for (const ref of refs) {
    const t = tx.meta.tags[ref]?.taggedAt;
    if (t) taggedAt[ref] = t;
  }
  const first = entries[0]!;
  return {
    manifestDigest,
    manifestMediaType: first.mediaType,
    manifestSize: first.size,
    id: summary.configDigest,
    refs,
    repoDigests: tx.meta.images[manifestDigest]?.repoDigests ?? [],
    summary,
    taggedAt,
  };
}

/** Drops metadata for images and references that index.json no longer has. */
function pruneMetadata(tx: StoreTransaction): void {
  const digests = new Set(tx.index.manifests.map((m) => m.digest));
  const refs = new Set(tx.index.manifests.map(refName).filter((r): r is string => r !== undefined));
  for (const digest of Object.keys(tx.meta.images)) if (!digests.has(digest)) delete tx.meta.images[digest];
  for (const ref of Object.keys(tx.meta.tags)) if (!refs.has(ref)) delete tx.meta.tags[ref];
}

