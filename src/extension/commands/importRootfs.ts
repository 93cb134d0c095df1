// Import Root Filesystem…: a root filesystem tarball (plain or gzip) becomes a one-layer image, as
// `docker import` makes it. From a tar in the Explorer, or from the palette with an open dialog.

import { basename } from 'node:path';
import * as vscode from 'vscode';
import { humanSize } from '../../core/format/humanSize';
import { importRootfs } from '../../core/image/importRootfs';
import { familiarString, parseReference } from '../../core/reference/reference';
import { diskPath, openFileSource } from '../fileSources';
import { withCancellableProgress } from '../progressNotification';
import { revealImage } from '../revealImage';
import { elapsedText } from '../transferProgress';
import { stringArg, type ExtensionCommand } from './command';
import { askNewImageName } from './prompts';
import { shortId } from '../../core/shortId';

export const importRootfsCommand: ExtensionCommand = {
  id: 'stevedore.importRootfs',
  operation: 'Import',
  async run(ctx) {
    const { services } = ctx;
    let path = stringArg(ctx, 'file') ?? (ctx.clicked instanceof vscode.Uri ? diskPath(ctx.clicked) : undefined);
    if (!path) {
      const picked = await vscode.window.showOpenDialog({
        title: 'Import a root filesystem tarball as an image',
        canSelectMany: false,
        openLabel: 'Import',
        filters: { 'Tar archives': ['tar', 'tar.gz', 'tgz', 'gz'], 'All files': ['*'] },
      });
      if (!picked?.[0]) return undefined;
      path = diskPath(picked[0]);
    }
    let reference = stringArg(ctx, 'reference');
    // "Import as Root Filesystem…" (offered when Load meets a plain tarball) passes the file and asks for the name.
    if (reference === undefined && (stringArg(ctx, 'file') === undefined || ctx.args.askName === true)) {
      reference = await askNewImageName(`Import ${basename(path)}`, 'team/rootfs:1.0');
      if (reference === undefined) return undefined;
    }
    const name = reference?.trim() || undefined;
    const store = await services.store.open();
    const started = Date.now();
    const record = await withCancellableProgress(`Importing ${basename(path)}`, async (progress) => {
      let size = 0;
      const source = await openFileSource(path, (bytes) => progress.report(`${humanSize(bytes)}/${humanSize(size)} read`, size ? (bytes / size) * 100 : undefined));
      size = source.size;
      return importRootfs(store, { source: source.stream, sourceName: path, ...(name ? { reference: name } : {}), signal: progress.signal });
    });
    const revealed = await revealImage(services, record.id, !name);
    const shown = name ? familiarString(parseReference(name)) : shortId(record.id);
    services.log.info(`imported ${path} as ${name ?? record.id} (${record.id})`);
    void vscode.window.showInformationMessage(`Imported ${basename(path)} as ${shown} — 1 layer, ${humanSize(record.summary.size)}, ${elapsedText(Date.now() - started)}.`);
    return { id: record.id, reference: record.refs[0], revealed };
  },
};
