// One image of an archive or OCI layout, read in place (layoutFiles.ts): through index.json (OCI
// layouts, oci-archive, the OCI half of Docker 25+ archives) or Docker's manifest.json (docker save,
// podman, skopeo docker-archive). Manifests and configs are checked against their digests when
// read; layers are checked as they stream. Nothing is loaded anywhere.

import { DigestCounter, isDigest, parseDigest, sha256Digest } from '../digest';
import { StevedoreError, throwIfAborted } from '../errors';
import type { Image } from '../image/image';
import { decodeConfig, decodeImageDocument, type DocumentSource } from '../image/imageDocuments';
import { MediaType } from '../image/mediaTypes';
import { partsImage } from '../image/partsImage';
import { formatPlatform, hostPlatform, platformMatches, platformOf } from '../image/platform';
import { REF_NAME_ANNOTATION, type Descriptor, type ImageConfig, type ImageIndex, type ImageManifest, type Platform } from '../image/types';
import { formatReference, tryParseReference } from '../reference/reference';
import { DOCKER_MANIFEST_FILE, OCI_INDEX_FILE, parseDockerManifest } from '../archive/archiveFormat';
import { refsFromRepoTags } from '../archive/archiveImagePlan';
import { namesOf } from '../archive/planOciArchive';
import { createInflater, detectCompression } from '../archive/decompress';
import type { LayoutFiles } from './layoutFiles';

const MAX_DOCUMENT = 8 * 1024 * 1024;
const MAX_INDEX_DEPTH = 4;

export interface LayoutSelection {
  /** oci: a ref.name ("latest") or a full reference; docker-archive: one of its RepoTags. */
  name?: string;
  platform?: Platform;
  signal?: AbortSignal;
}

export interface LayoutImage {
  image: Image;
  /** Full references the archive gives the image. */
  names: string[];
}

/** The image of an OCI layout (index.json) that `selection` names, or its only one. */
export async function ociLayoutImage(files: LayoutFiles, selection: LayoutSelection): Promise<LayoutImage> {
  const { what } = files;
  if ((await files.size(OCI_INDEX_FILE)) === undefined) throw new StevedoreError('INVALID_ARCHIVE', `${what} is not an OCI image layout: it has no index.json.`);
  const index = decodeImageDocument(await files.readSmall(OCI_INDEX_FILE, MAX_DOCUMENT), archiveDocument(what, OCI_INDEX_FILE));
  if (index.kind !== 'index') throw new StevedoreError('INVALID_ARCHIVE', `${what}: index.json is not an image index.`);
  const entry = pickEntry(index.index, selection.name, what);
  const names = selection.name && fullName(selection.name) ? [fullName(selection.name)!] : namesOf(entry);
  const { descriptor, bytes, manifest } = await resolveManifest(files, entry, selection.platform, 0);
  return { image: await imageOf(files, descriptor, bytes, manifest, selection.signal), names };
}

