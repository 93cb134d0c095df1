// Layer analysis of an image from any source: every layer's listing (from the source's cache, or
// streamed from the layer and then cached), stacked in order to find what each layer adds, modifies and deletes, the
// bytes that end up invisible, and dive's efficiency score. The result is plain data (LayerAnalysis)
// plus an ImageLayers object that builds the file trees of any layer on demand.

import { StevedoreError, throwIfAborted } from '../errors';
import type { Image, Layer } from '../image/image';
import type { LoadedImage } from '../image/summary';
import type { HistoryEntry } from '../image/types';
import { buildLayerTree, buildMergedTree } from './buildTree';
import type { CompactTree } from './compactTree';
import { EntryKind, type LayerListing } from './layerListing';
import { LayerStack, pathIds, type LayerChangeStats } from './layerStack';
import { PathTable } from './pathTable';
import { readLayerListing } from './readLayerTar';

export const ANALYSIS_FORMAT = 'stevedore.layers.v1';

export interface HistoryStep {
  created?: string;
  createdBy: string;
  comment?: string;
  author?: string;
  /** A step that changed only the config (ENV, CMD…) and made no layer. */
  emptyLayer: boolean;
  /** Index of the layer the step made, or null for an empty-layer step. */
  layer: number | null;
}

export interface LayerInfo {
  index: number;
  /** The compressed layer's digest, as the manifest lists it and registries serve it (the "distribution hash"). */
  digest: string;
  /** The uncompressed tar's digest, as the config lists it; null when the config has none for this layer. */
  diffId: string | null;
  mediaType: string;
  /** Compressed bytes, from the manifest. */
  size: number;
  /** Bytes of the uncompressed tar. */
  uncompressedSize: number;
  /** Index into `history` of the step that made the layer, or null when the history does not say. */
  historyIndex: number | null;
  changes: LayerChangeStats;
}

export interface WastedFile {
  /** Absolute path in the image, e.g. `/var/cache/apt/pkgcache.bin`. */
  path: string;
  /** Bytes of this path's versions that later layers overwrote or deleted. */
  wastedBytes: number;
  /** How many versions were overwritten or deleted. */
  hiddenVersions: number;
  /** The layer whose version is visible in the image, or null when the path was deleted in the end. */
  finalLayer: number | null;
}

export interface LayerAnalysis {
  format: typeof ANALYSIS_FORMAT;
  manifestDigest: string;
  /** The config digest, which is the image ID. */
  configDigest: string;
  layers: LayerInfo[];
  history: HistoryStep[];
  /** Content bytes of all layers' files together. */
  contentBytes: number;
  /** Content bytes of the files visible in the image (the merged filesystem after the last layer). */
  finalBytes: number;
  /** Regular files, links and devices visible in the image. */
  finalFiles: number;
  /** Bytes stored in layers but never visible, because a later layer overwrote or deleted them. */
  wastedBytes: number;
  /** Content bytes of all layers but the first: what dive calls the user's layers. */
  userContentBytes: number;
  /**
   * The efficiency the inspector shows: the share of the file bytes stored in the layers that a
   * container sees, 1 − wastedBytes / contentBytes (1 for an image with no file content). It agrees
   * with `wastedBytes` by construction, deletions by whiteouts and opaque directories included.
   */
  visibleEfficiency: number;
  /**
   * dive's efficiency score (kept for `stevedore efficiency --min`, as dive --ci gates on it): for every path, the smallest size it had in any layer, summed, over the
   * sum of all its sizes in all layers. 1 means no file is stored twice or deleted later.
   */
  efficiency: number;
  /** dive's "wasted space": every version (the visible one included) of paths found in more than one layer. */
  diveWastedBytes: number;
  /** The paths with the most wasted bytes, largest first. */
  wasted: WastedFile[];
}

export interface LayerAnalysisProgress {
  layer: number;
  layers: number;
  digest: string;
  /** `cached`: the listing came from the cache; `reading`: streaming the blob; `read`: done. */
  state: 'cached' | 'reading' | 'read';
  /** Compressed bytes read of this layer so far. */
  bytes: number;
  totalBytes: number;
}

