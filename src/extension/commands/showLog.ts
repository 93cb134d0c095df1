// Show Log: the Stevedore output channel, where failures are explained in detail.

import type { ExtensionCommand } from './command';

export const showLogCommand: ExtensionCommand = {
  id: 'stevedore.showLog',
  operation: 'Show log',
  async run({ services }) {
    services.log.show(true);
    return undefined;
  },
};
