// `load`: an image archive (docker save old and new, podman and skopeo docker-archive/oci-archive,
// OCI layout tars, Stevedore's own; plain or gzip-compressed) is read in one pass into blob
// ingests, its structure worked out and every digest checked, and only then are its blobs committed
// and its images recorded, all under one lease. A bad, truncated or cancelled load leaves the store
// exactly as it was.

import { throwIfAborted, StevedoreError } from '../errors';
import type { Descriptor } from '../image/types';
import type { ImageStore } from '../store/imageStore';
import type { Lease } from '../store/leases';
import { DOCKER_MANIFEST_FILE, OCI_INDEX_FILE } from './archiveFormat';
import type { PlannedImage } from './archiveImagePlan';
import { decompressed } from './decompress';
import { planDockerArchive } from './planDockerArchive';
import { planOciArchive } from './planOciArchive';
import { discardArchive, readArchive, type ArchiveContents } from './readArchive';
import type { StagedFile } from './stagedFile';
import type { TransferListener } from '../transfer/transferEvent';

export interface LoadOptions {
  /**
   * The archive's bytes, plain or gzip-compressed. The load is done with each chunk once it asks for
   * the next (it copies what it keeps), so a source may reuse a chunk's memory then.
   */
  source: AsyncIterable<Uint8Array>;
  /** What the source was called: a path, or "-" for standard input. */
  sourceName: string;
  signal?: AbortSignal;
  /**
   * Progress as TransferEvents: start, each layer as it is read (named by its path in the archive;
   * transfer/layerShortId.ts gives Docker's short name), end.
   */
  onEvent?: TransferListener;
  /** Full references the loaded image gets instead of the archive's own names (archives of one image only). */
  names?: readonly string[];
}

export interface LoadedArchiveImage {
  /** The config digest: the image ID. */
  id: string;
  manifestDigest: string;
  /** Full references now pointing at the image, in the archive's order; empty when untagged. */
  refs: string[];
}

export interface LoadResult {
  images: LoadedArchiveImage[];
  /** References that pointed at another image before the load; that image lost the name. */
  moved: { ref: string; previousId: string }[];
}

export async function loadArchive(store: ImageStore, options: LoadOptions): Promise<LoadResult> {
  const what = options.sourceName === '-' ? 'standard input' : options.sourceName;
  const emit = options.onEvent;
  emit?.({ kind: 'start', operation: 'load', reference: what });
  const result = await store.leases.with(async (lease) => {
    const contents = await readArchive(store.blobs, lease, decompressed(options.source, what, { chunkSize: 256 * 1024, sourceReusesChunks: true }), {
      what,
      signal: options.signal,
      ...(emit ? { onEvent: emit } : {}),
    });
    try {
      const planned = await plan(store, contents);
      if (options.names) renameSingleImage(planned, options.names, what);
      throwIfAborted(options.signal);
      // Everything checked out. From here on the load is committed as one step and is not cancelled
      // half-way: each remaining step is short (renames and index writes).
      const present = await presentImages(store, planned, lease);
      const digests = new Set<string>();
      for (const image of planned) {
        if (present.has(image.config.digest)) continue;
        for (const file of [image.config, ...image.layers]) digests.add(file.digest);
        digests.add(image.manifest.descriptor.digest);
      }
      await lease.protect(digests);
      const committed = new Set<string>();
      const commit = async (file: StagedFile): Promise<void> => {
        if (committed.has(file.digest)) return;
        committed.add(file.digest);
        if (file.ingest) await file.ingest.commit();
        else if (file.bytes) await store.blobs.writeBytes(file.bytes, { digest: file.digest }, lease);
        // Otherwise the store already had it, and the lease has kept it since it was found.
      };
      for (const image of planned) {
        if (present.has(image.config.digest)) continue;
        for (const file of [...image.layers, image.config]) await commit(file);
        if (image.manifest.file) await commit(image.manifest.file);
        else if (image.manifest.bytes) await store.blobs.writeBytes(image.manifest.bytes, { digest: image.manifest.descriptor.digest }, lease);
      }
      const before = new Map<string, string>();
      for (const record of await store.list()) for (const ref of record.refs) before.set(ref, record.id);
      const result: LoadResult = { images: [], moved: [] };
      for (const image of planned) {
        const record = await store.addImage(present.get(image.config.digest) ?? image.manifest.descriptor, image.refs);
        for (const ref of image.refs) {
          const previousId = before.get(ref);
          if (previousId && previousId !== record.id) result.moved.push({ ref, previousId });
          before.set(ref, record.id);
        }
        result.images.push({ id: record.id, manifestDigest: record.manifestDigest, refs: image.refs });
      }
      return result;
    } finally {
      await discardArchive(contents);
    }
  });
  emit?.({ kind: 'end', operation: 'load', reference: what, ...(result.images.length === 1 ? { id: result.images[0]!.id } : {}) });
  return result;
}

/**
 * Images of the archive that the store already has under the same ID (config digest), with all
 * their blobs: the archive's names then point at the stored image, as Docker does, rather than at
 * a second manifest for the same image (say, its layers uncompressed instead of gzip).
 */
async function presentImages(store: ImageStore, planned: readonly PlannedImage[], lease: Lease): Promise<Map<string, Descriptor>> {
  const present = new Map<string, Descriptor>();
  const wanted = new Set(planned.map((p) => p.config.digest));
  const records = (await store.list()).filter((r) => wanted.has(r.id));
  // A tagged record first: that is the one users know.
  records.sort((a, b) => Number(b.refs.length > 0) - Number(a.refs.length > 0));
  for (const record of records) {
    if (present.has(record.id)) continue;
    const image = await store.load(record).catch(() => null);
    if (!image) continue;
    const digests = [record.manifestDigest, image.manifestDescriptor.digest, image.manifest.config.digest, ...image.manifest.layers.map((l) => l.digest)];
    await lease.protect(digests);
    const complete = await Promise.all(digests.map((d) => store.blobs.has(d)));
    if (complete.every(Boolean)) present.set(record.id, { mediaType: record.manifestMediaType, digest: record.manifestDigest, size: record.manifestSize });
  }
  return present;
}

async function plan(store: ImageStore, contents: ArchiveContents): Promise<PlannedImage[]> {
  if (contents.files.has(DOCKER_MANIFEST_FILE)) return planDockerArchive(store.blobs, contents);
  if (contents.files.has(OCI_INDEX_FILE)) return planOciArchive(store.blobs, contents);
  throw new StevedoreError(
    'INVALID_ARCHIVE',
    `${contents.what} is a tar archive but not an image archive: it has neither manifest.json nor index.json. To make an image from a root filesystem tarball, use "stevedore import".`,
  );
}

function renameSingleImage(planned: PlannedImage[], names: readonly string[], what: string): void {
  if (planned.length !== 1) {
    throw new StevedoreError('INVALID_ARGUMENT', `${what} holds ${planned.length} images; a destination name can be given only for one image.`);
  }
  planned[0]!.refs = [...names];
}
