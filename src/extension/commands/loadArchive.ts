// Load Image Archive…: loads images from tars made by docker save, podman save, skopeo or
// Stevedore (plain or gzip), with per-layer progress in a cancellable notification; a bad or
// cancelled load leaves the store as it was. From the Explorer's context menu on .tar/.tar.gz/.tgz
// files (several at once), a drop onto the Images view, or an open dialog.

import { basename } from 'node:path';
import * as vscode from 'vscode';
import { ArchiveStream } from '../../core/sources/archiveSource';
import { copy } from '../../core/sources/copy';
import { StoreSource } from '../../core/sources/storeSource';
import { humanSize } from '../../core/format/humanSize';
import { familiarString, parseReference } from '../../core/reference/reference';
import { StevedoreError } from '../../core/errors';
import { attachActions } from '../errorActions';
import { diskPath, openFileSource } from '../fileSources';
import { revealImage } from '../revealImage';
import { elapsedText, plural, TransferProgress } from '../transferProgress';
import { TransferUpdates } from '../transfers/layerUpdates';
import { withTransfer } from '../transfers/withTransfer';
import type { ExtensionCommand } from './command';
import { shortId } from '../../core/shortId';

export const loadArchiveCommand: ExtensionCommand = {
  id: 'stevedore.loadArchive',
  operation: 'Load',
  async run(ctx) {
    const { services } = ctx;
    let paths = Array.isArray(ctx.args.files) ? (ctx.args.files as unknown[]).filter((f): f is string => typeof f === 'string') : [];
    if (paths.length === 0) paths = ctx.selected.filter((u): u is vscode.Uri => u instanceof vscode.Uri).map(diskPath);
    if (paths.length === 0) {
      const picked = await vscode.window.showOpenDialog({
        title: 'Load image archives',
        canSelectMany: true,
        openLabel: 'Load',
        filters: { 'Image archives': ['tar', 'tar.gz', 'tgz', 'gz'], 'All files': ['*'] },
      });
      if (!picked?.length) return undefined;
      paths = picked.map(diskPath);
    }
    const store = await services.store.open();
    const started = Date.now();
    services.log.info(`loading ${paths.join(', ')}`);
    const loaded: string[] = [];
    let layerCount = 0;
    let bytes = 0;
    let lastImage: { id: string; untagged: boolean } | undefined;
    let current = '';
    try {
      await withTransfer(services.transfers, `Loading ${paths.length === 1 ? basename(paths[0]!) : `${paths.length} archives`}`, async (progress, transfer) => {
        for (const [i, path] of paths.entries()) {
          current = path;
          const layers = new TransferProgress();
          const updates = new TransferUpdates('load');
          const prefix = paths.length > 1 ? `${i + 1}/${paths.length} ${basename(path)}: ` : '';
          let size = 0;
          let read = 0;
          const source = await openFileSource(path, (n) => {
            read = n;
          });
          size = source.size;
          // A copy of the archive into the store, which is the store's load.
          const copied = await copy(new ArchiveStream(source.stream, path), undefined, new StoreSource(store), [], {
            signal: progress.signal,
            onEvent: (event) => {
              const update = updates.update(event);
              if (!update) return;
              layers.apply(update);
              transfer.update(update);
              // The archive is read once, front to back: the share of it read is the honest percentage.
              progress.report(prefix + layers.snapshot().message, ((i + (size ? read / size : 0)) / paths.length) * 100);
            },
          });
          const result = copied.loaded!;
          bytes += size;
          const records = await store.list();
          for (const image of result.images) layerCount += records.find((r) => r.manifestDigest === image.manifestDigest)?.summary.layerCount ?? 0;
          for (const { ref, previousId } of result.moved) services.log.info(`${familiarString(parseReference(ref))} moved from ${previousId}`);
          for (const image of result.images) {
            lastImage = { id: image.id, untagged: image.refs.length === 0 };
            if (image.refs.length === 0) loaded.push(shortId(image.id));
            for (const ref of image.refs) loaded.push(familiarString(parseReference(ref)));
            services.log.info(`Loaded image ${image.refs.length ? image.refs.join(', ') : image.id} from ${path}`);
          }
        }
      });
    } catch (err) {
      // A root filesystem tarball is not an image archive, but it can become one.
      if (err instanceof StevedoreError && err.code === 'INVALID_ARCHIVE' && /not an image archive/.test(err.message)) {
        throw attachActions(err, [{ title: 'Import as Root Filesystem…', command: 'stevedore.importRootfs', args: [{ file: current, askName: true }] }]);
      }
      throw err;
    }
    const revealed = lastImage ? await revealImage(services, lastImage.id, lastImage.untagged) : false;
    if (!lastImage) services.images.refresh();
    const shown = loaded.length <= 3 ? loaded.join(', ') : `${loaded.slice(0, 3).join(', ')} and ${loaded.length - 3} more`;
    void vscode.window.showInformationMessage(`Loaded ${shown || 'nothing new'} — ${plural(layerCount, 'layer')}, ${humanSize(bytes)}, ${elapsedText(Date.now() - started)}.`);
    return { images: loaded, files: paths, revealed };
  },
};
