// "Load more…" under a registry: the next page of its catalog.

import { StevedoreError } from '../../core/errors';
import type { LoadMoreNode, RegistryNode } from '../views/registryNodes';
import { isNode, stringArg, type ExtensionCommand } from './command';

export const loadMoreRepositoriesCommand: ExtensionCommand = {
  id: 'stevedore.registries.loadMore',
  operation: 'Load more repositories',
  async run(ctx) {
    const { services } = ctx;
    let node = isNode(ctx.clicked) && (ctx.clicked.kind === 'loadMore' || ctx.clicked.kind === 'registry') ? (ctx.clicked as LoadMoreNode | RegistryNode) : undefined;
    const registry = stringArg(ctx, 'registry');
    if (!node && registry) node = services.registriesTree.registryNodes().find((n) => n.domain === registry);
    if (!node) throw new StevedoreError('INVALID_ARGUMENT', 'Load more… works on a registry in the Registries view.');
    return services.registriesTree.loadMore(node);
  },
};
