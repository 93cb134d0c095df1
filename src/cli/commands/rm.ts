// `stevedore rm [-f] CONTAINER...` — removes containers and their root filesystems; a running one
// only with -f, which kills it first.

import { errorMessage, StevedoreError } from '../../core/errors';
import { findContainer } from '../../core/runtime/containerRecord';
import { removeContainer } from '../../core/runtime/removeContainer';
import { boolFlag, type Command } from '../command';
import { writeLine } from '../context';
import { machineChannel } from '../machineChannel';

export const rmCommand: Command = {
  usage: 'stevedore rm [OPTIONS] CONTAINER [CONTAINER...]',
  minArgs: 1,
  flags: [{ name: 'force', short: 'f', kind: 'bool', description: 'Force the removal of a running container (kills it)' }],
  async run(ctx, args, flags) {
    const store = await ctx.openStore();
    const force = boolFlag(flags, 'force');
    let failed = false;
    for (const name of args) {
      try {
        const c = await findContainer(store.layout, name);
        await removeContainer(store.layout, c, { force, env: ctx.env });
        writeLine(ctx.stdout, name);
      } catch (err) {
        failed = true;
        const machine = machineChannel(ctx.env);
        if (machine && err instanceof StevedoreError) machine({ error: { code: err.code, message: err.message } });
        else ctx.stderr.write(`Error: ${errorMessage(err)}\n`);
      }
    }
    return failed ? 1 : 0;
  },
};
