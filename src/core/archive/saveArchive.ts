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

import { DigestCounter, parseDigest, sha256Digest } from '../digest';
import { StevedoreError, throwIfAborted } from '../errors';
import { layerCompression, MediaType } from '../image/mediaTypes';
import type { Descriptor, ImageIndex, ImageManifest } from '../image/types';
import { CONTAINERD_NAME_ANNOTATION, REF_NAME_ANNOTATION } from '../image/types';
import { familiarName, parseReference } from '../reference/reference';
import type { ImageStore } from '../store/imageStore';
import type { Lease } from '../store/leases';
import { DOCKER_MANIFEST_FILE, OCI_INDEX_FILE, OCI_LAYOUT_CONTENT, OCI_LAYOUT_FILE, REPOSITORIES_FILE, type DockerArchiveItem, type LegacyRepositories } from './archiveFormat';
import { platformOf } from '../image/platform';
import { decompressed } from './decompress';
import type { SaveTarget } from './saveSelection';
import { tarStream } from './tarWriter';

export interface SaveOptions {
  /** Write gzip layers as plain tars (digest = diffID), as classic `docker save` does. */
  uncompressed?: boolean;
  signal?: AbortSignal;
}

/** Docker writes archive entries with the Unix epoch as their time; so does Stevedore, for reproducibility. */
const EPOCH = new Date(0);
const READ_CHUNK = 4 * 1024 * 1024;
const INFLATE_CHUNK = 256 * 1024;

/** One blob of the archive and where its bytes come from. */
interface ArchiveBlob {
  digest: string;
  size: number;
  /** A stored blob; a stored gzip layer written inflated (then `digest` is its diffID); or bytes made here. */
  source: { kind: 'stored' } | { kind: 'inflated'; stored: Descriptor } | { kind: 'bytes'; bytes: Buffer };
}

interface ArchivePlan {
  files: { name: string; bytes: Buffer }[];
  /** In the order they are written: manifests and configs, then layers. */
  blobs: ArchiveBlob[];
}

/** The archive's bytes. Reading them does the work; stop reading to cancel. */
export async function* saveArchive(store: ImageStore, targets: readonly SaveTarget[], options: SaveOptions = {}): AsyncGenerator<Uint8Array> {
  if (targets.length === 0) throw new StevedoreError('INVALID_ARGUMENT', 'Nothing to save: give at least one image.');
  // The lease keeps the blobs from garbage collection (an rmi elsewhere) while they are written.
  const lease = await store.leases.create();
  try {
    const plan = await planArchive(store, targets, lease, options);
    yield* tarStream(async (writer) => {
      for (const file of plan.files) await writer.add({ name: file.name, type: 'file', mode: 0o644, mtime: EPOCH }, file.bytes);
      await writer.add({ name: 'blobs/', type: 'directory', mode: 0o755, mtime: EPOCH });
      await writer.add({ name: 'blobs/sha256/', type: 'directory', mode: 0o755, mtime: EPOCH });
      for (const blob of plan.blobs) {
        throwIfAborted(options.signal);
        await writer.addStream({ name: blobPath(blob.digest), type: 'file', size: blob.size, mode: 0o644, mtime: EPOCH }, blobBytes(store, blob, options.signal), options.signal);
      }
    });
  } finally {
    await lease.release();
  }
}


