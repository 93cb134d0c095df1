// Refresh: re-reads the store (the view also refreshes by itself when the store changes) and lists
// the engines again.

import type { ExtensionCommand } from './command';

export const refreshImagesCommand: ExtensionCommand = {
  id: 'stevedore.images.refresh',
  operation: 'Refresh',
  async run({ services }) {
    services.engines.reset();
    services.images.refreshEngine();
    services.images.refresh();
    services.registriesTree.refresh();
    return (await services.images.imageNodes()).length;
  },
};
