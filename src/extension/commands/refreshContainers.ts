// Refresh of the Containers view (it also refreshes itself when containers change on disk).

import type { ExtensionCommand } from './command';

export const refreshContainersCommand: ExtensionCommand = {
  id: 'stevedore.refreshContainers',
  operation: 'Refresh containers',
  run(ctx) {
    ctx.services.containersTree.refresh();
    return Promise.resolve(undefined);
  },
};
