// Refresh (and Retry on an engine that could not be reached): reads the settings and the
// environment again and lists the engine's images (or every engine's) anew.

import { stringArg, type ExtensionCommand } from './command';

export const refreshEnginesCommand: ExtensionCommand = {
  id: 'stevedore.refreshEngines',
  operation: 'Refresh engines',
  async run(ctx) {
    ctx.services.engines.reset();
    const clicked = ctx.clicked as { kind?: string; source?: { id?: string } } | undefined;
    const engine = stringArg(ctx, 'engine') ?? (clicked?.kind === 'source' ? clicked.source?.id : undefined);
    ctx.services.images.refreshEngine(engine);
    return undefined;
  },
};
