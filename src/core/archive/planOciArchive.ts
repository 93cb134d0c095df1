// Works out the images of an archive that is an OCI image layout (podman and skopeo oci-archive,
// `tar` of an OCI layout folder): index.json → manifest (through nested indexes, choosing the
// host's platform among those present) → config and layers, every blob checked against the
// descriptor that names it. Names come from io.containerd.image.name, else from a ref.name that is a
// full reference; a bare ref.name such as "latest" names no repository, so such an image loads
// untagged rather than under an invented name.

import { isDigest } from '../digest';
import { StevedoreError } from '../errors';
import { decodeImageDocument } from '../image/imageDocuments';
import { MediaType } from '../image/mediaTypes';
import { hostPlatform, platformMatches } from '../image/platform';
import { CONTAINERD_NAME_ANNOTATION, REF_NAME_ANNOTATION, type Descriptor, type ImageIndex, type ImageManifest } from '../image/types';
import { formatReference, tryParseReference } from '../reference/reference';
import type { BlobStore } from '../store/blobStore';
import { OCI_INDEX_FILE } from './archiveFormat';
import { archiveDocument, checkImageConfig, checkLayers, imageLabel, type PlannedImage } from './archiveImagePlan';
import { findBlob, readJsonFile, type ArchiveContents } from './readArchive';
import type { StagedFile } from './stagedFile';

const MAX_INDEX_DEPTH = 4;

export async function planOciArchive(blobs: BlobStore, contents: ArchiveContents): Promise<PlannedImage[]> {
  const { what } = contents;
  const index = (await readJsonFile<ImageIndex>(blobs, contents, contents.files.get(OCI_INDEX_FILE)!, 'the OCI index')).value;
  if (!index || !Array.isArray(index.manifests)) {
    throw new StevedoreError('INVALID_ARCHIVE', `${what}: index.json is not an OCI image index (it has no "manifests" list). Nothing was loaded.`);
  }
  if (index.manifests.length === 0) {
    throw new StevedoreError('INVALID_ARCHIVE', `${what}: index.json lists no images. Nothing was loaded.`);
  }

  // One image per manifest, with the names of every index entry that leads to it.
  const byManifest = new Map<string, { descriptor: Descriptor; file: StagedFile; manifest: ImageManifest; refs: string[] }>();
  for (const entry of index.manifests) {
    if (!entry || typeof entry.digest !== 'string' || !isDigest(entry.digest)) {
      throw new StevedoreError('INVALID_ARCHIVE', `${what}: index.json has an entry whose digest is not a valid digest. Nothing was loaded.`);
    }
    const resolved = await resolveManifest(blobs, contents, entry, 0);
    let slot = byManifest.get(resolved.descriptor.digest);
    if (!slot) {
      slot = { ...resolved, refs: [] };
      byManifest.set(resolved.descriptor.digest, slot);
    }
    for (const ref of namesOf(entry)) if (!slot.refs.includes(ref)) slot.refs.push(ref);
  }

  const planned: PlannedImage[] = [];
  for (const { descriptor, file, manifest, refs } of byManifest.values()) {
    const config = await blobFor(contents, manifest.config, `the config of manifest ${descriptor.digest}`);
    const configValue = checkImageConfig((await readJsonFile<unknown>(blobs, contents, config, 'the image config')).value, what, config.path);
    const label = imageLabel(refs, config.digest);
    const layers: StagedFile[] = [];
    for (const layer of manifest.layers) layers.push(await blobFor(contents, layer, `a layer of ${label}`));
    checkLayers(layers, configValue, label, what, true);
    const { annotations: _annotations, ...plain } = descriptor;
    if (!plain.platform) plain.platform = { architecture: configValue.architecture, os: configValue.os, ...(configValue.variant ? { variant: configValue.variant } : {}) };
    planned.push({ refs, config, configValue, layers, manifest: { descriptor: plain, file } });
  }
  return planned;
}

