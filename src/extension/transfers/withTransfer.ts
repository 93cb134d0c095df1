// A transfer shown twice: in a cancellable notification (a compact summary with percentages) and as
// a row per layer in the Transfers view. Either Cancel stops it; the view keeps how it ended.

import { isCancelled } from '../../core/errors';
import { withCancellableProgress, type ProgressReporter } from '../progressNotification';
import type { Transfer, TransferList } from './transferList';

export async function withTransfer<T>(transfers: TransferList, title: string, work: (progress: ProgressReporter, transfer: Transfer) => Promise<T>, outcome: (result: T) => string = () => ''): Promise<T> {
  const transfer = transfers.begin(title);
  try {
    const result = await withCancellableProgress(title, (progress) => work(progress, transfer), { signal: transfer.signal });
    transfer.end('done', outcome(result));
    return result;
  } catch (err) {
    transfer.end(isCancelled(err) ? 'cancelled' : 'failed', err instanceof Error ? err.message : String(err));
    throw err;
  }
}
