// Dragging between the Engines view and the Images view: store images dropped onto an engine (or
// one of its images) are copied to that engine; engine images dragged out land in the Images view,
// which copies them into the store (imagesDragAndDrop.ts).

import * as vscode from 'vscode';
import { ENGINES_TREE_MIME, IMAGES_TREE_MIME } from './imagesDragAndDrop';
import type { EnginesTreeNode } from './engineNodes';

export class EnginesDragAndDrop implements vscode.TreeDragAndDropController<EnginesTreeNode> {
  readonly dropMimeTypes = [IMAGES_TREE_MIME, ENGINES_TREE_MIME];
  readonly dragMimeTypes = [ENGINES_TREE_MIME];

  handleDrag(source: readonly EnginesTreeNode[], dataTransfer: vscode.DataTransfer): void {
    dataTransfer.set(ENGINES_TREE_MIME, new vscode.DataTransferItem(source.filter((n) => n.kind === 'engineImage')));
  }

  async handleDrop(target: EnginesTreeNode | undefined, dataTransfer: vscode.DataTransfer, token: vscode.CancellationToken): Promise<void> {
    if (!target || token.isCancellationRequested) return;
    const command = target.engine === 'podman' ? 'stevedore.copyToPodman' : 'stevedore.copyToDocker';
    const items = [...asArray(dataTransfer.get(IMAGES_TREE_MIME)?.value), ...asArray(dataTransfer.get(ENGINES_TREE_MIME)?.value)];
    // Store images, or images of the other engine; dropping an engine's image onto its own engine does nothing.
    const images = items.filter((n) => {
      const kind = (n as { kind?: unknown }).kind;
      return kind === 'image' || kind === 'imageGroup' || (kind === 'engineImage' && (n as { engine?: unknown }).engine !== target.engine);
    });
    if (images.length > 0) await vscode.commands.executeCommand(command, images[0], images);
  }
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