/** Follows `entry` to an image manifest present in the archive. */
async function resolveManifest(blobs: BlobStore, contents: ArchiveContents, entry: Descriptor, depth: number): Promise<{ descriptor: Descriptor; file: StagedFile; manifest: ImageManifest }> {
  const { what } = contents;
  if (depth > MAX_INDEX_DEPTH) throw new StevedoreError('INVALID_ARCHIVE', `${what}: image indexes nest more than ${MAX_INDEX_DEPTH} deep. Nothing was loaded.`);
  const file = await blobFor(contents, entry, `the manifest ${entry.digest} named by index.json`);
  const { bytes } = await readJsonFile<unknown>(blobs, contents, file, 'the manifest');
  const doc = decodeImageDocument(bytes, archiveDocument(what, file.path), entry.mediaType);
  if (doc.kind === 'index') {
    const present: Descriptor[] = [];
    for (const c of doc.index.manifests) if (await findBlob(contents, c.digest)) present.push(c);
    const host = hostPlatform();
    const chosen = present.find((c) => platformMatches(c.platform, host)) ?? present[0];
    if (!chosen) {
      throw new StevedoreError('INVALID_ARCHIVE', `${what}: none of the manifests listed by index ${entry.digest} are in the archive. Nothing was loaded.`);
    }
    return resolveManifest(blobs, contents, chosen, depth + 1);
  }
  const { manifest } = doc;
  // The spec lets both leave the media type out; an image manifest is what it then is.
  const mediaType = entry.mediaType ?? manifest.mediaType ?? MediaType.ociManifest;
  return { descriptor: { ...entry, mediaType }, file, manifest };
}

/** The staged blob a descriptor names, checked against the descriptor's digest and size. */
async function blobFor(contents: ArchiveContents, descriptor: Descriptor, label: string): Promise<StagedFile> {
  const { what } = contents;
  if (!descriptor || typeof descriptor.digest !== 'string' || !isDigest(descriptor.digest)) {
    throw new StevedoreError('INVALID_ARCHIVE', `${what}: ${label} has no valid digest. Nothing was loaded.`);
  }
  const file = await findBlob(contents, descriptor.digest);
  if (!file) {
    const urls = descriptor.urls?.length ? ' (a foreign layer the archive does not carry)' : '';
    throw new StevedoreError('INVALID_ARCHIVE', `${what}: ${label}, ${descriptor.digest}, is not in the archive${urls}. The archive is incomplete; nothing was loaded.`);
  }
  // A symlink under blobs/ could point at another blob: what matters is the content's digest.
  if (file.digest !== descriptor.digest) {
    throw new StevedoreError('DIGEST_MISMATCH', `${what}: ${label} should be ${descriptor.digest}, but "${file.path}" hashes to ${file.digest}. The archive is corrupt or was tampered with; nothing was loaded.`);
  }
  if (typeof descriptor.size === 'number' && descriptor.size !== file.size) {
    throw new StevedoreError('INVALID_ARCHIVE', `${what}: ${label}, ${descriptor.digest}, is ${file.size} bytes in the archive but ${descriptor.size} bytes in its descriptor. Nothing was loaded.`);
  }
  return file;
}

/** Full references an index entry names, by the annotations Docker 25+, containerd, podman and skopeo write. */
export function namesOf(entry: Descriptor): string[] {
  const annotations = entry.annotations ?? {};
  const refName = annotations[REF_NAME_ANNOTATION];
  // io.containerd.image.name is always a name; ref.name may be only a tag ("latest"), which names no repository.
  const candidates = [annotations[CONTAINERD_NAME_ANNOTATION], refName && /[:/]/.test(refName) ? refName : undefined];
  for (const candidate of candidates) {
    if (!candidate) continue;
    const ref = tryParseReference(candidate);
    if (ref && ref.tag !== undefined && ref.digest === undefined) return [formatReference(ref)];
  }
  return [];
}
