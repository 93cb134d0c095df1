// Show Dangling Images: untagged images appear in the Images view (setting images.showDangling).

import { updateSetting } from '../settings';
import type { ExtensionCommand } from './command';

export const showDanglingImagesCommand: ExtensionCommand = {
  id: 'stevedore.images.showDangling',
  operation: 'Show dangling images',
  async run({ services }) {
    await updateSetting('images.showDangling', true);
    services.images.refresh();
    return true;
  },
};
