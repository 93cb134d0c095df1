// Show Changes: the container's `diff` as a tree with A/C/D marks, below its row in the Containers
// view (revealed and expanded). Returns the changes as `diff` prints them ("A /new"), for tests
// and other extensions.

import { containerCli, containerDiff } from '../containers/containerCli';
import { selectedContainer } from '../containers/selectedContainer';
import type { ExtensionCommand } from './command';

export const showContainerChangesCommand: ExtensionCommand = {
  id: 'stevedore.showContainerChanges',
  operation: 'Show changes',
  async run(ctx) {
    const { services } = ctx;
    const container = await selectedContainer(ctx, 'Container whose changes to show');
    if (!container) return undefined;
    const store = await services.store.open();
    const changes = await containerDiff(await containerCli(services), store, container);
    const node = (await services.containersTree.containerNodes()).find((n) => n.record.Id === container.Id);
    if (node) await services.containersView.reveal(node, { expand: 3, focus: true, select: true });
    return changes.map((c) => `${c.kind} /${c.path}`);
  },
};
