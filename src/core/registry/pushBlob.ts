// One blob on its way to a registry repository, the same for a push from the store (pushImage.ts)
// and for a copy from anywhere else (RegistrySource.put: another registry, an engine's export, an
// archive): skipped when the repository has it (HEAD, under its own digest or, for a layer kept
// uncompressed, under a compressed digest it is known by), mounted from another repository of the
// same registry known to hold it (POST ?mount=&from=), else uploaded (blobUpload.ts: a session, the
// bytes streamed, retried within the budget), a layer kept uncompressed gzip-compressed on the way
// as docker push does. One path, so a copy between repositories of one registry mounts as a push
// does, and the two never drift apart.

import type { Readable } from 'node:stream';
import { layerCompression, MediaType } from '../image/mediaTypes';
import type { Descriptor } from '../image/types';
import type { DistributionSource } from '../store/metadata';
import type { LayerState } from '../transfer/transferEvent';
import { blobExists, mountBlob, uploadBlob, type UploadSource } from './blobUpload';
import { gzipped } from './gzipped';
import type { RegistryClient } from './registryClient';

export interface BlobToPush {
  /** The blob as its source holds it. */
  descriptor: Descriptor;
  /** Layers may be compressed on the way; a config never is. */
  isLayer: boolean;
  /**
   * Repositories known to hold the blob (or, for a layer kept uncompressed, its compressed form),
   * newest first: where it was pulled from or pushed to. Only those on this registry are used.
   */
  sources: readonly DistributionSource[];
  /** The bytes as the source holds them, from the start; opened again when an upload is retried. */
  open(): Readable;
}

export interface BlobPushOptions {
  signal: AbortSignal;
  /** The blob's progress: `exists`, `mounted` (with the repository it came from), `transferring` bytes, `done`. */
  onState?: (state: LayerState, current: number, total: number, from?: string) => void;
}

export interface PushedBlob {
  /** The blob as the repository now holds it (compressed on the way: the gzip digest, size and type). */
  descriptor: Descriptor;
  how: 'exists' | 'mounted' | 'uploaded';
  /** The repository it was mounted from. */
  from?: string;
}

export async function pushBlob(client: RegistryClient, repository: string, blob: BlobToPush, options: BlobPushOptions): Promise<PushedBlob> {
  const { descriptor } = blob;
  const { signal } = options;
  const report = options.onState ?? (() => undefined);
  const compress = blob.isLayer && layerCompression(descriptor.mediaType) === 'none' && compressedMediaType(descriptor.mediaType) !== undefined;
  // Forms the registry may already know this blob by: itself, or (for an uncompressed layer) its compressed form.
  const known = blob.sources.filter((s) => s.registry === client.domain && (compress ? s.digest !== descriptor.digest : s.digest === descriptor.digest));
  const candidates: Descriptor[] = compress
    ? [...new Map(known.map((s) => [s.digest, { mediaType: s.mediaType, digest: s.digest, size: s.size }])).values()]
    : [descriptor];
  for (const candidate of candidates) {
    if (await blobExists(client, repository, candidate.digest, signal)) {
      report('exists', candidate.size, candidate.size);
      return { descriptor: candidate, how: 'exists' };
    }
  }
  let location: string | undefined;
  for (const source of known) {
    if (source.repository === repository) continue;
    const mount = await mountBlob(client, repository, source.digest, source.repository, signal);
    if (mount.mounted) {
      report('mounted', source.size, source.size, source.repository);
      return { descriptor: { mediaType: compress ? source.mediaType : descriptor.mediaType, digest: source.digest, size: source.size }, how: 'mounted', from: source.repository };
    }
    // A declined mount opens an upload session; one is enough.
    location = mount.location;
    break;
  }
  report('transferring', 0, compress ? 0 : descriptor.size);
  const upload: UploadSource = compress ? { open: () => gzipped(blob.open()) } : { open: () => blob.open(), digest: descriptor.digest, size: descriptor.size };
  const sent = await uploadBlob(client, repository, upload, {
    signal,
    ...(location ? { location } : {}),
    onProgress: (bytes) => report('transferring', bytes, compress ? 0 : descriptor.size),
  });
  report('done', sent.size, sent.size);
  return { descriptor: compress ? { mediaType: compressedMediaType(descriptor.mediaType)!, digest: sent.digest, size: sent.size } : descriptor, how: 'uploaded' };
}

/** The gzip media type for an uncompressed layer type; undefined for anything else. */
export function compressedMediaType(mediaType: string): string | undefined {
  switch (mediaType) {
    case MediaType.ociLayer:
      return MediaType.ociLayerGzip;
    case MediaType.dockerLayer:
      return MediaType.dockerLayerGzip;
    case 'application/vnd.oci.image.layer.nondistributable.v1.tar':
      return MediaType.ociLayerNondistributableGzip;
    default:
      return undefined;
  }
}
