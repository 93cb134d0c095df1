// Engine images read as stored images, for layer analysis and verify: the engine's export is loaded
// once into a cache store (an OCI layout like the main store, under the user's cache folder) and
// found there again by image ID, so a second look costs nothing but the engine's inspect, and the
// layer listings cached by digest serve it too. The newest few images stay; older ones are removed.

import { loadArchive } from '../archive/loadArchive';
import { StevedoreError } from '../errors';
import type { ImageRecord, ImageStore } from '../store/imageStore';
import { removeImages } from '../store/removeImages';
import type { EngineClient } from './engineClient';
import { exportEngineImages, inspectEngineImage } from './engineImages';

/** How many engine images the cache keeps (the newest); each can be hundreds of MB. */
const KEEP = 3;
const CACHE_REPOSITORY = 'localhost/stevedore-engine-cache';

export { engineCachePath } from './engineCachePath';

export async function cachedEngineImage(client: EngineClient, name: string, cache: ImageStore, signal?: AbortSignal): Promise<ImageRecord> {
  const inspected = await inspectEngineImage(client, name, signal);
  if (!inspected) throw new StevedoreError('IMAGE_NOT_FOUND', `${client.describe()} has no image "${name}".`);
  const id = String(inspected.Id);
  const found = (await cache.list()).find((r) => r.id === id);
  if (found) return found;
  // The tag orders the cache by when each image came in, so the oldest can go.
  const tag = `${CACHE_REPOSITORY}:${Date.now()}`;
  // The load lets go of each chunk when it asks for the next (loadArchive's `source`).
  await loadArchive(cache, { source: exportEngineImages(client, [id], signal, { reusePieces: true }), sourceName: client.describe(), names: [tag], ...(signal ? { signal } : {}) });
  const records = await cache.list();
  const ordered = records
    .map((r) => ({ r, at: Math.max(0, ...r.refs.filter((ref) => ref.startsWith(`${CACHE_REPOSITORY}:`)).map((ref) => Number(ref.slice(CACHE_REPOSITORY.length + 1)) || 0)) }))
    .sort((a, b) => b.at - a.at);
  const old = ordered.slice(KEEP).map((o) => o.r.id);
  if (old.length > 0) await removeImages(cache, old, { force: true, ...(signal ? { signal } : {}) });
  const record = (await cache.list()).find((r) => r.id === id);
  if (!record) throw new StevedoreError('IO_ERROR', `The export of ${name} from ${client.describe()} did not hold image ${id}.`);
  return record;
}