/** The image of a docker-archive that `selection` names (one of its RepoTags), or its only one. */
export async function dockerArchiveImage(files: LayoutFiles, selection: LayoutSelection): Promise<LayoutImage> {
  const { what } = files;
  if ((await files.size(DOCKER_MANIFEST_FILE)) === undefined) {
    // Podman and skopeo write oci-archives under docker-archive names too; the layout decides.
    if ((await files.size(OCI_INDEX_FILE)) !== undefined) return ociLayoutImage(files, selection);
    throw new StevedoreError('INVALID_ARCHIVE', `${what} has neither manifest.json nor index.json: it is not an image archive.`);
  }
  const items = parseDockerManifest(parsedJson(await files.readSmall(DOCKER_MANIFEST_FILE, MAX_DOCUMENT), what, DOCKER_MANIFEST_FILE), what);
  const wanted = selection.name ? referenceName(selection.name, what) : undefined;
  const withRefs = items.map((item) => ({ item, refs: refsFromRepoTags(item.RepoTags, what) }));
  const chosen = wanted ? withRefs.filter((i) => i.refs.includes(wanted)) : withRefs;
  if (chosen.length !== 1) {
    const listed = withRefs.flatMap((i) => i.refs).join(', ') || 'untagged images';
    throw new StevedoreError(
      chosen.length === 0 ? 'IMAGE_NOT_FOUND' : 'INVALID_ARGUMENT',
      chosen.length === 0 ? `${what} has no image ${selection.name} (it has ${listed}).` : `${what} holds ${items.length} images (${listed}); name one: docker-archive:PATH:NAME.`,
    );
  }
  const { item, refs } = chosen[0]!;
  const configBytes = await files.readSmall(item.Config, MAX_DOCUMENT);
  const configDigest = sha256Digest(configBytes);
  const config = decodeConfig(configBytes, archiveDocument(what, item.Config));
  // Docker 25+ writes an OCI manifest of the same image beside manifest.json: kept, so its digest survives.
  const oci = await ociManifestOf(files, configDigest);
  if (oci) return { image: await imageOf(files, oci.descriptor, oci.bytes, oci.manifest, selection.signal), names: wanted ? [wanted] : refs };
  const layers: Descriptor[] = [];
  const paths = new Map<string, string>();
  for (const [i, path] of item.Layers.entries()) {
    const layer = await describeLayer(files, path, config.rootfs.diff_ids[i], i, selection.signal);
    layers.push(layer);
    paths.set(layer.digest, path);
  }
  if (layers.length !== config.rootfs.diff_ids.length) {
    throw new StevedoreError('INVALID_ARCHIVE', `${what}: manifest.json lists ${layers.length} layers for ${refs[0] ?? configDigest} but its config has ${config.rootfs.diff_ids.length} diffIDs. The archive is corrupt.`);
  }
  const manifest: ImageManifest = { schemaVersion: 2, mediaType: MediaType.ociManifest, config: { mediaType: MediaType.ociConfig, digest: configDigest, size: configBytes.length }, layers };
  const manifestBytes = Buffer.from(JSON.stringify(manifest));
  const descriptor: Descriptor = { mediaType: MediaType.ociManifest, digest: sha256Digest(manifestBytes), size: manifestBytes.length, platform: platformOf(config) };
  const image = partsImage({ manifestDescriptor: descriptor, manifestBytes, manifest, configBytes, config, what, layerBytes: (d, _i, signal) => files.read(paths.get(d.digest)!, signal) });
  return { image, names: wanted ? [wanted] : refs };
}

/** A layer named by path: its digest from a blobs/ name, else the diffID of a plain tar, else hashed here once. */
async function describeLayer(files: LayoutFiles, path: string, diffId: string | undefined, index: number, signal?: AbortSignal): Promise<Descriptor> {
  const { what } = files;
  const size = await files.size(path);
  if (size === undefined) throw new StevedoreError('INVALID_ARCHIVE', `${what}: manifest.json names layer "${path}", but the archive has no such file. The archive is incomplete.`);
  const head = await firstBytes(files.read(path, signal));
  const compression = detectCompression(head);
  const mediaType = compression === 'gzip' ? MediaType.ociLayerGzip : compression === 'zstd' ? MediaType.ociLayerZstd : MediaType.ociLayer;
  if (compression === 'none') {
    // A plain tar's digest is its diffID; the bytes are checked against it as they stream.
    if (!diffId) throw new StevedoreError('INVALID_ARCHIVE', `${what}: layer ${index} ("${path}") has no diffID in its config.`);
    return { mediaType, digest: diffId, size };
  }
  const named = /(?:^|\/)blobs\/sha256\/([a-f0-9]{64})$/.exec(path);
  if (named) return { mediaType, digest: `sha256:${named[1]}`, size };
  const hashed = await hashLayer(files.read(path, signal), compression, signal);
  if (hashed.diffId !== diffId) {
    throw new StevedoreError('DIGEST_MISMATCH', `${what}: layer "${path}" does not match the image config: its content hashes to ${hashed.diffId}, but the config expects ${diffId}. The archive is corrupt or was tampered with.`);
  }
  return { mediaType, digest: hashed.digest, size };
}

