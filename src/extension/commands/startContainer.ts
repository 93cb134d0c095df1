// Start: a stopped container's command runs again on the files it left (`start -ai`), in a
// terminal; with `wait` the command resolves with its exit status.

import { StevedoreError } from '../../core/errors';
import { isContainerLive } from '../../core/runtime/removeContainer';
import { startContainer } from '../../core/runtime/startContainer';
import { containerExit, openContainerTerminal } from '../containers/openContainerTerminal';
import { selectedContainer } from '../containers/selectedContainer';
import { callCli } from '../containers/cliProcess';
import { containerCli } from '../containers/containerCli';
import { boolArg, type ExtensionCommand } from './command';

export const startContainerCommand: ExtensionCommand = {
  id: 'stevedore.startContainer',
  operation: 'Start',
  async run(ctx) {
    const container = await selectedContainer(ctx, 'Container to start');
    if (!container) return undefined;
    if (isContainerLive(container)) throw new StevedoreError('CONTAINER_CONFLICT', `Container ${container.Name} is already ${container.State.Status}.`);
    const store = await ctx.services.store.open();
    const tty = container.Config.Tty;
    const cli = await containerCli(ctx.services);
    const through = cli ? 'cli' : 'extension';
    const opened = await openContainerTerminal(ctx.services, `Start: ${container.Name}`, {
      tty,
      interactive: container.Config.OpenStdin,
      start: async (io, signal) =>
        cli
          ? (await callCli(cli, { args: ['start', '-a', ...(container.Config.OpenStdin ? ['-i'] : []), '--', container.Id], io, signal })).status
          : startContainer(store, container, { io, signal, env: process.env }),
    });
    if (!(boolArg(ctx, 'wait') ?? false)) return { terminal: opened.terminal.name, through };
    return { terminal: opened.terminal.name, exitCode: await containerExit(opened), through };
  },
};
