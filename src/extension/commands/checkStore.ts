// Check Store / Repair Store: what `stevedore system check [--repair]` does, in VS Code — every blob
// rehashed with cancellable progress, the problems listed in the log and summed up in a message
// that offers Repair Store when something can be repaired. What a store error's notification
// offers instead of telling the user to run `stevedore system check`.

import * as vscode from 'vscode';
import { checkStore, type CheckResult } from '../../core/store/checkStore';
import { humanSize } from '../../core/format/humanSize';
import { withCancellableProgress } from '../progressNotification';
import { plural } from '../transferProgress';
import { boolArg, type ExtensionCommand } from './command';

export const checkStoreCommand: ExtensionCommand = {
  id: 'stevedore.checkStore',
  operation: 'Check store',
  async run(ctx) {
    const { services } = ctx;
    const repair = boolArg(ctx, 'repair') ?? false;
    const store = await services.store.open();
    // Every blob is listed (queued) before the first is read; the count read so far is what the notification says.
    let total = 0;
    let started = 0;
    const result: CheckResult = await withCancellableProgress(repair ? 'Repairing the image store' : 'Checking the image store', (progress) =>
      checkStore(store, {
        repair,
        signal: progress.signal,
        onEvent: (event) => {
          if (event.kind !== 'layer') return;
          if (event.state === 'queued') total++;
          else if (event.state === 'transferring') progress.report(`${started++}/${total} blobs rehashed`, total ? ((started - 1) / total) * 100 : undefined);
        },
      }),
    );
    for (const p of result.problems) services.log.warn(`store check: ${p.kind} ${p.subject}: ${p.message}`);
    for (const r of result.repaired) services.log.info(`store repair: ${r}`);
    if (repair) services.images.refresh();
    const checked = `${plural(result.blobsChecked, 'blob')} (${humanSize(result.bytesChecked)}) checked`;
    const returned = { problems: result.problems.map((p) => ({ kind: p.kind, subject: p.subject, severe: p.severe })), repaired: result.repaired };
    if (repair) {
      void vscode.window.showInformationMessage(result.repaired.length ? `Repaired the image store: ${result.repaired.length} fixed (see the log); ${checked}.` : `The image store needed no repair; ${checked}.`);
      return returned;
    }
    if (result.problems.length === 0) {
      void vscode.window.showInformationMessage(`The image store is consistent: ${checked}.`);
      return returned;
    }
    const severe = result.problems.filter((p) => p.severe).length;
    const first = result.problems[0]!.message;
    const text = `${plural(result.problems.length, 'problem')} in the image store${severe ? ` (${severe} damage)` : ' (leftovers only)'}: ${first}${result.problems.length > 1 ? ' …' : ''} Repair Store removes what is damaged or left over; pull or load damaged images again afterwards.`;
    void vscode.window.showWarningMessage(text, 'Repair Store', 'Show Log').then((picked) => {
      if (picked === 'Repair Store') void vscode.commands.executeCommand('stevedore.checkStore', { repair: true });
      else if (picked === 'Show Log') services.log.show(true);
    });
    return returned;
  },
};