async function hashLayer(bytes: AsyncIterable<Uint8Array>, compression: ReturnType<typeof detectCompression>, signal?: AbortSignal): Promise<{ digest: string; diffId: string }> {
  const outer = new DigestCounter();
  const inner = new DigestCounter();
  const inflater = createInflater(compression);
  if (!inflater) throw new StevedoreError('UNSUPPORTED', `A layer compressed with ${compression} cannot be read yet; recompress it with gzip.`);
  inflater.on('data', (chunk: Buffer) => inner.update(chunk));
  const ended = new Promise<void>((resolve, reject) => {
    inflater.once('end', resolve);
    inflater.once('error', reject);
  });
  for await (const chunk of bytes) {
    throwIfAborted(signal);
    outer.update(chunk);
    if (!inflater.write(chunk)) await new Promise((resolve) => inflater.once('drain', resolve));
  }
  inflater.end();
  await ended;
  return { digest: outer.digest(), diffId: inner.digest() };
}

async function firstBytes(stream: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  for await (const chunk of stream) return chunk;
  return new Uint8Array(0);
}

async function ociManifestOf(files: LayoutFiles, configDigest: string): Promise<{ descriptor: Descriptor; bytes: Buffer; manifest: ImageManifest } | undefined> {
  if ((await files.size(OCI_INDEX_FILE)) === undefined) return undefined;
  try {
    const index = decodeImageDocument(await files.readSmall(OCI_INDEX_FILE, MAX_DOCUMENT), archiveDocument(files.what, OCI_INDEX_FILE));
    if (index.kind !== 'index') return undefined;
    for (const entry of index.index.manifests) {
      const resolved = await resolveManifest(files, entry, undefined, 0);
      if (resolved.manifest.config.digest !== configDigest) continue;
      const present = await Promise.all(resolved.manifest.layers.map(async (l) => (await files.size(blobPath(l.digest))) === l.size));
      if (present.every(Boolean)) return resolved;
    }
  } catch {
    // manifest.json is what Docker reads; an OCI half that does not check out is passed over
  }
  return undefined;
}

function pickEntry(index: ImageIndex, name: string | undefined, what: string): Descriptor {
  const entries = index.manifests;
  if (entries.length === 0) throw new StevedoreError('INVALID_ARCHIVE', `${what}: index.json lists no images.`);
  const label = (d: Descriptor): string => d.annotations?.[REF_NAME_ANNOTATION] ?? d.digest;
  if (name === undefined) {
    if (new Set(entries.map((e) => e.digest)).size === 1) return entries[0]!;
    throw new StevedoreError('INVALID_ARGUMENT', `${what} holds ${entries.length} images (${entries.map(label).join(', ')}); name one as oci:DIR:NAME.`);
  }
  const full = fullName(name);
  const found = entries.find((e) => e.annotations?.[REF_NAME_ANNOTATION] === name) ?? (full ? entries.find((e) => namesOf(e).includes(full) || e.annotations?.[REF_NAME_ANNOTATION] === full) : undefined);
  if (!found) throw new StevedoreError('IMAGE_NOT_FOUND', `${what} has no image named "${name}" (it has ${entries.map(label).join(', ')}).`);
  return found;
}

async function resolveManifest(files: LayoutFiles, entry: Descriptor, platform: Platform | undefined, depth: number): Promise<{ descriptor: Descriptor; bytes: Buffer; manifest: ImageManifest }> {
  const { what } = files;
  if (depth > MAX_INDEX_DEPTH) throw new StevedoreError('INVALID_ARCHIVE', `${what}: image indexes nest more than ${MAX_INDEX_DEPTH} deep.`);
  const bytes = await readBlob(files, entry, 'manifest');
  const doc = decodeImageDocument(bytes, archiveDocument(what, blobPath(entry.digest)), entry.mediaType);
  if (doc.kind === 'index') {
    const wanted = platform ?? hostPlatform();
    const present: Descriptor[] = [];
    for (const c of doc.index.manifests) if ((await files.size(blobPath(c.digest))) !== undefined) present.push(c);
    const chosen = present.find((c) => platformMatches(c.platform, wanted)) ?? (platform ? undefined : present[0]);
    if (!chosen) throw new StevedoreError('PLATFORM_NOT_FOUND', `${what} has no image for ${formatPlatform(wanted)} in index ${entry.digest}.`);
    return resolveManifest(files, chosen, platform, depth + 1);
  }
  const { annotations: _annotations, ...plain } = entry;
  return { descriptor: { ...plain, mediaType: entry.mediaType ?? doc.manifest.mediaType ?? MediaType.ociManifest }, bytes, manifest: doc.manifest };
}

