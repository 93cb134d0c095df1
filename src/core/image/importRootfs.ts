// `import`: a root filesystem tarball becomes a one-layer image, as `docker import` makes it:
// config built from --change instructions, history "Imported from SRC" unless a message is given,
// the host platform unless another is asked for.

import { StevedoreError, throwIfAborted } from '../errors';
import { decompressed } from '../archive/decompress';
import { storeTarAsLayer } from '../archive/layerFromTar';
import { formatReference, parseReference } from '../reference/reference';
import type { ImageRecord, ImageStore } from '../store/imageStore';
import { applyChanges, parseChange } from './configChanges';
import { hostPlatform } from './platform';
import type { ImageConfig, Platform } from './types';
import { writeImage } from '../store/writeImage';
import { sourceDateEpoch } from './sourceDateEpoch';

export interface ImportOptions {
  /** The tarball's bytes, plain or compressed. */
  source: AsyncIterable<Uint8Array>;
  /** What the source was called on the command line: a path, a URL or "-". */
  sourceName: string;
  reference?: string;
  changes?: readonly string[];
  message?: string;
  platform?: Platform;
  signal?: AbortSignal;
  onProgress?: (bytes: number) => void;
  /** Defaults to now, or SOURCE_DATE_EPOCH when set, so that imports can be reproducible. */
  created?: Date;
}

export async function importRootfs(store: ImageStore, options: ImportOptions): Promise<ImageRecord> {
  // Validate everything the user typed before reading a byte.
  const ref = options.reference ? formatReference(parseReference(options.reference)) : undefined;
  if (ref && ref.includes('@')) {
    throw new StevedoreError('INVALID_REFERENCE', `import needs a name with a tag, not a digest: "${options.reference}".`);
  }
  const changes = (options.changes ?? []).map(parseChange);
  const platform = options.platform ?? hostPlatform();
  const created = (options.created ?? createdFromEnvironment()).toISOString().replace(/\.000Z$/, 'Z');
  const comment = options.message || `Imported from ${options.sourceName}`;

  return store.leases.with(async (lease) => {
    const what = options.sourceName === '-' ? 'standard input' : options.sourceName;
    const layer = await storeTarAsLayer(store.blobs, lease, decompressed(options.source, what), {
      what,
      signal: options.signal,
      onProgress: options.onProgress,
    });
    throwIfAborted(options.signal);
    const config: ImageConfig = {
      architecture: platform.architecture,
      ...(platform.variant ? { variant: platform.variant } : {}),
      os: platform.os,
      created,
      comment,
      config: applyChanges({}, changes),
      rootfs: { type: 'layers', diff_ids: [layer.diffId] },
      history: [{ created, comment }],
    };
    return writeImage(store, lease, { config, layers: [layer.descriptor], refs: ref ? [ref] : [], layerSizes: { [layer.diffId]: layer.contentSize } }, { signal: options.signal });
  });
}

function createdFromEnvironment(): Date {
  return sourceDateEpoch() ?? new Date();
}
