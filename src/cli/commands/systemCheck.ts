// `stevedore system check [--repair]` — rehash every blob and report damage and leftovers.

import { humanSize } from '../../core/format/humanSize';
import { checkStore } from '../../core/store/checkStore';
import { boolFlag, type Command } from '../command';
import { writeLine } from '../context';

export const systemCheckCommand: Command = {
  usage: 'stevedore system check [OPTIONS]',
  maxArgs: 0,
  flags: [
    { name: 'repair', kind: 'bool', description: 'Remove corrupt and unreachable blobs, damaged images and leftovers of stopped processes' },
    { name: 'json', kind: 'bool', description: 'Print the result as JSON' },
  ],
  async run(ctx, _args, flags) {
    const store = await ctx.openStore();
    const result = await checkStore(store, { repair: boolFlag(flags, 'repair'), signal: ctx.signal });
    const severe = result.problems.filter((p) => p.severe);
    if (boolFlag(flags, 'json')) {
      writeLine(ctx.stdout, JSON.stringify(result, null, 2));
    } else {
      writeLine(ctx.stdout, `Checked ${result.blobsChecked} blobs (${humanSize(result.bytesChecked)}) in ${store.root}`);
      for (const p of result.problems) writeLine(ctx.stdout, `${p.severe ? 'ERROR' : 'warning'}: ${p.message}`);
      for (const r of result.repaired) writeLine(ctx.stdout, `repaired: ${r}`);
      if (result.problems.length === 0) writeLine(ctx.stdout, 'No problems found.');
      else if (!boolFlag(flags, 'repair')) writeLine(ctx.stdout, 'Run "stevedore system check --repair" to remove what is damaged or unused.');
    }
    return severe.length && !boolFlag(flags, 'repair') ? 1 : 0;
  },
};
