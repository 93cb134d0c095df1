// Runs tasks at most `limit` at a time. A task may give its slot back early (`free()`), e.g. once
// its bytes are in and only the flush to disk is left, so the next transfer starts meanwhile. On
// the first failure the shared signal is aborted so the other tasks stop early, nothing new is
// started, and the call returns only after every task has settled: a caller cleaning up after a
// failure never races a task still writing.

import { CancelledError, isCancelled } from '../errors';

export type LimitedTask<T, R> = (item: T, index: number, signal: AbortSignal, free: () => void) => Promise<R>;

export async function runLimited<T, R>(items: readonly T[], limit: number, signal: AbortSignal | undefined, task: LimitedTask<T, R>): Promise<R[]> {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) controller.abort();
  const results: R[] = new Array<R>(items.length);
  const state: { failure?: { error: unknown } } = {};
  const running: Promise<void>[] = [];
  let next = 0;
  const fail = (error: unknown): void => {
    // The first real error wins over the cancellations it causes in the other tasks.
    const first = state.failure as { error: unknown } | undefined;
    if (!first || (isCancelled(first.error) && !isCancelled(error))) state.failure = { error };
    controller.abort();
  };
  const worker = async (): Promise<void> => {
    while (!state.failure && !controller.signal.aborted && next < items.length) {
      const index = next++;
      let freeSlot!: () => void;
      const freed = new Promise<void>((resolve) => {
        freeSlot = resolve;
      });
      const run = task(items[index]!, index, controller.signal, freeSlot).then(
        (value) => {
          results[index] = value;
        },
        fail,
      );
      running.push(run);
      // The slot is busy until the task ends or gives it back.
      await Promise.race([run, freed]);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
    await Promise.all(running);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
  if (state.failure) throw state.failure.error;
  if (signal?.aborted) throw new CancelledError();
  return results;
}
