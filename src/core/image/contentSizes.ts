// Docker's sizes for images and their layers (uncompressed content, layerContentSize.ts), measured
// once per diffID and kept in the side file, so the same image shows the same SIZE whether it was
// pulled (gzip layers) or loaded (plain ones), and the second look costs nothing. Pull does not
// measure (it would inflate every layer a second time); the first command that shows a size does.

import { isCancelled } from '../errors';
import type { ImageRecord, ImageStore } from '../store/imageStore';
import type { ImageSummary } from '../store/metadata';
import { layerContentSize } from './layerContentSize';
import type { Image } from './image';
import { summarise } from './summary';

export interface SizeOptions {
  signal?: AbortSignal;
}

/** Docker's SIZE of a record: its content size when measured, else (an unreadable layer) its store size. */
export function imageSize(summary: ImageSummary): number {
  return summary.contentSize ?? summary.size;
}

/**
 * The records with `summary.contentSize` filled in, measuring the layers no image in the store has
 * been measured for. An image whose layers cannot be read keeps its store size (`system check`
 * reports it). What was measured is saved when the store can be written; a read-only store only
 * loses the cache.
 */
export async function withContentSizes(store: ImageStore, records: readonly ImageRecord[], options: SizeOptions = {}): Promise<ImageRecord[]> {
  const missing = records.filter((r) => r.summary.contentSize === undefined);
  if (missing.length === 0) return [...records];
  const known = { ...(await store.readMetadata()).layerSizes };
  const measured: Record<string, number> = {};
  const summaries = new Map<string, ImageSummary>();
  for (const record of missing) {
    if (summaries.has(record.manifestDigest)) continue;
    try {
      const image = await store.load(record);
      await measureLayers(image, known, measured, options);
      const fresh = summarise(image, known);
      if (fresh.contentSize !== undefined) summaries.set(record.manifestDigest, { ...record.summary, contentSize: fresh.contentSize });
    } catch (err) {
      if (isCancelled(err)) throw err;
    }
  }
  await save(store, measured, summaries, options);
  return records.map((r) => {
    const summary = summaries.get(r.manifestDigest);
    return summary ? { ...r, summary } : r;
  });
}

/** Docker's size of each of the image's layers, in manifest order, measuring what is not known yet. */
export async function layerSizes(store: ImageStore, image: Image, options: SizeOptions = {}): Promise<number[]> {
  const known = { ...(await store.readMetadata()).layerSizes };
  const measured: Record<string, number> = {};
  await measureLayers(image, known, measured, options);
  await save(store, measured, new Map(), options);
  const diffIds = image.config.rootfs?.diff_ids ?? [];
  return image.manifest.layers.map((_, i) => known[diffIds[i] ?? ''] ?? 0);
}

async function measureLayers(image: Image, known: Record<string, number>, measured: Record<string, number>, options: SizeOptions): Promise<void> {
  const diffIds = image.config.rootfs?.diff_ids ?? [];
  for (const layer of image.layers) {
    const diffId = diffIds[layer.index];
    if (diffId === undefined || known[diffId] !== undefined) continue;
    const size = await layerContentSize(layer, `Layer ${layer.index + 1} (${layer.descriptor.digest})`, options.signal);
    known[diffId] = size;
    measured[diffId] = size;
  }
}

async function save(store: ImageStore, measured: Record<string, number>, summaries: ReadonlyMap<string, ImageSummary>, options: SizeOptions): Promise<void> {
  if (Object.keys(measured).length === 0 && summaries.size === 0) return;
  try {
    await store.update(
      (tx) => {
        Object.assign(tx.meta.layerSizes, measured);
        for (const [digest, summary] of summaries) {
          if (!tx.index.manifests.some((m) => m.digest === digest)) continue;
          const slot = (tx.meta.images[digest] ??= {});
          slot.summary = { ...(slot.summary ?? summary), contentSize: summary.contentSize! };
        }
      },
      options.signal ? { signal: options.signal } : {},
    );
  } catch (err) {
    if (isCancelled(err)) throw err;
    // A store this process cannot write (read-only, or locked for long) still shows the sizes.
  }
}
