// Clear Filter: shows every image again.

import { applyFilterState } from './filterImages';
import type { ExtensionCommand } from './command';

export const clearImageFilterCommand: ExtensionCommand = {
  id: 'stevedore.images.clearFilter',
  operation: 'Clear filter',
  async run({ services }) {
    await services.images.setFilter('');
    await applyFilterState(services.imagesView, '');
    return '';
  },
};
