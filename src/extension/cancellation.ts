// The edge between VS Code's cancellation and the core's: a CancellationToken becomes an
// AbortSignal, so that pressing Cancel on a notification really stops the download or the load.

import type * as vscode from 'vscode';

export interface SignalFromToken {
  signal: AbortSignal;
  dispose(): void;
}

/** `also`: another signal that cancels as well (a Cancel button elsewhere than the notification). */
export function toAbortSignal(token: vscode.CancellationToken, also?: AbortSignal): SignalFromToken {
  const controller = new AbortController();
  if (token.isCancellationRequested || also?.aborted) {
    controller.abort();
    return { signal: controller.signal, dispose: () => undefined };
  }
  const abort = (): void => controller.abort();
  const listener = token.onCancellationRequested(abort);
  also?.addEventListener('abort', abort, { once: true });
  return {
    signal: controller.signal,
    dispose: () => {
      listener.dispose();
      also?.removeEventListener('abort', abort);
    },
  };
}
