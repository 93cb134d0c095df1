// Copy to Docker: store images into the Docker engine (engines/copyToEngine.ts).

import { copyToEngine } from '../engines/copyToEngine';
import type { ExtensionCommand } from './command';

export const copyToDockerCommand: ExtensionCommand = {
  id: 'stevedore.copyToDocker',
  operation: 'Copy to Docker',
  run: (ctx) => copyToEngine(ctx, 'docker'),
};
