// `stevedore image prune [-a] [-f]` — remove dangling (or all) images and report the space reclaimed.

import { humanSize } from '../../core/format/humanSize';
import { pruneFilter } from '../../core/image/pruneFilter';
import { familiarString, parseReference } from '../../core/reference/reference';
import { pruneImages } from '../../core/store/pruneImages';
import { boolFlag, listFlag, stringFlag, type Command } from '../command';
import { enginePrune } from '../engineImageCommands';
import { ENGINE_FLAG, ENGINE_HOST_FLAGS } from '../engineSettings';
import { writeLine } from '../context';
import { confirm } from '../prompt';

export const imagePruneCommand: Command = {
  usage: 'stevedore image prune [OPTIONS]',
  maxArgs: 0,
  flags: [
    { name: 'all', short: 'a', kind: 'bool', description: 'Remove all images, not just dangling ones (no containers use images here)' },
    { name: 'filter', kind: 'list', valueName: 'filter', description: 'Provide filter values (e.g. "label=<key>=<value>", "until=<timestamp>": a duration such as 24h, an RFC 3339 time or a Unix timestamp)' },
    { name: 'force', short: 'f', kind: 'bool', description: 'Do not prompt for confirmation' },
    ENGINE_FLAG,
    ...ENGINE_HOST_FLAGS,
  ],
  async run(ctx, _args, flags) {
    // Parsed before the prompt: a filter that cannot be read must stop everything. An engine gets
    // the same filters and judges them itself, as docker image prune leaves them to the daemon.
    const { all, keep } = pruneFilter(listFlag(flags, 'filter'), boolFlag(flags, 'all'), ctx.now());
    const engine = stringFlag(flags, ENGINE_FLAG.name);
    if (!boolFlag(flags, 'force')) {
      const warning = all
        ? 'WARNING! This will remove all images without at least one container associated to them.'
        : 'WARNING! This will remove all dangling images.';
      if (!(await confirm(ctx, `${warning}\nAre you sure you want to continue? [y/N] `))) return 0;
    }
    const result = engine ? await enginePrune(ctx, engine, flags, all) : await pruneImages(await ctx.openStore(), { all, keep, signal: ctx.signal });
    if (result.deletedImages.length || result.untagged.length) {
      writeLine(ctx.stdout, 'Deleted Images:');
      for (const ref of result.untagged) writeLine(ctx.stdout, `untagged: ${familiarString(parseReference(ref))}`);
      for (const id of result.deletedImages) writeLine(ctx.stdout, `deleted: ${id}`);
      writeLine(ctx.stdout);
    }
    writeLine(ctx.stdout, `Total reclaimed space: ${humanSize(result.reclaimedBytes)}`);
    return 0;
  },
};
