// Start: a stopped container's command runs again on the files it left (`start -ai`), in a
// terminal; with `wait` the command resolves with its exit status.

import { StevedoreError } from '../../core/errors';
import { isContainerLive } from '../../core/runtime/removeContainer';
import { startContainer } from '../../core/runtime/startContainer';
import { containerExit, openContainerTerminal } from '../containers/openContainerTerminal';
import { selectedContainer } from '../containers/selectedContainer';
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
    const opened = await openContainerTerminal(ctx.services, `Start: ${container.Name}`, {
      tty,
      interactive: container.Config.OpenStdin,
      start: (io, signal) => startContainer(store, container, { io, signal, env: process.env }),
    });
    if (!(boolArg(ctx, 'wait') ?? false)) return { terminal: opened.terminal.name };
    return { terminal: opened.terminal.name, exitCode: await containerExit(opened) };
  },
};
