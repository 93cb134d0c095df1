// `save`: one archive for several images in the dual format Docker 25+ writes: Docker's
// manifest.json and repositories for every `docker load` (old and new), podman load and skopeo's
// docker-archive:, and an OCI image layout (oci-layout, index.json, blobs/sha256/…) in the same tar
// for OCI readers (skopeo's oci-archive:, containerd). Each blob is written once and is verified
// against its digest while it streams: the last chunk of a blob is held back until the digest
// checks out, so a corrupt store blob ends the archive early instead of passing as a whole entry.
//
// Layers go in as they are stored (gzip layers stay gzip: docker load, podman load and skopeo all
// accept them, see the README). With `uncompressed`, gzip layers are written as plain tars under
// their diffIDs, as `docker save` writes them, with an OCI manifest made for that form; the image
// ID (the config) does not change. The plain size must be in each tar header before the bytes, so
// those layers are inflated twice: once to measure, once to write.
//
// The metadata files come first so that a streaming reader knows the structure before the layers.
// The archive is reproducible: the same images and options give the same bytes.

import { parseDigest, sha256Digest } from '../digest';
import { StevedoreError, throwIfAborted } from '../errors';
import type { Image, Layer } from '../image/image';
import { layerCompression, MediaType } from '../image/mediaTypes';
import type { Descriptor, ImageIndex, ImageManifest } from '../image/types';
import { CONTAINERD_NAME_ANNOTATION, REF_NAME_ANNOTATION } from '../image/types';
import { verifiedBytes } from '../image/verifiedBytes';
import { familiarName, parseReference } from '../reference/reference';
import type { ImageStore } from '../store/imageStore';
import { checkLayersStored, storeBlobCorrupt } from '../store/storedLayers';
import { DOCKER_MANIFEST_FILE, OCI_INDEX_FILE, OCI_LAYOUT_CONTENT, OCI_LAYOUT_FILE, REPOSITORIES_FILE, type DockerArchiveItem, type LegacyRepositories } from './archiveFormat';
import { platformOf } from '../image/platform';
import type { SaveTarget } from './saveSelection';
import { tarStream } from './tarWriter';

export interface SaveOptions {
  /** Write gzip layers as plain tars (digest = diffID), as classic `docker save` does. */
  uncompressed?: boolean;
  signal?: AbortSignal;
}

/** One image to write into an archive, from any source, under the names it gets there. */
export interface ArchiveItem {
  image: Image;
  /** Full references to write as the image's tags; empty for an image saved by ID. */
  refs: readonly string[];
  /** Names the image in messages. */
  label: string;
  /** The error for a blob that does not hash to its digest (the store's says how to repair it). */
  corrupt?: (digest: string, why: string) => StevedoreError;
}

/** Docker writes archive entries with the Unix epoch as their time; so does Stevedore, for reproducibility. */
const EPOCH = new Date(0);

/** One blob of the archive and where its bytes come from. */
interface ArchiveBlob {
  digest: string;
  size: number;
  /** A layer as it is; a gzip layer written inflated (then `digest` is its diffID); or bytes made here. */
  source: { kind: 'layer'; layer: Layer } | { kind: 'inflated'; layer: Layer } | { kind: 'bytes'; bytes: Buffer };
  fail: (why: string) => StevedoreError;
}

interface ArchivePlan {
  files: { name: string; bytes: Buffer }[];
  /** In the order they are written: manifests and configs, then layers. */
  blobs: ArchiveBlob[];
}

/** The store's images as an archive. Reading the bytes does the work; stop reading to cancel. */
export async function* saveArchive(store: ImageStore, targets: readonly SaveTarget[], options: SaveOptions = {}): AsyncGenerator<Uint8Array> {
  if (targets.length === 0) throw new StevedoreError('INVALID_ARGUMENT', 'Nothing to save: give at least one image.');
  // The lease keeps the blobs from garbage collection (an rmi elsewhere) while they are written.
  const lease = await store.leases.create();
  try {
    const items: ArchiveItem[] = [];
    for (const { record, refs } of targets) {
      throwIfAborted(options.signal);
      const image = await store.load(record);
      const { manifest, manifestDescriptor } = image;
      await lease.protect([manifestDescriptor.digest, manifest.config.digest, ...manifest.layers.map((l) => l.digest)]);
      const label = refs[0] ?? record.id;
      await checkLayersStored(store, manifest.layers, label);
      items.push({ image, refs, label, corrupt: storeBlobCorrupt });
    }
    yield* imagesArchive(items, options);
  } finally {
    await lease.release();
  }
}

