// `stevedore __complete WORD…` (hidden): prints, one per line, what may follow the words typed so
// far; the last word is the one being completed. The shell scripts of `stevedore completion` call
// it on every Tab, so it reads no more than the command table and the store's index.json, and
// prints nothing rather than an error.

import type { Command } from '../command';
import { commandGroups, commandTable } from '../commandTable';
import { completeWords } from '../completionWords';

export const completeCommand: Command = {
  usage: 'stevedore __complete [WORD...]',
  flags: [],
  // Everything after "--" is the command line being completed, "--help" included.
  interspersed: false,
  async run(ctx, args) {
    // The words arrive after "--", so that flags among them are not taken as this command's.
    const words = args[0] === '--' ? args.slice(1) : args;
    try {
      const candidates = await completeWords(words.length === 0 ? [''] : words, { table: commandTable, groups: commandGroups, env: ctx.env });
      if (candidates.length > 0) ctx.stdout.write(`${candidates.join('\n')}\n`);
    } catch {
      // A completion that fails offers nothing; the shell carries on.
    }
    return 0;
  },
};
