// Hide Dangling Images: untagged images leave the Images view (they stay in the store).

import { updateSetting } from '../settings';
import type { ExtensionCommand } from './command';

export const hideDanglingImagesCommand: ExtensionCommand = {
  id: 'stevedore.images.hideDangling',
  operation: 'Hide dangling images',
  async run({ services }) {
    await updateSetting('images.showDangling', false);
    services.images.refresh();
    return false;
  },
};
