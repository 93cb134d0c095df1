// The edge between VS Code's cancellation and the core's: a CancellationToken becomes an
// AbortSignal, so that pressing Cancel on a notification really stops the download or the load.

import type * as vscode from 'vscode';

export interface SignalFromToken {
  signal: AbortSignal;
  dispose(): void;
}

export function toAbortSignal(token: vscode.CancellationToken): SignalFromToken {
  const controller = new AbortController();
  if (token.isCancellationRequested) {
    controller.abort();
    return { signal: controller.signal, dispose: () => undefined };
  }
  const listener = token.onCancellationRequested(() => controller.abort());
  return { signal: controller.signal, dispose: () => listener.dispose() };
}
