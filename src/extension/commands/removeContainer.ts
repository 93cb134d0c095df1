// Remove: a container and its root filesystem (`rm`), after asking (stevedore.confirm.remove); a
// running one is killed first only when the user says so (`rm -f`).

import { removeContainer } from '../../core/runtime/removeContainer';
import { isContainerLive } from '../../core/runtime/removeContainer';
import { selectedContainer } from '../containers/selectedContainer';
import { callCli } from '../containers/cliProcess';
import { containerCli } from '../containers/containerCli';
import { boolArg, type ExtensionCommand } from './command';
import { confirm } from './prompts';

export const removeContainerCommand: ExtensionCommand = {
  id: 'stevedore.removeContainer',
  operation: 'Remove container',
  async run(ctx) {
    const { services } = ctx;
    const container = await selectedContainer(ctx, 'Container to remove');
    if (!container) return undefined;
    const live = isContainerLive(container);
    let force = boolArg(ctx, 'force') ?? false;
    if (!(boolArg(ctx, 'skipConfirmation') ?? false) && (services.settings().confirmRemove || live)) {
      const button = live ? 'Kill and Remove' : 'Remove';
      const answer = await confirm(
        `Remove container ${container.Name}?`,
        live ? 'It is running: its process is killed first. Its files and changes are deleted.' : 'Its files and changes are deleted; commit it first to keep them as an image.',
        button,
      );
      if (answer !== button) return undefined;
      force ||= live;
    }
    const store = await services.store.open();
    const cli = await containerCli(services);
    if (cli) await callCli(cli, { args: ['rm', ...(force ? ['-f'] : []), '--', container.Id] });
    else await removeContainer(store.layout, container, { force, env: process.env });
    services.log.info(`removed container ${container.Name} (${container.Id})`);
    services.containersTree.refresh();
    return { id: container.Id, name: container.Name, through: cli ? 'cli' : 'extension' };
  },
};
