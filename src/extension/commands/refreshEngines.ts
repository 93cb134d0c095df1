// Refresh (and Retry on an engine that could not be reached): reads the settings and the
// environment again and lists the engines' images anew.

import type { ExtensionCommand } from './command';

export const refreshEnginesCommand: ExtensionCommand = {
  id: 'stevedore.refreshEngines',
  operation: 'Refresh engines',
  async run(ctx) {
    ctx.services.engines.reset();
    const engine = ctx.args.engine;
    ctx.services.enginesTree.refresh(engine === 'docker' || engine === 'podman' ? engine : undefined);
    return undefined;
  },
};
