// `stevedore builder prune [-a] [-f] [--filter until=DURATION]` — remove build-cache entries and
// the blobs only they keep, with Docker's question and report.

import { untilFilter } from '../../core/format/filterTime';
import { parseFilters } from '../../core/format/filters';
import { humanSize } from '../../core/format/humanSize';
import { pruneBuildCache } from '../../core/dockerfile/pruneBuildCache';
import { boolFlag, listFlag, type Command } from '../command';
import { writeLine } from '../context';
import { confirm } from '../prompt';
import { machineChannel } from '../machineChannel';

export const builderPruneCommand: Command = {
  usage: 'stevedore builder prune [OPTIONS]',
  maxArgs: 0,
  flags: [
    { name: 'all', short: 'a', kind: 'bool', description: 'Remove all unused build cache, not just dangling ones' },
    { name: 'filter', kind: 'list', valueName: 'filter', description: 'Provide filter values (e.g. "until=24h": a duration, an RFC 3339 time or a Unix timestamp)' },
    { name: 'force', short: 'f', kind: 'bool', description: 'Do not prompt for confirmation' },
  ],
  async run(ctx, _args, flags) {
    // Read before the question: a filter that cannot be read must stop everything.
    const filters = parseFilters(listFlag(flags, 'filter'), ['until']);
    const until = untilFilter(filters.get('until'), ctx.now());
    const all = boolFlag(flags, 'all');
    if (!boolFlag(flags, 'force')) {
      const warning = all ? 'WARNING! This will remove all build cache.' : 'WARNING! This will remove all dangling build cache.';
      if (!(await confirm(ctx, `${warning} Are you sure you want to continue? [y/N] `))) return 0;
    }
    const result = await pruneBuildCache(await ctx.openStore(), { all, ...(until !== undefined ? { until } : {}), signal: ctx.signal });
    machineChannel(ctx.env)?.({ result });
    if (result.deleted.length) {
      writeLine(ctx.stdout, 'Deleted build cache objects:');
      for (const key of result.deleted) writeLine(ctx.stdout, key);
      writeLine(ctx.stdout);
    }
    writeLine(ctx.stdout, `Total reclaimed space: ${humanSize(result.reclaimedBytes)}`);
    return 0;
  },
};
