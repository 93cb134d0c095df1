// Run: the image's command in a new container, its output in a terminal (no input: `docker run`).

import { runImageInTerminal } from '../containers/runImageInTerminal';
import type { ExtensionCommand } from './command';

export const runImageCommand: ExtensionCommand = {
  id: 'stevedore.runImage',
  operation: 'Run',
  run: (ctx) => runImageInTerminal(ctx, false),
};
