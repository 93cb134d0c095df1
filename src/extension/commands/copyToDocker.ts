// Copy to Docker: store images (and other engines' images) into the Docker engine (engines/copyToSource.ts).

import { copyToSource } from '../engines/copyToSource';
import { DOCKER_SOURCE } from '../engines/imageSources';
import type { ExtensionCommand } from './command';

export const copyToDockerCommand: ExtensionCommand = {
  id: 'stevedore.copyToDocker',
  operation: 'Copy to Docker',
  run: (ctx) => copyToSource(ctx, DOCKER_SOURCE),
};
