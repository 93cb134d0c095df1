// Copy to Stevedore: engine images (Engines view, several at once) into the store, keeping their
// names and image IDs; also what dropping them onto the Images view does.

import * as vscode from 'vscode';
import { shortId } from '../../core/shortId';
import { runCopies } from '../engines/copyImages';
import type { EngineImageNode } from '../views/engineNodes';
import { selectedEngineImages, type ExtensionCommand } from './command';

export const copyToStevedoreCommand: ExtensionCommand = {
  id: 'stevedore.copyToStevedore',
  operation: 'Copy to Stevedore',
  async run(ctx) {
    const nodes: EngineImageNode[] = selectedEngineImages(ctx);
    if (nodes.length === 0) {
      void vscode.window.showInformationMessage('Choose images in the Engines view (Docker or Podman) to copy into the Stevedore store.');
      return undefined;
    }
    return runCopies(
      ctx.services,
      nodes.map((n) => ({
        source: { kind: 'engine', engine: n.engine, name: n.name },
        destination: { kind: 'store', name: n.tag ?? '' },
        label: n.tag ?? shortId(n.image.Id),
      })),
      `Copying ${nodes.length === 1 ? (nodes[0]!.tag ?? shortId(nodes[0]!.image.Id)) : `${nodes.length} images`} to the Stevedore store`,
    );
  },
};
