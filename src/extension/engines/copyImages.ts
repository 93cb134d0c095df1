// Runs copies between the store and the engines in one cancellable notification, with each layer
// moving (its bytes and percentage, as a pull shows them); refreshes the views that changed and
// says what happened. A cancelled copy leaves the store as it was (the store's load commits nothing
// until every digest checks out); an engine abandons a load whose stream broke off.

import * as vscode from 'vscode';
import { copyImage, type CopyResult } from '../../core/copy/copyImage';
import { describeLocation, type ImageLocation } from '../../core/copy/imageLocation';
import { humanSize } from '../../core/format/humanSize';
import { TransferUpdates } from '../transfers/layerUpdates';
import { withTransfer } from '../transfers/withTransfer';
import type { Services } from '../services';
import { elapsedText, TransferProgress } from '../transferProgress';

export interface CopyRequest {
  source: ImageLocation;
  destination: ImageLocation;
  /** The image as the user knows it: "myapp:dev". */
  label: string;
}

export async function runCopies(services: Services, requests: readonly CopyRequest[], title: string): Promise<CopyResult[]> {
  const started = Date.now();
  const results: CopyResult[] = [];
  try {
    await withTransfer(services.transfers, title, async (progress, transfer) => {
      for (const [i, request] of requests.entries()) {
        const prefix = requests.length > 1 ? `${i + 1}/${requests.length} ${request.label}: ` : '';
        services.log.info(`copying ${request.label} from ${describeLocation(request.source)} to ${describeLocation(request.destination)}`);
        progress.report(`${prefix}starting…`, (i / requests.length) * 100);
        // Each layer as it passes, read from the archive stream itself (whichever side wrote it).
        const layers = new TransferProgress();
        const updates = new TransferUpdates('copy', request.label);
        const result = await copyImage(request.source, request.destination, {
          openStore: () => services.store.open(),
          engine: (kind, endpoint) => services.engines.client(endpoint ?? kind),
          signal: progress.signal,
          onEvent: (event) => {
            const update = updates.update(event);
            if (!update) return;
            if (event.kind === 'layer') {
              layers.apply(update);
              transfer.update(update);
              progress.report(`${prefix}${layers.snapshot().message}`);
            } else if (event.kind === 'end') {
              // The archive's row is finished at the bytes that went through (none when the target had the image).
              transfer.update(update);
            } else if (layers.layerCount === 0) {
              // Until the stream shows a layer (an archive that is not a tar shows none): its bytes as one row.
              transfer.update(update);
              progress.report(`${prefix}${humanSize(update.current)} copied`);
            }
          },
        });
        services.log.info(result.alreadyPresent ? `${describeLocation(request.destination)} already had ${request.label}; named it` : `copied ${request.label}: ${humanSize(result.bytes)}`);
        results.push(result);
      }
    });
  } finally {
    // Whatever got through is shown, also after a failure part-way.
    if (requests.some((r) => r.destination.kind === 'store')) services.images.refresh();
    for (const r of requests) if (r.destination.kind === 'engine') services.images.refreshEngine(r.destination.endpoint ?? r.destination.engine);
  }
  const moved = results.reduce((n, r) => n + r.bytes, 0);
  const present = results.filter((r) => r.alreadyPresent).length;
  const where = describeLocation(requests[0]!.destination).replace(/ \(.*\)$/, '');
  const what = requests.length === 1 ? requests[0]!.label : `${requests.length} images`;
  const text =
    present === results.length
      ? `${where} already had ${what}; only the name was added, nothing copied.`
      : `Copied ${what} to ${where} — ${humanSize(moved)}, ${elapsedText(Date.now() - started)}${present ? ` (${present} already there)` : ''}.`;
  void vscode.window.showInformationMessage(text);
  return results;
}
