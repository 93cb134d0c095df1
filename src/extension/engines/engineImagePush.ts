// Push of an image listed under an engine: the engine's export is read into the engine-image cache
// (core/engine/engineImageCache.ts: streamed to disk, verified, found again by image ID next time)
// and named there with the reference to push, so the store's push sends it from there.

import { cachedEngineImage } from '../../core/engine/engineImageCache';
import type { ImageStore } from '../../core/store/imageStore';
import { tagImage } from '../../core/store/tagImage';
import type { Services } from '../services';
import type { EngineImageNode } from '../views/engineNodes';

export async function engineImageForPush(services: Services, node: EngineImageNode, reference: string, signal: AbortSignal): Promise<ImageStore> {
  const cache = await services.getEngineCache();
  const record = await cachedEngineImage(await services.engines.client(node.source), node.name, cache, signal);
  await tagImage(cache, record.manifestDigest, reference, signal);
  return cache;
}
