// The Stevedore store as an image source and target. As a source it hands out the store's `Image`
// under a lease (an rmi elsewhere cannot take its blobs while it is read) and its save stream; as a
// target it writes each layer it lacks through the verifying ingest, then the config and manifest,
// and records the image, all under a lease: a failed or cancelled put removes what it wrote, so
// the store is as it was. An archive stream goes in through `load`.

import { StevedoreError, throwIfAborted } from '../errors';
import type { Image, Layer } from '../image/image';
import { platformOf } from '../image/platform';
import type { Descriptor } from '../image/types';
import { runLimited } from '../registry/runLimited';
import { discardUnreferencedBlobs } from '../store/discardBlobs';
import { findImage, type ImageRecord, type ImageStore } from '../store/imageStore';
import { removeImages } from '../store/removeImages';
import { checkLayersStored, storeBlobCorrupt } from '../store/storedLayers';
import { tagImage } from '../store/tagImage';
import type { ArchiveExport, GetOptions, ImageSource, ImageTarget, OpenedImage, PutOptions, PutResult } from './imageSource';
import { familiar, fullReference } from './sourceNames';

/** Layers written at once: they come from one source, whose reads are the limit. */
const PUT_CONCURRENCY = 3;

export class StoreSource implements ImageSource, ImageTarget {
  readonly kind = 'store';
  readonly reportsArchiveProgress = true;

  constructor(readonly store: ImageStore) {}

  describe(): string {
    return 'the Stevedore store';
  }

  async list(): Promise<{ id: string; names: string[] }[]> {
    return (await this.store.list()).map((r) => ({ id: r.id, names: r.refs }));
  }

  async get(ref: string | undefined, options: GetOptions = {}): Promise<OpenedImage> {
    const record = findImage(await this.store.list(), requireName(ref));
    const lease = await this.store.leases.create();
    try {
      const image = await this.store.load(record);
      await lease.protect([record.manifestDigest, image.manifestDescriptor.digest, image.manifest.config.digest, ...image.manifest.layers.map((l) => l.digest)]);
      // A layer missing or cut short is found before the target is written to.
      const full = fullReference(ref!);
      const purpose = options.purpose ?? 'copied';
      // Named as asked for, else by the image's first name (an ID or digest says little).
      const label = full ? familiar(full) : record.refs[0] ? familiar(record.refs[0]) : record.id;
      await checkLayersStored(this.store, image.manifest.layers, label, purpose);
      throwIfAborted(options.signal);
      return { image, names: full ? [full] : [], corrupt: (digest, why) => storeBlobCorrupt(digest, why, purpose), close: () => lease.release() };
    } catch (err) {
      await lease.release();
      throw err;
    }
  }

  async exportArchive(ref: string | undefined, signal?: AbortSignal): Promise<ArchiveExport> {
    const record = findImage(await this.store.list(), requireName(ref));
    const full = fullReference(ref!);
    const names = full ? [full] : [];
    return {
      id: record.id,
      names,
      namesItsArchive: true,
      label: `the Stevedore store (${ref!})`,
      stream: (refs = names) => savedLazily(this.store, record, refs, signal),
    };
  }

  async has(image: Pick<Image, 'manifest'>): Promise<boolean> {
    return this.hasId(image.manifest.config.digest);
  }

  async hasId(id: string): Promise<boolean> {
    return (await this.store.list()).some((r) => r.id === id);
  }

  async tag(id: string, refs: readonly string[], signal?: AbortSignal): Promise<string[]> {
    for (const ref of refs) await tagImage(this.store, id, ref, signal);
    return refs.map(familiar);
  }

  async remove(ref: string, signal?: AbortSignal): Promise<void> {
    const result = await removeImages(this.store, [ref], signal ? { signal } : {});
    if (result.failures[0]) throw result.failures[0].error;
  }

  async put(image: Image, refs: readonly string[], options: PutOptions = {}): Promise<PutResult> {
    const { signal } = options;
    const emit = options.onEvent ?? (() => undefined);
    const { manifest } = image;
    const written: string[] = [];
    try {
      return await this.store.leases.with(async (lease) => {
        await lease.protect([image.manifestDescriptor.digest, manifest.config.digest, ...manifest.layers.map((l) => l.digest)]);
        const missing: Layer[] = [];
        for (const layer of image.layers) {
          const present = await this.store.blobs.has(layer.descriptor.digest);
          emit({ kind: 'layer', id: layer.descriptor.digest, state: present ? 'exists' : 'queued', current: present ? layer.descriptor.size : 0, total: layer.descriptor.size });
          if (!present && !missing.some((l) => l.descriptor.digest === layer.descriptor.digest)) missing.push(layer);
        }
        await runLimited(missing, PUT_CONCURRENCY, signal, async (layer, _i, layerSignal) => {
          const { digest, size } = layer.descriptor;
          const result = await this.store.blobs.writeStream(layer.compressed({ signal: layerSignal }), { digest, size }, { signal: layerSignal }, lease);
          if (!result.existed) written.push(digest);
        });
        for (const [bytes, digest] of [
          [await image.rawConfig(), manifest.config.digest],
          [await image.rawManifest(), image.manifestDescriptor.digest],
        ] as const) {
          const result = await this.store.blobs.writeBytes(bytes, { digest }, lease);
          if (!result.existed) written.push(digest);
        }
        throwIfAborted(signal);
        const descriptor: Descriptor = {
          mediaType: image.manifestDescriptor.mediaType,
          digest: image.manifestDescriptor.digest,
          size: image.manifestDescriptor.size,
          platform: image.manifestDescriptor.platform ?? platformOf(image.config),
        };
        await this.store.addImage(descriptor, refs, { ...(signal ? { signal } : {}), ...(options.repoDigests?.length ? { repoDigests: [...options.repoDigests] } : {}) });
        return { id: manifest.config.digest, names: refs.map(familiar) };
      });
    } catch (err) {
      await discardUnreferencedBlobs(this.store, written).catch(() => undefined);
      throw err;
    }
  }

  async importArchive(archive: ArchiveExport, refs: readonly string[], options: PutOptions = {}): Promise<PutResult> {
    const { signal } = options;
    // The archive code (tar-stream and the loaders) loads when an archive comes, not for a pull or push.
    const { loadArchive } = await import('../archive/loadArchive');
    const loaded = await loadArchive(this.store, {
      // The load copies what it keeps of a chunk (loadArchive's `source`).
      source: archive.stream(undefined, { letsGoOfChunks: true }),
      sourceName: archive.label,
      ...(signal ? { signal } : {}),
      ...(refs.length ? { names: refs } : {}),
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
    });
    const id = loaded.images[0]?.id;
    if (!id) throw new StevedoreError('INVALID_ARCHIVE', 'The archive held no image.');
    return { id, names: refs.length ? refs.map(familiar) : loaded.images.flatMap((i) => i.refs.map(familiar)), loaded };
  }
}

async function* savedLazily(store: ImageStore, record: ImageRecord, refs: readonly string[], signal?: AbortSignal): AsyncGenerator<Uint8Array> {
  const { saveArchive } = await import('../archive/saveArchive');
  yield* saveArchive(store, [{ record, refs: [...refs] }], signal ? { signal } : {});
}

function requireName(ref: string | undefined): string {
  if (!ref) throw new StevedoreError('INVALID_ARGUMENT', 'Name the image in the store: stevedore:NAME[:TAG] or an image ID.');
  return ref;
}

