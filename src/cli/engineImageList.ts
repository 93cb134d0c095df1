// `images --engine …`: an engine's own listing, filtered by the engine itself (so the filters mean
// exactly what they mean to `docker images`), printed with the same columns and templates as the store's.

import { shortId } from '../core/shortId';
import { engineImageRows } from '../core/engine/engineImageRows';
import { listEngineImages } from '../core/engine/engineImages';
import { parseFilters } from '../core/format/filters';
import { goTime } from './format/goTime';
import { createdSince } from '../core/format/humanDuration';
import { humanSize, IMAGE_LIST_SIZE_PRECISION } from '../core/format/humanSize';
import { formatList } from './format/table';
import type { FlagValues } from './args';
import { boolFlag, listFlag, stringFlag } from './command';
import type { CliContext } from './context';
import { withEngines } from './engineSettings';

export async function listEngine(ctx: CliContext, engine: string, args: readonly string[], flags: FlagValues, table: { headers: Record<string, string>; defaultTable: string }): Promise<number> {
  const filters = parseFilters(listFlag(flags, 'filter'), ['dangling', 'label', 'before', 'since', 'reference']);
  if (args[0]) filters.set('reference', [...(filters.get('reference') ?? []), args[0]]);
  const images = await withEngines(ctx, flags, async (engines) => listEngineImages(await engines.get(engine), { all: boolFlag(flags, 'all'), filters, signal: ctx.signal }));
  const digests = boolFlag(flags, 'digests');
  const noTrunc = boolFlag(flags, 'no-trunc');
  const now = ctx.now();
  const rows = engineImageRows(images, digests).map(({ repository, tag, digest, image }) => {
    const created = new Date(image.Created * 1000);
    const size = humanSize(image.Size, IMAGE_LIST_SIZE_PRECISION);
    return {
      Containers: image.Containers !== undefined && image.Containers >= 0 ? String(image.Containers) : 'N/A',
      CreatedAt: goTime(created),
      CreatedSince: createdSince(created, now),
      Digest: digest,
      ID: noTrunc ? image.Id : shortId(image.Id),
      Repository: repository,
      SharedSize: image.SharedSize !== undefined && image.SharedSize >= 0 ? humanSize(image.SharedSize) : 'N/A',
      Size: size,
      Tag: tag,
      UniqueSize: 'N/A',
      // The docker CLI gives SIZE three digits and the other sizes four.
      VirtualSize: humanSize(image.VirtualSize ?? image.Size),
    };
  });
  ctx.stdout.write(formatList({ format: stringFlag(flags, 'format'), ...table, rows, quiet: boolFlag(flags, 'quiet'), quietTemplate: '{{.ID}}' }));
  return 0;
}
