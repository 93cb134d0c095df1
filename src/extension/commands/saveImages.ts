// Save Image(s)…: writes the selected images (one or several, or a whole repository group) into one
// tar that docker load, podman load and skopeo read, through a save dialog whose default name comes
// from the reference: a copy of the store's images into the archive (core/sources/copyImages.ts),
// each layer a row as it is written. The archive appears under its name only once complete; cancel
// leaves nothing.
// Images listed under an engine are saved by streaming the engine's own export into the file.

import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { homedir } from 'node:os';
import * as vscode from 'vscode';
import { estimateArchiveBytes, selectImagesToSave } from '../../core/archive/saveSelection';
import { humanSize } from '../../core/format/humanSize';
import { ArchiveSource } from '../../core/sources/archiveSource';
import { copyImages } from '../../core/sources/copyImages';
import { StoreSource } from '../../core/sources/storeSource';
import { signaturesNotArchived, signedImageNames } from '../../core/trust/archiveSignatures';
import { defaultArchiveName } from '../archiveFiles';
import { diskPath } from '../fileSources';
import { TransferUpdates } from '../transfers/layerUpdates';
import { withTransfer } from '../transfers/withTransfer';
import { elapsedText } from '../transferProgress';
import { engineImageName, saveEngineImages } from '../engines/engineImageActions';
import { selectedEngineImages, selectedImageNodes, stringArg, type ExtensionCommand } from './command';
import { imageName, pickImages } from './prompts';

export const saveImagesCommand: ExtensionCommand = {
  id: 'stevedore.saveImages',
  operation: 'Save',
  async run(ctx) {
    const { services } = ctx;
    const engineNodes = selectedEngineImages(ctx);
    if (engineNodes.length > 0) {
      const path = stringArg(ctx, 'file') ?? (await askArchivePath([...new Set(engineNodes.map(engineImageName))]));
      return path === undefined ? undefined : saveEngineImages(services, engineNodes, path);
    }
    let nodes = selectedImageNodes(ctx);
    if (nodes.length === 0) nodes = await pickImages(services, { placeHolder: 'Images to save into one archive', canPickMany: true });
    if (nodes.length === 0) return undefined;
    const names = [...new Set(nodes.map(imageName))];
    const path = stringArg(ctx, 'file') ?? (await askArchivePath(names));
    if (path === undefined) return undefined;
    const store = await services.store.open();
    // Tags by name; an untagged image by ID (it is saved without a name, as Docker does).
    const targets = selectImagesToSave(await store.list(), nodes.map((n) => (n.reference && !n.reference.includes('@') ? n.reference : n.record.manifestDigest)));
    const started = Date.now();
    services.log.info(`saving ${names.join(', ')} to ${path}`);
    // A row per layer as it is written, and one for the archive's bytes (the end marks it done).
    const updates = new TransferUpdates('save', basename(path));
    const total = estimateArchiveBytes(targets);
    await withTransfer(services.transfers, `Saving ${names.length === 1 ? names[0] : `${names.length} images`} to ${basename(path)}`, (progress, transfer) =>
      // A copy of the images from the store into one archive file, as the CLI's save.
      copyImages(new StoreSource(store), targets.map((t) => ({ ref: t.record.manifestDigest, refs: t.refs })), new ArchiveSource('docker-archive', path, store.root), {
        signal: progress.signal,
        operation: 'save',
        reference: path,
        onEvent: (event) => {
          transfer.update(updates.update(event));
          if (event.kind === 'bytes') progress.report(`${humanSize(event.current)}/${humanSize(total)} written`, total ? Math.min(100, (event.current / total) * 100) : undefined);
        },
      }),
    );
    const result = { path, bytes: (await stat(path)).size };
    const text = `Saved ${names.length === 1 ? names[0] : `${names.length} images`} to ${path} — ${humanSize(result.bytes)}, ${elapsedText(Date.now() - started)}`;
    services.log.info(text);
    void vscode.window.showInformationMessage(`${text}.`);
    const signed = await signedImageNames(store.layout, targets.map((t) => t.record));
    if (signed.length) {
      services.log.warn(signaturesNotArchived(signed));
      void vscode.window.showWarningMessage(signaturesNotArchived(signed));
    }
    return { file: result.path, bytes: result.bytes, images: targets.length, signaturesLeftOut: signed };
  },
};

/** The save dialog, in the workspace folder with a name made from the references; undefined when dismissed. */
async function askArchivePath(names: readonly string[]): Promise<string | undefined> {
  const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file')?.uri.fsPath ?? homedir();
  const picked = await vscode.window.showSaveDialog({
    title: `Save ${names.length === 1 ? names[0] : `${names.length} images`}`,
    defaultUri: vscode.Uri.file(join(folder, defaultArchiveName([...names]))),
    filters: { 'Image archives': ['tar'] },
    saveLabel: 'Save',
  });
  return picked ? diskPath(picked) : undefined;
}
