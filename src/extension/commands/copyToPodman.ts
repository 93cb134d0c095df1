// Copy to Podman: store images (and other engines' images) into Podman's API service (engines/copyToSource.ts).

import { copyToSource } from '../engines/copyToSource';
import { PODMAN_SOURCE } from '../engines/imageSources';
import type { ExtensionCommand } from './command';

export const copyToPodmanCommand: ExtensionCommand = {
  id: 'stevedore.copyToPodman',
  operation: 'Copy to Podman',
  run: (ctx) => copyToSource(ctx, PODMAN_SOURCE),
};
