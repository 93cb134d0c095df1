// `stevedore rmi IMAGE [IMAGE...]` — untag and delete, as `docker rmi` does.

import { removeImages } from '../../core/store/removeImages';
import { boolFlag, type Command } from '../command';
import { writeLine } from '../context';

export const rmiCommand: Command = {
  usage: 'stevedore rmi [OPTIONS] IMAGE [IMAGE...]',
  minArgs: 1,
  flags: [
    { name: 'force', short: 'f', kind: 'bool', description: 'Force removal of the image' },
    { name: 'no-prune', kind: 'bool', description: "Keep the removed images' layer blobs in the store" },
  ],
  async run(ctx, args, flags) {
    const store = await ctx.openStore();
    const result = await removeImages(store, args, { force: boolFlag(flags, 'force'), noPrune: boolFlag(flags, 'no-prune'), signal: ctx.signal });
    for (const e of result.events) writeLine(ctx.stdout, `${e.kind === 'untagged' ? 'Untagged' : 'Deleted'}: ${e.value}`);
    for (const b of result.removedBlobs) {
      if (!result.events.some((e) => e.value === b.digest)) writeLine(ctx.stdout, `Deleted: ${b.digest}`);
    }
    for (const f of result.failures) writeLine(ctx.stderr, `Error: ${f.error.message}`);
    return result.failures.length ? 1 : 0;
  },
};
