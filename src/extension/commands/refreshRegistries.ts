// Refresh (Registries view): fetches catalogs and tags again, for one registry or all.

import type { RegistryNode } from '../views/registryNodes';
import { isNode, type ExtensionCommand } from './command';

export const refreshRegistriesCommand: ExtensionCommand = {
  id: 'stevedore.registries.refresh',
  operation: 'Refresh registries',
  async run(ctx) {
    const node = isNode(ctx.clicked) && ctx.clicked.kind === 'registry' ? (ctx.clicked as RegistryNode) : undefined;
    ctx.services.registries.reset();
    ctx.services.registriesTree.refresh(node);
    return undefined;
  },
};
