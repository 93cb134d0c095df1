// Inspect on an engine image: its export is read once into the engine-image cache (a cancellable
// notification; a second open finds it there by image ID), then the layer inspector opens on it.

import * as vscode from 'vscode';
import { shortId } from '../../core/shortId';
import { cachedEngineImage } from '../../core/engine/engineImageCache';
import { OPEN_INSPECTOR_COMMAND } from '../../webview/inspector/protocol';
import { engineLabel } from '../engines/engineAccess';
import { withCancellableProgress } from '../progressNotification';
import { selectedEngineImages, type ExtensionCommand } from './command';

export const inspectEngineImageCommand: ExtensionCommand = {
  id: 'stevedore.inspectEngineImage',
  operation: 'Inspect',
  async run(ctx) {
    const node = selectedEngineImages(ctx).find((n) => n === ctx.clicked) ?? selectedEngineImages(ctx)[0];
    if (!node) {
      void vscode.window.showInformationMessage('Choose an image under Docker or Podman in the Images view to inspect.');
      return undefined;
    }
    const { services } = ctx;
    const label = node.tag ?? shortId(node.image.Id);
    const cache = await services.getEngineCache();
    const record = await withCancellableProgress(`Reading ${label} from ${engineLabel(node.source)}`, async (progress) =>
      cachedEngineImage(await services.engines.client(node.source), node.name, cache, progress.signal),
    );
    return vscode.commands.executeCommand(OPEN_INSPECTOR_COMMAND, { record, ...(node.tag ? { reference: node.tag } : {}), source: 'engine-cache' });
  },
};
