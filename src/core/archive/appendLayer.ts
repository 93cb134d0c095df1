// `commit` / `append`: with no containers in a daemonless store, committing means appending a
// layer. A folder (made into a reproducible tar) or a tarball becomes a new gzip layer on top of an
// image; the config gets the new diffID, the --change instructions, and a history entry recorded the
// way `docker commit` records one (author and comment from -a and -m). An empty folder adds no layer
// and an `empty_layer` history entry, as Docker does for a commit that changed no files.

import { StevedoreError, throwIfAborted } from '../errors';
import { applyChanges, parseChange } from '../image/configChanges';
import { MediaType } from '../image/mediaTypes';
import type { ContainerConfig, Descriptor, HistoryEntry, ImageConfig } from '../image/types';
import { formatReference, parseReference } from '../reference/reference';
import type { ImageRecord, ImageStore } from '../store/imageStore';
import { writeImage } from '../store/writeImage';
import { decompressed } from './decompress';
import { folderTar, isEmptyFolder } from './folderTar';
import { storeTarAsLayer } from './layerFromTar';
import { sourceDateEpoch } from '../image/sourceDateEpoch';

export type LayerSource =
  | { kind: 'folder'; path: string }
  /** A tarball's bytes, plain or compressed; `name` is what it was called ("-" for standard input). */
  | { kind: 'tarball'; name: string; bytes: AsyncIterable<Uint8Array> }
  /** No files changed: an `empty_layer` history entry only. */
  | { kind: 'none' };

export interface AppendLayerOptions {
  /** The image to build on: a name, an ID or a digest reference. */
  base: string;
  source: LayerSource;
  /** Tag for the result; without one the new image is dangling, as with `docker commit`. */
  reference?: string;
  message?: string;
  author?: string;
  changes?: readonly string[];
  /** The container config to start from instead of the base image's (a container's, for `commit CONTAINER`). */
  config?: ContainerConfig;
  /** The history's `created_by` (`docker commit` records the container's command). */
  createdBy?: string;
  /** Defaults to SOURCE_DATE_EPOCH when set, else now. Also every file's time when the source is a folder. */
  created?: Date;
  signal?: AbortSignal;
  /** Bytes of the new layer's plain tar so far. */
  onProgress?: (bytes: number) => void;
}

export async function appendLayer(store: ImageStore, options: AppendLayerOptions): Promise<ImageRecord> {
  // Everything the user typed is checked before a byte is read.
  const ref = options.reference ? formatReference(parseReference(options.reference)) : undefined;
  if (ref?.includes('@')) {
    throw new StevedoreError('INVALID_REFERENCE', `commit needs a name with a tag, not a digest: "${options.reference}".`);
  }
  const changes = (options.changes ?? []).map(parseChange);
  const epoch = sourceDateEpoch();
  const createdAt = options.created ?? epoch ?? new Date();
  const created = createdAt.toISOString().replace(/\.000Z$/, 'Z');
  const base = await store.find(options.base);

  return store.leases.with(async (lease) => {
    const image = await store.load(base);
    // Named in the lease before being checked, so that an rmi elsewhere cannot remove them meanwhile.
    const baseDigests = [image.manifest.config.digest, ...image.manifest.layers.map((l) => l.digest)];
    await lease.protect(baseDigests);
    for (const digest of baseDigests) {
      if (!(await store.blobs.has(digest))) {
        throw new StevedoreError('BLOB_NOT_FOUND', `Blob ${digest} of ${options.base} is missing from the store, so nothing can be built on it. Run "stevedore system check".`);
      }
    }

    let layer: { descriptor: Descriptor; diffId: string } | undefined;
    if (options.source.kind === 'folder') {
      if (!(await isEmptyFolder(options.source.path))) {
        const what = options.source.path;
        layer = await storeTarAsLayer(store.blobs, lease, folderTar(options.source.path, { mtime: options.created ?? epoch, signal: options.signal }), {
          what,
          signal: options.signal,
          onProgress: options.onProgress,
        });
      }
    } else if (options.source.kind === 'tarball') {
      const what = options.source.name === '-' ? 'standard input' : options.source.name;
      layer = await storeTarAsLayer(store.blobs, lease, decompressed(options.source.bytes, what), { what, signal: options.signal, onProgress: options.onProgress });
    }
    throwIfAborted(options.signal);

    const history: HistoryEntry = { created };
    if (options.createdBy) history.created_by = options.createdBy;
    if (options.author) history.author = options.author;
    if (options.message) history.comment = options.message;
    if (!layer) history.empty_layer = true;
    const config: ImageConfig = {
      ...image.config,
      created,
      config: applyChanges(options.config ?? image.config.config ?? {}, changes),
      rootfs: { type: 'layers', diff_ids: [...image.config.rootfs.diff_ids, ...(layer ? [layer.diffId] : [])] },
      history: [...(image.config.history ?? []), history],
    };
    // Docker's child image keeps the base's platform but not what described the base's own build.
    for (const key of ['author', 'comment', 'container', 'container_config', 'docker_version', 'parent', 'id']) delete config[key];
    if (options.author) config.author = options.author;

    return writeImage(store, lease, { config, layers: [...image.manifest.layers.map(asOciLayer), ...(layer ? [layer.descriptor] : [])], refs: ref ? [ref] : [] }, { signal: options.signal });
  });
}

/** The base's layers keep their digests; Docker media types become their OCI equivalents. */
export function asOciLayer(layer: Descriptor): Descriptor {
  const mediaType =
    layer.mediaType === MediaType.dockerLayerGzip ? MediaType.ociLayerGzip
    : layer.mediaType === MediaType.dockerLayer ? MediaType.ociLayer
    : layer.mediaType === MediaType.dockerForeignLayerGzip ? MediaType.ociLayerNondistributableGzip
    : layer.mediaType;
  const out: Descriptor = { mediaType, digest: layer.digest, size: layer.size };
  if (layer.urls) out.urls = layer.urls;
  if (layer.annotations) out.annotations = layer.annotations;
  return out;
}
