// `stevedore rmi IMAGE [IMAGE...]` — untag and delete, as `docker rmi` does.

import { removeImages } from '../../core/store/removeImages';
import { boolFlag, stringFlag, type Command } from '../command';
import { engineRmi } from '../engineImageCommands';
import { ENGINE_FLAG, ENGINE_HOST_FLAGS } from '../engineSettings';
import { writeLine } from '../context';

export const rmiCommand: Command = {
  usage: 'stevedore rmi [OPTIONS] IMAGE [IMAGE...]',
  minArgs: 1,
  flags: [
    { name: 'force', short: 'f', kind: 'bool', description: 'Force removal of the image' },
    { name: 'no-prune', kind: 'bool', description: "Keep the removed images' layer blobs in the store" },
    ENGINE_FLAG,
    ...ENGINE_HOST_FLAGS,
  ],
  async run(ctx, args, flags) {
    const engine = stringFlag(flags, ENGINE_FLAG.name);
    if (engine) return engineRmi(ctx, engine, args, flags);
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