/** Images from anywhere as one archive in the dual format; each blob verified as it is written. */
export async function* imagesArchive(items: readonly ArchiveItem[], options: SaveOptions = {}): AsyncGenerator<Uint8Array> {
  if (items.length === 0) throw new StevedoreError('INVALID_ARGUMENT', 'Nothing to save: give at least one image.');
  const plan = await planArchive(items, options);
  yield* tarStream(async (writer) => {
    for (const file of plan.files) await writer.add({ name: file.name, type: 'file', mode: 0o644, mtime: EPOCH }, file.bytes);
    await writer.add({ name: 'blobs/', type: 'directory', mode: 0o755, mtime: EPOCH });
    await writer.add({ name: 'blobs/sha256/', type: 'directory', mode: 0o755, mtime: EPOCH });
    for (const blob of plan.blobs) {
      throwIfAborted(options.signal);
      await writer.addStream({ name: blobPath(blob.digest), type: 'file', size: blob.size, mode: 0o644, mtime: EPOCH }, blobBytes(blob, options.signal), options.signal);
    }
  });
}

async function planArchive(items: readonly ArchiveItem[], options: SaveOptions): Promise<ArchivePlan> {
  const docker: DockerArchiveItem[] = [];
  const index: ImageIndex = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] };
  const repositories: LegacyRepositories = {};
  const small = new Map<string, ArchiveBlob>();
  const layers = new Map<string, ArchiveBlob>();

  for (const { image, refs, label, corrupt: corruptOf } of items) {
    throwIfAborted(options.signal);
    const { config, manifestDescriptor } = image;
    const fail = (digest: string) => (why: string) => (corruptOf ?? sourceCorrupt(label))(digest, why);
    let { manifest } = image;
    let descriptor: Descriptor = {
      mediaType: manifestDescriptor.mediaType ?? manifest.mediaType ?? MediaType.ociManifest,
      digest: manifestDescriptor.digest,
      size: manifestDescriptor.size,
      platform: manifestDescriptor.platform ?? platformOf(config),
    };
    let manifestBlob: ArchiveBlob = { digest: descriptor.digest, size: descriptor.size, source: { kind: 'bytes', bytes: await image.rawManifest() }, fail: fail(descriptor.digest) };
    let layerBlobs: ArchiveBlob[] = image.layers.map((l) => ({ digest: l.descriptor.digest, size: l.descriptor.size, source: { kind: 'layer', layer: l }, fail: fail(l.descriptor.digest) }));

    if (options.uncompressed && manifest.layers.some((l) => layerCompression(l.mediaType) !== 'none')) {
      layerBlobs = [];
      for (const layer of image.layers) {
        if (!layer.diffId) throw new StevedoreError('STORE_CORRUPT', `The config of ${label} lists fewer diffIDs than the image has layers. Run "stevedore system check".`);
        layerBlobs.push(await plainLayer(layer, layer.diffId, fail, options.signal));
      }
      // The image's own manifest names gzip blobs; the archive's OCI side needs one for the plain form.
      const plainManifest: ImageManifest = {
        schemaVersion: 2,
        mediaType: MediaType.ociManifest,
        config: { mediaType: MediaType.ociConfig, digest: manifest.config.digest, size: manifest.config.size },
        layers: layerBlobs.map((b) => ({ mediaType: MediaType.ociLayer, digest: b.digest, size: b.size })),
      };
      const bytes = Buffer.from(JSON.stringify(plainManifest));
      manifest = plainManifest;
      descriptor = { mediaType: MediaType.ociManifest, digest: sha256Digest(bytes), size: bytes.length, platform: descriptor.platform! };
      manifestBlob = { digest: descriptor.digest, size: bytes.length, source: { kind: 'bytes', bytes }, fail: fail(descriptor.digest) };
    }

    small.set(manifestBlob.digest, manifestBlob);
    small.set(manifest.config.digest, { digest: manifest.config.digest, size: manifest.config.size, source: { kind: 'bytes', bytes: await image.rawConfig() }, fail: fail(manifest.config.digest) });
    for (const blob of layerBlobs) if (!layers.has(blob.digest)) layers.set(blob.digest, blob);

    docker.push({ Config: blobPath(manifest.config.digest), RepoTags: refs.length ? [...refs] : null, Layers: layerBlobs.map((b) => blobPath(b.digest)) });
    if (refs.length === 0) index.manifests.push(descriptor);
    const lastDiffId = config.rootfs.diff_ids[config.rootfs.diff_ids.length - 1];
    for (const full of refs) {
      const ref = parseReference(full);
      const tag = ref.tag ?? 'latest';
      index.manifests.push({ ...descriptor, annotations: { [CONTAINERD_NAME_ANNOTATION]: full, [REF_NAME_ANNOTATION]: tag } });
      if (lastDiffId) (repositories[familiarName(ref)] ??= {})[tag] = parseDigest(lastDiffId).hex;
    }
  }

  const files = [
    { name: OCI_LAYOUT_FILE, bytes: Buffer.from(OCI_LAYOUT_CONTENT) },
    { name: OCI_INDEX_FILE, bytes: Buffer.from(JSON.stringify(index)) },
    // Docker writes manifest.json and repositories with a trailing newline (json.Encoder).
    { name: DOCKER_MANIFEST_FILE, bytes: Buffer.from(`${JSON.stringify(docker)}\n`) },
  ];
  if (Object.keys(repositories).length > 0) files.push({ name: REPOSITORIES_FILE, bytes: Buffer.from(`${JSON.stringify(repositories)}\n`) });
  return { files, blobs: [...small.values(), ...[...layers.values()].filter((l) => !small.has(l.digest))] };
}

