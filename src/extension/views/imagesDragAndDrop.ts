// Dropping image archives (.tar, .tar.gz, .tgz) onto the Images view loads them, as "Load Image
// Archive…" does; dropping images from the Engines view copies them into the store. Files come as
// URIs (from the Explorer, or from the OS on desktop), so the archive is streamed from disk, never
// read into memory whole.

import * as vscode from 'vscode';
import { isArchiveName } from '../archiveFiles';

/** What VS Code calls the items dragged out of each view (its id, lower-cased). */
export const IMAGES_TREE_MIME = 'application/vnd.code.tree.stevedore.images';
export const ENGINES_TREE_MIME = 'application/vnd.code.tree.stevedore.engines';

export class ImagesDragAndDrop implements vscode.TreeDragAndDropController<unknown> {
  readonly dropMimeTypes = ['text/uri-list', 'files', ENGINES_TREE_MIME];
  readonly dragMimeTypes: string[] = [IMAGES_TREE_MIME];

  constructor(private readonly log: vscode.LogOutputChannel) {}

  handleDrag(source: readonly unknown[], dataTransfer: vscode.DataTransfer): void {
    // Dropped onto an engine in the Engines view, these are copied there (enginesDragAndDrop.ts).
    dataTransfer.set(IMAGES_TREE_MIME, new vscode.DataTransferItem(source));
  }

  async handleDrop(_target: unknown, dataTransfer: vscode.DataTransfer, token: vscode.CancellationToken): Promise<void> {
    const fromEngines = dataTransfer.get(ENGINES_TREE_MIME)?.value as unknown[] | undefined;
    if (Array.isArray(fromEngines)) {
      const images = fromEngines.filter((n) => (n as { kind?: unknown }).kind === 'engineImage');
      if (images.length > 0 && !token.isCancellationRequested) await vscode.commands.executeCommand('stevedore.copyToStevedore', images[0], images);
      return;
    }
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
