// Copy to Stevedore: engine images (several at once, from any engine) into the store, keeping
// their names and image IDs; also what dropping them onto the store's row does.

import { copyToSource } from '../engines/copyToSource';
import { STORE_SOURCE } from '../engines/imageSources';
import type { ExtensionCommand } from './command';

export const copyToStevedoreCommand: ExtensionCommand = {
  id: 'stevedore.copyToStevedore',
  operation: 'Copy to Stevedore',
  run: (ctx) => copyToSource(ctx, STORE_SOURCE),
};
