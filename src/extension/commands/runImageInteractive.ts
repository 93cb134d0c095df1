// Run Interactive: a new container with a terminal and input (`docker run -it`), in a VS Code
// terminal that resizes the container's console with it.

import { runImageInTerminal } from '../containers/runImageInTerminal';
import type { ExtensionCommand } from './command';

export const runImageInteractiveCommand: ExtensionCommand = {
  id: 'stevedore.runImageInteractive',
  operation: 'Run Interactive',
  run: (ctx) => runImageInTerminal(ctx, true),
};