async function imageOf(files: LayoutFiles, descriptor: Descriptor, manifestBytes: Buffer, manifest: ImageManifest, signal?: AbortSignal): Promise<Image> {
  throwIfAborted(signal);
  const configBytes = await readBlob(files, manifest.config, 'config');
  const config: ImageConfig = decodeConfig(configBytes, archiveDocument(files.what, blobPath(manifest.config.digest)));
  if (!descriptor.platform) descriptor = { ...descriptor, platform: platformOf(config) };
  for (const layer of manifest.layers) {
    if ((await files.size(blobPath(layer.digest))) === undefined) {
      throw new StevedoreError('INVALID_ARCHIVE', `${files.what}: layer ${layer.digest} is not there${layer.urls?.length ? ' (a foreign layer the archive does not carry)' : ''}. The archive is incomplete.`);
    }
  }
  return partsImage({ manifestDescriptor: descriptor, manifestBytes, manifest, configBytes, config, what: files.what, layerBytes: (d, _i, s) => files.read(blobPath(d.digest), s) });
}

/** A manifest or config by its descriptor, checked against its digest. */
async function readBlob(files: LayoutFiles, descriptor: Descriptor, kind: string): Promise<Buffer> {
  if (!descriptor || typeof descriptor.digest !== 'string' || !isDigest(descriptor.digest)) {
    throw new StevedoreError('INVALID_ARCHIVE', `${files.what}: a ${kind} descriptor has no valid digest.`);
  }
  const path = blobPath(descriptor.digest);
  if ((await files.size(path)) === undefined) throw new StevedoreError('INVALID_ARCHIVE', `${files.what}: the ${kind} ${descriptor.digest} is not there. The archive is incomplete.`);
  const bytes = await files.readSmall(path, MAX_DOCUMENT);
  const digest = sha256Digest(bytes);
  if (digest !== descriptor.digest) {
    throw new StevedoreError('DIGEST_MISMATCH', `${files.what}: the ${kind} ${descriptor.digest} hashes to ${digest}. The archive is corrupt or was tampered with.`);
  }
  return bytes;
}

function blobPath(digest: string): string {
  const { algorithm, hex } = parseDigest(digest);
  if (algorithm !== 'sha256') throw new StevedoreError('UNSUPPORTED', `A ${algorithm} blob cannot be read; Stevedore reads sha256 blobs only.`);
  return `blobs/${algorithm}/${hex}`;
}

function referenceName(name: string, what: string): string {
  const ref = tryParseReference(name);
  if (!ref || ref.digest !== undefined) throw new StevedoreError('INVALID_REFERENCE', `"${name}" is not a NAME[:TAG] to look for in ${what}.`);
  return formatReference(ref);
}

function fullName(name: string): string | undefined {
  if (!/[:/]/.test(name)) return undefined;
  const ref = tryParseReference(name);
  return ref && ref.digest === undefined ? formatReference(ref) : undefined;
}

/** manifest.json is an array, which the document decoder does not take: parsed here, with the archive's error. */
function parsedJson(bytes: Uint8Array, what: string, path: string): unknown {
  try {
    return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (err) {
    throw new StevedoreError('INVALID_ARCHIVE', `${what}: "${path}" is not valid JSON (${(err as Error).message}). The archive is corrupt.`);
  }
}

/** Where a document of the archive came from, for the decoder's messages. */
export function archiveDocument(what: string, path: string): DocumentSource {
  return { what: `${what}: "${path}"`, code: 'INVALID_ARCHIVE', advice: 'The archive is corrupt.' };
}
