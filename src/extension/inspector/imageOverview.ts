// The inspector's header and layers table, from what the store already knows about an image (its
// record: names, repo digests, size) and its manifest and config: no layer is read for this, so the
// panel shows it at once and fills in the analysis when the layers have been read.

import { shortId } from '../../core/shortId';
import { formatPlatform } from '../../core/image/platform';
import type { LoadedImage } from '../../core/image/summary';
import { historySteps } from '../../core/layers/imageLayers';
import { familiarString, tryParseReference } from '../../core/reference/reference';
import type { ImageRecord } from '../../core/store/imageStore';
import type { ImageOverview, LayerBasics } from '../../webview/inspector/protocol';

export function imageOverview(record: ImageRecord, image: LoadedImage, openedAs?: string): ImageOverview {
  const { manifest, config, manifestDescriptor } = image;
  const history = historySteps(config.history ?? [], manifest.layers.length);
  const historyOfLayer = new Map<number, number>();
  history.forEach((step, i) => {
    if (step.layer !== null && !historyOfLayer.has(step.layer)) historyOfLayer.set(step.layer, i);
  });
  const diffIds = config.rootfs?.diff_ids ?? [];
  const layers: LayerBasics[] = manifest.layers.map((d, index) => ({
    index,
    digest: d.digest,
    diffId: diffIds[index] ?? null,
    mediaType: d.mediaType,
    size: d.size,
    historyIndex: historyOfLayer.get(index) ?? null,
  }));
  const references = record.refs.map(familiar);
  const overview: ImageOverview = {
    title: imageTitle(record, openedAs),
    references,
    imageId: manifest.config.digest,
    manifestDigest: manifestDescriptor.digest,
    manifestMediaType: manifestDescriptor.mediaType ?? manifest.mediaType ?? '',
    repoDigests: [...record.repoDigests],
    platform: formatPlatform({ os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) }),
    storeSize: record.summary.size,
    layers,
    history,
  };
  if (record.manifestDigest !== manifestDescriptor.digest) overview.indexDigest = record.manifestDigest;
  if (config.created) overview.created = config.created;
  if (typeof config.author === 'string' && config.author) overview.author = config.author;
  return overview;
}

/**
 * What the panel is called: the name it was opened by when the image still has it, else the
 * image's first name, else its short ID (an untagged image).
 */
export function imageTitle(record: Pick<ImageRecord, 'refs' | 'id'>, openedAs?: string): string {
  if (openedAs) {
    const wanted = tryParseReference(openedAs);
    const name = wanted ? familiarString(wanted) : undefined;
    const match = name ? record.refs.find((r) => familiar(r) === name) : undefined;
    if (match) return familiar(match);
  }
  const first = record.refs[0];
  return first ? familiar(first) : shortId(record.id);
}

function familiar(ref: string): string {
  const parsed = tryParseReference(ref);
  return parsed ? familiarString(parsed) : ref;
}