async function planArchive(store: ImageStore, targets: readonly SaveTarget[], lease: Lease, options: SaveOptions): Promise<ArchivePlan> {
  const items: DockerArchiveItem[] = [];
  const index: ImageIndex = { schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [] };
  const repositories: LegacyRepositories = {};
  const small = new Map<string, ArchiveBlob>();
  const layers = new Map<string, ArchiveBlob>();

  for (const { record, refs } of targets) {
    throwIfAborted(options.signal);
    const image = await store.load(record);
    const { config, manifestDescriptor } = image;
    let { manifest } = image;
    await lease.protect([manifestDescriptor.digest, manifest.config.digest, ...manifest.layers.map((l) => l.digest)]);
    for (const layer of manifest.layers) await checkStored(store, layer, refs[0] ?? record.id);

    let descriptor: Descriptor = {
      mediaType: manifestDescriptor.mediaType ?? manifest.mediaType ?? MediaType.ociManifest,
      digest: manifestDescriptor.digest,
      size: manifestDescriptor.size,
      platform: manifestDescriptor.platform ?? platformOf(config),
    };
    let manifestBlob: ArchiveBlob = { digest: descriptor.digest, size: descriptor.size, source: { kind: 'stored' } };
    let layerBlobs: ArchiveBlob[] = manifest.layers.map((l) => ({ digest: l.digest, size: l.size, source: { kind: 'stored' } }));

    if (options.uncompressed && manifest.layers.some((l) => layerCompression(l.mediaType) !== 'none')) {
      layerBlobs = [];
      for (const [i, layer] of manifest.layers.entries()) {
        const diffId = config.rootfs.diff_ids[i];
        if (!diffId) throw new StevedoreError('STORE_CORRUPT', `The config of ${refs[0] ?? record.id} lists fewer diffIDs than the image has layers. Run "stevedore system check".`);
        layerBlobs.push(await plainLayer(store, layer, diffId, options.signal));
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
      manifestBlob = { digest: descriptor.digest, size: bytes.length, source: { kind: 'bytes', bytes } };
    }

    small.set(manifestBlob.digest, manifestBlob);
    small.set(manifest.config.digest, { digest: manifest.config.digest, size: manifest.config.size, source: { kind: 'stored' } });
    for (const blob of layerBlobs) if (!layers.has(blob.digest)) layers.set(blob.digest, blob);

    items.push({ Config: blobPath(manifest.config.digest), RepoTags: refs.length ? refs : null, Layers: layerBlobs.map((b) => blobPath(b.digest)) });
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
    { name: DOCKER_MANIFEST_FILE, bytes: Buffer.from(`${JSON.stringify(items)}\n`) },
  ];
  if (Object.keys(repositories).length > 0) files.push({ name: REPOSITORIES_FILE, bytes: Buffer.from(`${JSON.stringify(repositories)}\n`) });
  return { files, blobs: [...small.values(), ...[...layers.values()].filter((l) => !small.has(l.digest))] };
}

async function checkStored(store: ImageStore, layer: Descriptor, label: string): Promise<void> {
  const size = (await store.blobs.info(layer.digest))?.size ?? null;
  if (size === null) {
    throw new StevedoreError('BLOB_NOT_FOUND', `Layer ${layer.digest} of ${label} is not in the store${layer.urls?.length ? ' (a foreign layer, which is never stored)' : ''}, so the image cannot be saved. Pull it again.`);
  }
  if (size !== layer.size) throw corrupt(layer.digest, `it is ${size} bytes, not ${layer.size}`);
}

/** A stored layer as the plain tar it holds: measured by inflating it once, so its header can be written. */
async function plainLayer(store: ImageStore, layer: Descriptor, diffId: string, signal?: AbortSignal): Promise<ArchiveBlob> {
  const compression = layerCompression(layer.mediaType);
  if (compression === 'none') return { digest: layer.digest, size: layer.size, source: { kind: 'stored' } };
  if (compression !== 'gzip' && compression !== 'zstd') {
    throw new StevedoreError('UNSUPPORTED', `Layer ${layer.digest} is compressed with ${compression}, which Stevedore cannot inflate yet; save without --uncompressed.`);
  }
  let size = 0;
  for await (const chunk of inflate(store, layer)) {
    throwIfAborted(signal);
    size += chunk.length;
  }
  return { digest: diffId, size, source: { kind: 'inflated', stored: layer } };
}

function inflate(store: ImageStore, layer: Descriptor): AsyncGenerator<Uint8Array> {
  return decompressed(store.blobs.reader(layer.digest, { highWaterMark: READ_CHUNK }), `layer ${layer.digest}`, { chunkSize: INFLATE_CHUNK });
}

function blobPath(digest: string): string {
  const { algorithm, hex } = parseDigest(digest);
  return `blobs/${algorithm}/${hex}`;
}

function blobBytes(store: ImageStore, blob: ArchiveBlob, signal?: AbortSignal): AsyncIterable<Uint8Array> {
  switch (blob.source.kind) {
    case 'bytes':
      return single(blob.source.bytes);
    case 'inflated': {
      const stored = blob.source.stored.digest;
      return verified(inflate(store, blob.source.stored), blob, signal, (why) => corrupt(stored, `uncompressed, ${why}, not its diffID ${blob.digest}`));
    }
    default:
      return verified(store.blobs.reader(blob.digest, { highWaterMark: READ_CHUNK }), blob, signal, (why) => corrupt(blob.digest, why));
  }
}

async function* single(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/** The bytes, hashed as they go; the last chunk is yielded only once the digest is right. */
async function* verified(source: AsyncIterable<Uint8Array>, blob: { digest: string; size: number }, signal: AbortSignal | undefined, fail: (why: string) => StevedoreError): AsyncGenerator<Uint8Array> {
  const counter = new DigestCounter();
  let held: Uint8Array | undefined;
  for await (const chunk of source) {
    throwIfAborted(signal);
    counter.update(chunk);
    if (counter.bytes > blob.size) throw fail('it grew while it was being read');
    if (held) yield held;
    held = chunk;
  }
  const digest = counter.digest();
  if (counter.bytes !== blob.size || digest !== blob.digest) throw fail(`its content hashes to ${digest}`);
  if (held) yield held;
}

function corrupt(digest: string, why: string): StevedoreError {
  return new StevedoreError('STORE_CORRUPT', `Blob ${digest} in the image store is corrupt (${why}); the archive was not completed. Run "stevedore system check --repair", then pull or load the image again.`);
}
