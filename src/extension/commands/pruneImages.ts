// Prune Dangling Images: deletes images without a tag and the layers nothing else uses.

import * as vscode from 'vscode';
import { humanSize } from '../../core/format/humanSize';
import { pruneImages } from '../../core/store/pruneImages';
import { boolArg, type ExtensionCommand } from './command';
import { confirm } from './prompts';

export const pruneImagesCommand: ExtensionCommand = {
  id: 'stevedore.pruneImages',
  operation: 'Prune',
  async run(ctx) {
    const { services } = ctx;
    const store = await services.store.open();
    const dangling = (await store.list()).filter((r) => r.refs.length === 0);
    if (dangling.length === 0) {
      void vscode.window.showInformationMessage('There are no dangling images to prune.');
      return { deletedImages: 0, reclaimedBytes: 0 };
    }
    if (!(boolArg(ctx, 'skipConfirmation') ?? false) && services.settings().confirmPrune) {
      const answer = await confirm(`Remove ${dangling.length} dangling image${dangling.length === 1 ? '' : 's'}?`, 'Images without a tag are deleted, with the layers no other image uses.', 'Prune');
      if (answer !== 'Prune') return undefined;
    }
    const result = await pruneImages(store, {});
    services.images.refresh();
    for (const id of result.deletedImages) services.log.info(`Deleted: ${id}`);
    void vscode.window.showInformationMessage(`Pruned ${result.deletedImages.length} dangling image${result.deletedImages.length === 1 ? '' : 's'}, ${humanSize(result.reclaimedBytes)} reclaimed.`);
    return { deletedImages: result.deletedImages.length, reclaimedBytes: result.reclaimedBytes };
  },
};