export interface AnalyseOptions {
  signal?: AbortSignal;
  onProgress?: (progress: LayerAnalysisProgress) => void;
  /** `false`: neither read nor write the image's listing cache (benchmarks measure the reading). */
  cache?: false;
  /** How many of the most wasteful paths to list (default 100). */
  wastedLimit?: number;
}

/** Analyses every layer of `image`; reads each layer at most once, ever, where the image's source caches listings. */
export async function analyseImageLayers(image: Image, options: AnalyseOptions = {}): Promise<ImageLayers> {
  const listings: LayerListing[] = [];
  const toCache: { digest: string; listing: LayerListing }[] = [];
  const cache = options.cache === false ? undefined : image.listingCache;
  for (const layer of image.layers) {
    throwIfAborted(options.signal);
    const { index, descriptor } = layer;
    const report = (state: LayerAnalysisProgress['state'], bytes: number): void =>
      options.onProgress?.({ layer: index, layers: image.layers.length, digest: descriptor.digest, state, bytes, totalBytes: descriptor.size });
    // The same layer twice in one image (it happens: identical steps) is read once.
    const cached = listings[image.layers.findIndex((l) => l.descriptor.digest === descriptor.digest)] ?? (await cache?.read(descriptor.digest)) ?? null;
    if (cached) {
      listings.push(cached);
      report('cached', descriptor.size);
      continue;
    }
    report('reading', 0);
    const listing = await readLayer(layer, { signal: options.signal, onProgress: (bytes) => report('reading', bytes) });
    listings.push(listing);
    toCache.push({ digest: descriptor.digest, listing });
    report('read', descriptor.size);
  }
  throwIfAborted(options.signal);
  // Cache only once everything succeeded, so a cancelled or failed analysis leaves the store as it was.
  if (cache) for (const { digest, listing } of toCache) await cache.write(digest, listing);
  return new ImageLayers(image, listings, options.wastedLimit ?? 100);
}

/** Streams one layer into a listing. */
export async function readLayer(layer: Layer, options: { signal?: AbortSignal; onProgress?: (bytes: number) => void } = {}): Promise<LayerListing> {
  const what = `Layer ${layer.index} (${layer.descriptor.digest})`;
  try {
    return await readLayerListing(layer.compressed(options.signal ? { signal: options.signal } : {}), { what, ...options });
  } catch (err) {
    if (err instanceof StevedoreError && err.code === 'BLOB_NOT_FOUND') {
      throw new StevedoreError('BLOB_NOT_FOUND', `${what} is missing from the image store. Pull or load the image again, or run "stevedore system check" to see what else is damaged.`, { cause: err });
    }
    throw err;
  }
}

/** The analysis of one image, and its file trees on demand. */
export class ImageLayers {
  readonly analysis: LayerAnalysis;
  private readonly listings: readonly LayerListing[];
  /** One table of paths for every replay, and each listing's ids in it, so replays skip interning. */
  private readonly table = new PathTable();
  private readonly ids: Int32Array[];
  /** The last stack built, reused when the next tree asked for is of the same or a higher layer. */
  private stack: LayerStack | undefined;

  constructor(image: LoadedImage, listings: readonly LayerListing[], wastedLimit: number) {
    this.listings = listings;
    this.ids = listings.map((listing) => pathIds(this.table, listing));
    const stack = new LayerStack(this.table);
    listings.forEach((listing, i) => stack.apply(listing, this.ids[i]));
    this.analysis = summarise(image, listings, stack, wastedLimit);
    this.stack = stack;
  }

  get layerCount(): number {
    return this.listings.length;
  }

  listing(index: number): LayerListing {
    return this.listings[this.checkIndex(index)]!;
  }

  /** What layer `index` adds, modifies and deletes, with the directories leading there. */
  layerTree(index: number): CompactTree {
    return buildLayerTree(this.stackAt(this.checkIndex(index)));
  }

