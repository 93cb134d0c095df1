// The image a reading command (layers, verify) works on: from the store, or with --engine, the
// engine's image as kept in the engine-image cache (core/engine/engineImageCache.ts).

import { cachedEngineImage } from '../core/engine/engineImageCache';
import type { ImageRecord, ImageStore } from '../core/store/imageStore';
import type { FlagValues } from './args';
import type { CliContext } from './context';
import { withEngines } from './engineSettings';

export async function imageForCli(ctx: CliContext, name: string, engine: string | undefined, flags: FlagValues): Promise<{ store: ImageStore; record: ImageRecord }> {
  if (!engine) {
    const store = await ctx.openStore();
    return { store, record: await store.find(name) };
  }
  const store = await ctx.openEngineCache();
  const record = await withEngines(ctx, flags, async (engines) => cachedEngineImage(await engines.get(engine), name, store, ctx.signal));
  return { store, record };
}
