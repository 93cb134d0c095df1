// The `--engine` forms of rmi, tag, inspect and history: the engine does the work and its own
// answers (and conflict messages) are printed as Docker prints them.

import type { HistoryRow } from '../core/image/inspectImage';
import { engineImageHistory, inspectEngineImage, pruneEngineImages, removeEngineImage, tagEngineImage } from '../core/engine/engineImages';
import { parseFilters } from '../core/format/filters';
import { StevedoreError } from '../core/errors';
import { familiarName, parseReference } from '../core/reference/reference';
import type { FlagValues } from './args';
import { boolFlag, listFlag } from './command';
import { writeLine, type CliContext } from './context';
import { withEngines } from './engineSettings';

export async function engineRmi(ctx: CliContext, engine: string, names: readonly string[], flags: FlagValues): Promise<number> {
  return withEngines(ctx, flags, async (engines) => {
    const client = await engines.get(engine);
    let failed = false;
    for (const name of names) {
      try {
        const items = await removeEngineImage(client, name, { force: boolFlag(flags, 'force'), noPrune: boolFlag(flags, 'no-prune'), signal: ctx.signal });
        for (const item of items) {
          if (item.Untagged) writeLine(ctx.stdout, `Untagged: ${item.Untagged}`);
          if (item.Deleted) writeLine(ctx.stdout, `Deleted: ${item.Deleted}`);
        }
      } catch (err) {
        if (!(err instanceof StevedoreError) || err.code === 'ENGINE_UNAVAILABLE') throw err;
        writeLine(ctx.stderr, `Error: ${err.message}`);
        failed = true;
      }
    }
    return failed ? 1 : 0;
  });
}

export async function engineTag(ctx: CliContext, engine: string, source: string, target: string, flags: FlagValues): Promise<number> {
  const ref = parseReference(target);
  await withEngines(ctx, flags, async (engines) => tagEngineImage(await engines.get(engine), source, { repository: familiarName(ref), tag: ref.tag ?? 'latest' }, ctx.signal));
  return 0;
}

/** Each name's inspect document, or the engine's "No such image" for it. */
export async function engineInspect(ctx: CliContext, engine: string, names: readonly string[], flags: FlagValues): Promise<{ results: Record<string, unknown>[]; errors: string[] }> {
  return withEngines(ctx, flags, async (engines) => {
    const client = await engines.get(engine);
    const results: Record<string, unknown>[] = [];
    const errors: string[] = [];
    for (const name of names) {
      const doc = await inspectEngineImage(client, name, ctx.signal);
      if (doc) results.push(doc);
      else errors.push(`No such image: ${name}`);
    }
    return { results, errors };
  });
}

export async function engineHistory(ctx: CliContext, engine: string, name: string, flags: FlagValues): Promise<HistoryRow[]> {
  const items = await withEngines(ctx, flags, async (engines) => engineImageHistory(await engines.get(engine), name, ctx.signal));
  return items.map((item) => ({
    id: item.Id,
    ...(item.Created ? { created: new Date(item.Created * 1000).toISOString() } : {}),
    createdBy: item.CreatedBy ?? '',
    size: item.Size,
    comment: item.Comment ?? '',
    emptyLayer: item.Size === 0,
  }));
}

/** `image prune --engine`: the engine prunes; what it removed is reported as the store's prune reports it. */
export async function enginePrune(ctx: CliContext, engine: string, flags: FlagValues, all: boolean): Promise<{ untagged: string[]; deletedImages: string[]; reclaimedBytes: number }> {
  const filters = new Map(parseFilters(listFlag(flags, 'filter'), ['until', 'label', 'label!']));
  filters.set('dangling', [all ? 'false' : 'true']);
  const report = await withEngines(ctx, flags, async (engines) => pruneEngineImages(await engines.get(engine), filters, ctx.signal));
  const items = report.ImagesDeleted ?? [];
  return {
    untagged: items.flatMap((i) => (i.Untagged ? [i.Untagged] : [])),
    deletedImages: items.flatMap((i) => (i.Deleted ? [i.Deleted] : [])),
    reclaimedBytes: report.SpaceReclaimed,
  };
}
