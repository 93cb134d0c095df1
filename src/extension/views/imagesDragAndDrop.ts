// Drag and drop in the Images view. Images dragged from one source's row (the store, Docker,
// Podman, an added engine) and dropped onto another source's row or one of its images are copied
// there (Copy to Stevedore / Copy to Engine, with their cancellable progress); dropping them where
// they already are does nothing. Image archives (.tar, .tar.gz, .tgz) dropped onto the view are
// loaded into the store, as "Load Image Archive…" does: files come as URIs (from the Explorer, or
// from the OS on desktop), so the archive is streamed from disk, never read into memory whole.

import * as vscode from 'vscode';
import { isArchiveName } from '../archiveFiles';

/** What VS Code calls the items dragged out of the view (its id, lower-cased). */
export const IMAGES_TREE_MIME = 'application/vnd.code.tree.stevedore.images';

interface DraggedNode {
  kind: string;
  source?: string;
}

export class ImagesDragAndDrop implements vscode.TreeDragAndDropController<unknown> {
  readonly dropMimeTypes = ['text/uri-list', 'files', IMAGES_TREE_MIME];
  readonly dragMimeTypes: string[] = [IMAGES_TREE_MIME];

  constructor(private readonly log: vscode.LogOutputChannel) {}

  handleDrag(source: readonly unknown[], dataTransfer: vscode.DataTransfer): void {
    const images = source.filter((n) => ['image', 'imageGroup', 'engineImage'].includes(String((n as DraggedNode | undefined)?.kind)));
    dataTransfer.set(IMAGES_TREE_MIME, new vscode.DataTransferItem(images));
  }

  async handleDrop(target: unknown, dataTransfer: vscode.DataTransfer, token: vscode.CancellationToken): Promise<void> {
    const dragged = dataTransfer.get(IMAGES_TREE_MIME)?.value as unknown;
    if (Array.isArray(dragged)) {
      await this.dropImages(target, dragged as DraggedNode[], token);
      return;
    }
    await this.dropFiles(dataTransfer, token);
  }

  private async dropImages(target: unknown, dragged: readonly DraggedNode[], token: vscode.CancellationToken): Promise<void> {
    // Below the last row there is no target: that is the store, as the view's empty space always was.
    const to = target === undefined ? 'store' : sourceOf(target as DraggedNode);
    if (!to || token.isCancellationRequested) return;
    const images = dragged.filter((n) => sourceOf(n) !== to);
    if (images.length === 0) return;
    if (to === 'store') await vscode.commands.executeCommand('stevedore.copyToStevedore', images[0], images);
    else await vscode.commands.executeCommand('stevedore.copyToEngine', images[0], images, { target: to });
  }

  private async dropFiles(dataTransfer: vscode.DataTransfer, token: vscode.CancellationToken): Promise<void> {
    const uris: vscode.Uri[] = [];
    const list = await dataTransfer.get('text/uri-list')?.asString();
    if (list) {
      for (const line of list.split(/\r?\n/)) {
        const text = line.trim();
        if (!text || text.startsWith('#')) continue;
        try {
          uris.push(vscode.Uri.parse(text, true));
        } catch {
          this.log.warn(`ignoring a dropped item that is not a URI: ${text.slice(0, 200)}`);
        }
      }
    }
    if (uris.length === 0) {
      for (const [, item] of dataTransfer) {
        const file = item.asFile();
        if (file?.uri) uris.push(file.uri);
      }
    }
    if (token.isCancellationRequested) return;
    const archives = uris.filter((u) => u.scheme === 'file' && isArchiveName(u.path));
    if (archives.length === 0) {
      if (uris.length > 0 || dataTransfer.get('files')) {
        void vscode.window.showWarningMessage('Drop image archives (.tar, .tar.gz or .tgz files) from the Explorer onto the Images view to load them.');
      }
      return;
    }
    // The load command shows progress, reports failures and refreshes the view.
    await vscode.commands.executeCommand('stevedore.loadArchive', archives[0], archives);
  }
}

/** The source a row belongs to: "store", or an engine's source id. */
function sourceOf(node: DraggedNode | undefined): string | undefined {
  switch (node?.kind) {
    case 'source':
      return (node as unknown as { source: { id: string } }).source.id;
    case 'image':
    case 'imageGroup':
    case 'imagesError':
      return 'store';
    case 'engineImage':
    case 'engineMessage':
      return node.source;
    default:
      return undefined;
  }
}