  /** The filesystem as seen after layer `index` (default: the last), with that layer's changes marked. */
  mergedTree(index = this.listings.length - 1): CompactTree {
    return buildMergedTree(this.stackAt(this.checkIndex(index)));
  }

  private stackAt(index: number): LayerStack {
    let stack = this.stack;
    if (!stack || stack.currentLayer > index) stack = new LayerStack(this.table);
    while (stack.currentLayer < index) stack.apply(this.listings[stack.layerCount]!, this.ids[stack.layerCount]);
    this.stack = stack;
    return stack;
  }

  private checkIndex(index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.listings.length) {
      const count = this.listings.length;
      throw new StevedoreError(
        'INVALID_ARGUMENT',
        count === 0 ? `The image has no layers, so there is no layer ${index}.` : `There is no layer ${index}: the image has ${count} layer${count === 1 ? '' : 's'}, numbered 0 to ${count - 1}.`,
      );
    }
    return index;
  }
}

function summarise(image: LoadedImage, listings: readonly LayerListing[], stack: LayerStack, wastedLimit: number): LayerAnalysis {
  const descriptors = image.manifest.layers;
  const diffIds = image.config.rootfs?.diff_ids ?? [];
  const history = historySteps(image.config.history ?? [], descriptors.length);
  const historyOfLayer = new Map<number, number>();
  history.forEach((step, i) => {
    if (step.layer !== null) historyOfLayer.set(step.layer, i);
  });
  const layers: LayerInfo[] = descriptors.map((d, index) => ({
    index,
    digest: d.digest,
    diffId: diffIds[index] ?? null,
    mediaType: d.mediaType,
    size: d.size,
    uncompressedSize: listings[index]!.tarBytes,
    historyIndex: historyOfLayer.get(index) ?? null,
    changes: stack.stats[index]!,
  }));

  let finalBytes = 0;
  let finalFiles = 0;
  const wastedIds: number[] = [];
  for (let id = 1; id < stack.table.size; id++) {
    if (stack.present[id] === 1 && stack.kind[id] !== EntryKind.dir) {
      finalFiles++;
      finalBytes += stack.size[id]!;
    }
    if (stack.wastedByPath[id]! > 0) wastedIds.push(id);
  }
  wastedIds.sort((a, b) => stack.wastedByPath[b]! - stack.wastedByPath[a]! || (stack.table.paths[a]! < stack.table.paths[b]! ? -1 : 1));
  const wasted = wastedIds.slice(0, wastedLimit).map<WastedFile>((id) => ({
    path: `/${stack.table.paths[id]!}`,
    wastedBytes: stack.wastedByPath[id]!,
    hiddenVersions: stack.hiddenVersions[id]!,
    finalLayer: stack.present[id] === 1 ? stack.source[id]! : null,
  }));
  const contentBytes = stack.stats.reduce((sum, s) => sum + s.contentBytes, 0);
  const dive = stack.diveEfficiency();
  return {
    format: ANALYSIS_FORMAT,
    manifestDigest: image.manifestDescriptor.digest,
    configDigest: image.manifest.config.digest,
    layers,
    history,
    contentBytes,
    finalBytes,
    finalFiles,
    wastedBytes: stack.wastedBytes,
    userContentBytes: contentBytes - (stack.stats[0]?.contentBytes ?? 0),
    visibleEfficiency: contentBytes === 0 ? 1 : 1 - stack.wastedBytes / contentBytes,
    efficiency: dive.score,
    diveWastedBytes: dive.inefficientBytes,
    wasted,
  };
}

/** Pairs history steps with layers: each step that is not an empty layer made the next layer. */
export function historySteps(entries: readonly HistoryEntry[], layerCount: number): HistoryStep[] {
  let next = 0;
  return entries.map((entry) => {
    const emptyLayer = entry.empty_layer === true;
    const layer = !emptyLayer && next < layerCount ? next++ : null;
    const step: HistoryStep = { createdBy: entry.created_by ?? '', emptyLayer, layer };
    if (entry.created) step.created = entry.created;
    if (entry.comment) step.comment = entry.comment;
    if (entry.author) step.author = entry.author;
    return step;
  });
}
