// What a loader has worked out about one image of an archive before anything is committed: its
// config, its layers (staged files), the manifest to record and the names to give it. The checks
// here are the ones every archive format shares: a config that is an image config, and layers whose
// uncompressed digests are the diffIDs the config lists.

import { sha256Digest } from '../digest';
import { shortId } from '../shortId';
import { StevedoreError } from '../errors';
import { checkConfig, type DocumentSource } from '../image/imageDocuments';
import { MediaType } from '../image/mediaTypes';
import { platformOf } from '../image/platform';
import type { Descriptor, ImageConfig, ImageManifest } from '../image/types';
import { familiarString, formatReference, parseReference, tryParseReference } from '../reference/reference';
import type { StagedFile } from './stagedFile';

export interface PlannedImage {
  /** Full references to point at the image, in the archive's order. */
  refs: string[];
  config: StagedFile;
  configValue: ImageConfig;
  layers: StagedFile[];
  /** The manifest to record: one from the archive (kept byte for byte) or one written for it. */
  manifest: { descriptor: Descriptor; file?: StagedFile; bytes?: Buffer };
}

/** How an image is named in messages: its first tag, else its short ID. */
export function imageLabel(refs: readonly string[], configDigest: string): string {
  const first = refs[0] ? tryParseReference(refs[0]) : null;
  return first ? familiarString(first) : `image ${shortId(configDigest)}`;
}

/** Refuses a config that is not an image config (no rootfs.diff_ids, no os or architecture). */
export function checkImageConfig(value: unknown, what: string, path: string): ImageConfig {
  return checkConfig(value, archiveDocument(what, path));
}

/** How a malformed document of an archive is named: nothing is loaded from such an archive. */
export function archiveDocument(what: string, path: string): DocumentSource {
  return { what: `${what}: "${path}"`, code: 'INVALID_ARCHIVE', advice: 'Nothing was loaded.' };
}

/**
 * Checks each layer against the config's diffIDs. `digestsVerified` says whether each layer's own
 * digest was already checked against a descriptor (OCI layouts): then a layer whose compression
 * Node cannot undo is accepted; without a descriptor the diffID is the only proof, and it must hold.
 */
export function checkLayers(layers: readonly StagedFile[], config: ImageConfig, label: string, what: string, digestsVerified: boolean): void {
  const diffIds = config.rootfs.diff_ids;
  if (diffIds.length !== layers.length) {
    throw new StevedoreError(
      'INVALID_ARCHIVE',
      `${what}: ${label} lists ${layers.length} layer${layers.length === 1 ? '' : 's'} but its config has ${diffIds.length} diffID${diffIds.length === 1 ? '' : 's'}. The archive is corrupt; nothing was loaded.`,
    );
  }
  layers.forEach((layer, i) => {
    if (layer.diffId === undefined) {
      if (digestsVerified) return;
      throw new StevedoreError('UNSUPPORTED', `${what}: layer "${layer.path}" of ${label} is compressed with ${layer.compression}, which Stevedore cannot read yet, so it cannot be verified. Recompress the layers with gzip.`);
    }
    if (layer.diffId !== diffIds[i]) {
      throw new StevedoreError(
        'DIGEST_MISMATCH',
        `${what}: layer "${layer.path}" of ${label} does not match the image config: its uncompressed content hashes to ${layer.diffId}, but the config expects ${diffIds[i]}. The archive is corrupt or was tampered with; nothing was loaded.`,
      );
    }
  });
}

/** The OCI manifest Stevedore records for layers that came without one (manifest.json archives). */
export function buildManifest(config: StagedFile, layers: readonly StagedFile[], configValue: ImageConfig): { descriptor: Descriptor; bytes: Buffer } {
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: config.digest, size: config.size },
    layers: layers.map((l) => ({ mediaType: layerMediaType(l), digest: l.digest, size: l.size })),
  };
  const bytes = Buffer.from(JSON.stringify(manifest));
  return { descriptor: { mediaType: MediaType.ociManifest, digest: sha256Digest(bytes), size: bytes.length, platform: platformOf(configValue) }, bytes };
}

function layerMediaType(layer: StagedFile): string {
  switch (layer.compression) {
    case 'gzip':
      return MediaType.ociLayerGzip;
    case 'zstd':
      return MediaType.ociLayerZstd;
    default:
      return MediaType.ociLayer;
  }
}

/** Full references from manifest.json's RepoTags; Docker's loader refuses a name without a tag. */
export function refsFromRepoTags(repoTags: readonly string[] | null, what: string): string[] {
  const refs: string[] = [];
  for (const tag of repoTags ?? []) {
    let ref;
    try {
      ref = parseReference(tag, { defaultTag: false });
    } catch (err) {
      throw new StevedoreError('INVALID_ARCHIVE', `${what}: manifest.json has an invalid tag "${tag}" (${(err as Error).message}). Nothing was loaded.`, { cause: err });
    }
    if (ref.tag === undefined || ref.digest !== undefined) {
      throw new StevedoreError('INVALID_ARCHIVE', `${what}: manifest.json has "${tag}" in RepoTags, which is not a name with a tag. Nothing was loaded.`);
    }
    const full = formatReference(ref);
    if (!refs.includes(full)) refs.push(full);
  }
  return refs;
}
