// Runs tasks at most `limit` at a time. On the first failure the shared signal is aborted so the
// other tasks stop early, nothing new is started, and the call returns only after every running
// task has settled: a caller cleaning up after a failure never races a task still writing.

import { CancelledError, isCancelled } from '../errors';

export async function runLimited<T, R>(items: readonly T[], limit: number, signal: AbortSignal | undefined, task: (item: T, index: number, signal: AbortSignal) => Promise<R>): Promise<R[]> {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) controller.abort();
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const state: { failure?: { error: unknown } } = {};
  const worker = async (): Promise<void> => {
    while (!state.failure && !controller.signal.aborted && next < items.length) {
      const index = next++;
      try {
        results[index] = await task(items[index]!, index, controller.signal);
      } catch (error) {
        // The first real error wins over the cancellations it causes in the other tasks.
        const first = state.failure as { error: unknown } | undefined;
        if (!first || (isCancelled(first.error) && !isCancelled(error))) state.failure = { error };
        controller.abort();
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (state.failure) throw state.failure.error;
  if (signal?.aborted) throw new CancelledError();
  return results;
}
