// Long operations run in a cancellable progress notification. The token becomes the core's
// AbortSignal; reports are throttled so that a fast download does not flood the renderer.

import * as vscode from 'vscode';
import { CancelledError, isCancelled } from '../core/errors';
import { toAbortSignal } from './cancellation';

export interface ProgressReporter {
  readonly signal: AbortSignal;
  /** `percent` is of the whole operation (0–100); leave it out when unknown. */
  report(message: string, percent?: number): void;
}

const REPORT_INTERVAL_MS = 100;

export interface ProgressOptions {
  /** Cancels too, like the notification's Cancel button (the Transfers view's Cancel). */
  signal?: AbortSignal;
}

export async function withCancellableProgress<T>(title: string, work: (progress: ProgressReporter) => Promise<T>, options: ProgressOptions = {}): Promise<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    const { signal, dispose } = toAbortSignal(token, options.signal);
    let shownPercent = 0;
    let lastReport = 0;
    let lastMessage = '';
    // A throttled report is kept and shown when the interval ends, so that a transfer that stalls
    // right after a dropped update does not leave stale numbers on screen.
    let pending: { message: string; whole: number } | undefined;
    let timer: NodeJS.Timeout | undefined;
    const show = (message: string, whole: number): void => {
      lastReport = Date.now();
      lastMessage = message;
      const increment = whole - shownPercent;
      shownPercent = whole;
      progress.report(increment > 0 ? { message, increment } : { message });
    };
    const flush = (): void => {
      timer = undefined;
      if (pending) show(pending.message, pending.whole);
      pending = undefined;
    };
    const reporter: ProgressReporter = {
      signal,
      report(message, percent) {
        const now = Date.now();
        const whole = percent === undefined ? shownPercent : Math.max(shownPercent, Math.min(100, Math.floor(percent)));
        // Always show a change of step; throttle byte counters.
        if (message === lastMessage && whole === shownPercent) return;
        if (now - lastReport < REPORT_INTERVAL_MS && whole < 100 && message.split(' · ')[0] === lastMessage.split(' · ')[0]) {
          pending = { message, whole };
          timer ??= setTimeout(flush, REPORT_INTERVAL_MS - (now - lastReport));
          return;
        }
        pending = undefined;
        show(message, whole);
      },
    };
    try {
      // Work that finished although Cancel was pressed at the last moment did finish: the core
      // decides when cancelling is still possible, and its result is reported as it is.
      return await work(reporter);
    } catch (err) {
      // Says what was cancelled ("Pull of redis:7 cancelled; nothing was changed."), for the message that stays.
      if (isCancelled(err)) throw new CancelledError(`${cancelledWhat(title)} cancelled; nothing was changed.`);
      throw err;
    } finally {
      if (timer) clearTimeout(timer);
      dispose();
    }
  });
}

const GERUNDS: Readonly<Record<string, string>> = { Pulling: 'Pull', Pushing: 'Push', Loading: 'Load', Saving: 'Save', Importing: 'Import', Building: 'Build', Searching: 'Search', Copying: 'Copy' };

/** "Pulling redis:7" → "Pull of redis:7"; a title of another shape is kept as it is. */
export function cancelledWhat(title: string): string {
  const space = title.indexOf(' ');
  const verb = space > 0 ? GERUNDS[title.slice(0, space)] : undefined;
  if (!verb) return title;
  const rest = title.slice(space + 1);
  return verb === 'Search' ? `${verb} ${rest}` : `${verb} of ${rest}`;
}
