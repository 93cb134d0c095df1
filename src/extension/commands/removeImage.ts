// Remove: untags the selected tags, deleting an image when its last tag goes, as `docker rmi NAME`
// does; an untagged image is removed by ID. Asks first (setting stevedore.confirm.remove), and when
// a selected image has other tags as well, offers to remove the image with all of them (force); the
// buttons say exactly which (removeChoices.ts). Images listed under an engine are removed by the
// engine (engines/engineImageActions.ts), which answers with its own conflicts.

import * as vscode from 'vscode';
import { StevedoreError } from '../../core/errors';
import { humanSize } from '../../core/format/humanSize';
import { familiarString, parseReference } from '../../core/reference/reference';
import { removeImages } from '../../core/store/removeImages';
import { engineImageName, removeEngineImages } from '../engines/engineImageActions';
import { engineLabel } from '../engines/imageSources';
import { boolArg, selectedEngineImages, selectedImageNodes, type ExtensionCommand } from './command';
import { confirm, imageName, pickImages } from './prompts';
import { removalSummary, removeChoices } from './removeChoices';

export const removeImageCommand: ExtensionCommand = {
  id: 'stevedore.removeImage',
  operation: 'Remove',
  async run(ctx) {
    const { services } = ctx;
    const engineNodes = selectedEngineImages(ctx);
    if (engineNodes.length > 0) {
      if (!(boolArg(ctx, 'skipConfirmation') ?? false) && services.settings().confirmRemove) {
        const names = engineNodes.map(engineImageName);
        const answer = await confirm(`Remove ${names.length <= 5 ? names.join(', ') : `${names.length} images`} from ${engineLabel(engineNodes[0]!.source)}?`, 'Each name is untagged; an image goes with its last name, as with docker rmi.', 'Remove');
        if (!answer) return undefined;
      }
      return removeEngineImages(services, engineNodes, boolArg(ctx, 'force') ?? false);
    }
    let nodes = selectedImageNodes(ctx);
    if (nodes.length === 0) nodes = await pickImages(services, { placeHolder: 'Images to remove', canPickMany: true });
    if (nodes.length === 0) return undefined;

    let force = boolArg(ctx, 'force') ?? false;
    const names = nodes.map(imageName);
    const selectedRefs = new Set(nodes.map((n) => n.reference).filter((r): r is string => r !== undefined));
    // Tags of the selected images that are not selected: removing by name would keep those images.
    const otherTags = [...new Set(nodes.flatMap((n) => n.record.refs.filter((r) => !selectedRefs.has(r))))];
    if (!(boolArg(ctx, 'skipConfirmation') ?? false) && services.settings().confirmRemove) {
      const list = names.length <= 5 ? names.join(', ') : `${names.slice(0, 5).join(', ')} and ${names.length - 5} more`;
      const familiar = (r: string) => familiarString(parseReference(r));
      const choices = removeChoices(
        nodes.map((n) => ({ ...(n.reference ? { reference: n.reference } : {}), refs: n.record.refs, imageId: n.record.id })),
        familiar,
      );
      const buttons = force ? [choices.force ?? choices.byName] : [choices.byName, ...(choices.force ? [choices.force] : [])];
      const detail = force || otherTags.length === 0
        ? 'Layers no other image uses are deleted from the store.'
        : `The image keeps its other tags (${otherTags.slice(0, 3).map(familiar).join(', ')}${otherTags.length > 3 ? ', …' : ''}) unless you delete it with all of them.`;
      const answer = await confirm(`Remove ${list}?`, detail, ...buttons);
      if (!answer) return undefined;
      if (answer === choices.force) force = true;
    }

    const store = await services.store.open();
    // By name, each selected tag goes; with force, each image goes by ID with every tag it has.
    const targets = force ? [...new Set(nodes.map((n) => n.record.id))] : nodes.map((n) => n.reference ?? n.record.id);
    const result = await removeImages(store, targets, { force });
    services.images.refresh();
    for (const e of result.events) services.log.info(`${e.kind === 'untagged' ? 'Untagged' : 'Deleted'}: ${e.value}`);
    const summary = removalSummary(result.events);
    const deleted = summary.images;
    const untagged = summary.tags;
    if (result.failures.length > 0) {
      const first = result.failures[0]!.error;
      throw new StevedoreError(first.code, result.failures.length === 1 ? first.message : `${result.failures.length} of ${targets.length} could not be removed; the first: ${first.message}`);
    }
    const message = `Removed ${names.length === 1 ? names[0] : `${names.length} images`}: ${summary.text}, ${humanSize(result.reclaimedBytes)} reclaimed.`;
    void vscode.window.showInformationMessage(message);
    return { untagged, deleted, reclaimedBytes: result.reclaimedBytes, message };
  },
};
