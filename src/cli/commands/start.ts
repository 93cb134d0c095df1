// `stevedore start [-a] [-i] CONTAINER` — runs a stopped container's command again on the root
// filesystem it left. Without a daemon nothing can run detached: the container runs to its end,
// its output shown with -a, and the exit status is its own with -a (else its name is printed).

import { StevedoreError } from '../../core/errors';
import { findContainer } from '../../core/runtime/containerRecord';
import { startContainer } from '../../core/runtime/startContainer';
import { isContainerLive } from '../../core/runtime/removeContainer';
import { boolFlag, type Command } from '../command';
import { containerIo } from '../containerIo';
import { writeLine } from '../context';

export const startCommand: Command = {
  usage: 'stevedore start [OPTIONS] CONTAINER',
  minArgs: 1,
  maxArgs: 1,
  flags: [
    { name: 'attach', short: 'a', kind: 'bool', description: "Attach STDOUT/STDERR and forward signals" },
    { name: 'interactive', short: 'i', kind: 'bool', description: "Attach container's STDIN" },
  ],
  async run(ctx, args, flags) {
    const store = await ctx.openStore();
    const c = await findContainer(store.layout, args[0]!);
    if (isContainerLive(c)) {
      throw new StevedoreError('CONTAINER_CONFLICT', `Container ${c.Name} is already ${c.State.Status}.`);
    }
    const attach = boolFlag(flags, 'attach');
    const interactive = boolFlag(flags, 'interactive');
    const io = attach ? containerIo(ctx, c.Config.Tty, interactive) : {};
    const status = await startContainer(store, c, { io, signal: ctx.signal, env: ctx.env });
    if (attach) return status;
    writeLine(ctx.stdout, args[0]);
    return 0;
  },
};