/** A layer as the plain tar it holds: measured by inflating it once, so its header can be written. */
async function plainLayer(layer: Layer, diffId: string, fail: (digest: string) => (why: string) => StevedoreError, signal?: AbortSignal): Promise<ArchiveBlob> {
  const { descriptor } = layer;
  const compression = layerCompression(descriptor.mediaType);
  if (compression === 'none') return { digest: descriptor.digest, size: descriptor.size, source: { kind: 'layer', layer }, fail: fail(descriptor.digest) };
  if (compression !== 'gzip' && compression !== 'zstd') {
    throw new StevedoreError('UNSUPPORTED', `Layer ${descriptor.digest} is compressed with ${compression}, which Stevedore cannot inflate yet; save without --uncompressed.`);
  }
  let size = 0;
  for await (const chunk of layer.uncompressed(signal ? { signal } : {})) {
    throwIfAborted(signal);
    size += chunk.length;
  }
  const stored = descriptor.digest;
  return { digest: diffId, size, source: { kind: 'inflated', layer }, fail: (why) => fail(stored)(`uncompressed, ${why}, not its diffID ${diffId}`) };
}

function blobPath(digest: string): string {
  const { algorithm, hex } = parseDigest(digest);
  return `blobs/${algorithm}/${hex}`;
}

function blobBytes(blob: ArchiveBlob, signal?: AbortSignal): AsyncIterable<Uint8Array> {
  const options = signal ? { signal } : {};
  switch (blob.source.kind) {
    case 'bytes':
      return verifiedBytes(single(blob.source.bytes), blob, blob.fail, signal);
    case 'inflated':
      return verifiedBytes(blob.source.layer.uncompressed(options), blob, blob.fail, signal);
    default:
      return verifiedBytes(blob.source.layer.compressed(options), blob, blob.fail, signal);
  }
}

async function* single(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

function sourceCorrupt(label: string): (digest: string, why: string) => StevedoreError {
  return (digest, why) => new StevedoreError('DIGEST_MISMATCH', `Blob ${digest} of ${label} is not what its manifest says (${why}); the archive was not completed.`);
}
