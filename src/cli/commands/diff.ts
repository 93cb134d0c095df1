// `stevedore diff CONTAINER` — `docker diff`: A, C and D lines for what the container changed.

import { containerChanges } from '../../core/runtime/containerChanges';
import { findContainer } from '../../core/runtime/containerRecord';
import type { Command } from '../command';
import { writeLine } from '../context';
import { machineChannel } from '../machineChannel';

export const diffCommand: Command = {
  usage: 'stevedore diff CONTAINER',
  minArgs: 1,
  maxArgs: 1,
  flags: [],
  async run(ctx, args) {
    const store = await ctx.openStore();
    const c = await findContainer(store.layout, args[0]!);
    const changes = await containerChanges(store, c, ctx.signal);
    machineChannel(ctx.env)?.({ result: changes });
    for (const change of changes) writeLine(ctx.stdout, `${change.kind} /${change.path}`);
    return 0;
  },
};
