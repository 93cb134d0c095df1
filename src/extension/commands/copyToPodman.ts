// Copy to Podman: store images into Podman's API service (engines/copyToEngine.ts).

import { copyToEngine } from '../engines/copyToEngine';
import type { ExtensionCommand } from './command';

export const copyToPodmanCommand: ExtensionCommand = {
  id: 'stevedore.copyToPodman',
  operation: 'Copy to Podman',
  run: (ctx) => copyToEngine(ctx, 'podman'),
};
