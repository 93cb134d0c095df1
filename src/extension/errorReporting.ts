// How failures reach the user: one showErrorMessage with the core's message (it says what went
// wrong and what to do) and the actions that help ("Log In…" for a registry that refused, "Show
// Log" always); the detail goes to the Stevedore log channel. Cancellation is not a failure: it is
// logged and noted in the status bar. Credentials never appear: errors carry none, and nothing
// here logs request headers.

import * as vscode from 'vscode';
import { CancelledError, errorMessage, isCancelled, StevedoreError } from '../core/errors';

const DEFAULT_CANCELLED = new CancelledError().message;
import { actionsOf, ExtensionError, extensionWording, storeCheckActions } from './errorActions';
import { explainSystemError } from '../core/systemErrors';

const REGISTRY = Symbol('stevedore.registry');

/** Remembers which registry an error came from, so the message can offer to log in there. */
export function attachRegistry<E>(err: E, registry: string): E {
  if (err && typeof err === 'object' && !(REGISTRY in err)) Object.defineProperty(err, REGISTRY, { value: registry, enumerable: false });
  return err;
}

function registryOf(err: unknown): string | undefined {
  return err && typeof err === 'object' && REGISTRY in err ? String((err as Record<symbol, unknown>)[REGISTRY]) : undefined;
}

export interface FailureSummary {
  cancelled: boolean;
  code?: string;
  message: string;
  /** The buttons the notification offered besides "Show Log". */
  actions?: string[];
}

/** `storeRoot`: the store in use, so that system errors there are worded as the store's (systemErrors.ts). */
export function summarise(err: unknown, storeRoot?: string): FailureSummary {
  if (isCancelled(err)) return { cancelled: true, code: 'CANCELLED', message: errorMessage(err) };
  const explained = explainSystemError(err, storeRoot);
  if (explained) return { cancelled: false, code: explained.code, message: explained.message };
  if (err instanceof StevedoreError || err instanceof ExtensionError) return { cancelled: false, code: err.code, message: extensionWording(err.message) };
  const code = err && typeof err === 'object' && typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : undefined;
  return { cancelled: false, ...(code ? { code } : {}), message: extensionWording(errorMessage(err)) };
}

/** Logs the failure and shows it (without waiting for the user to dismiss the message). */
export function reportError(log: vscode.LogOutputChannel, operation: string, err: unknown, storeRoot?: string): FailureSummary {
  const summary = summarise(err, storeRoot);
  if (summary.cancelled) {
    // A notification that stays until dismissed (it has a button), not a status bar line that
    // goes away before anyone reads it. withCancellableProgress names what was cancelled.
    const message = err instanceof CancelledError && err.message !== DEFAULT_CANCELLED ? err.message : `${operation} cancelled; nothing was changed.`;
    log.info(message);
    void vscode.window.showInformationMessage(message, 'Show Log').then((picked) => picked && log.show(true));
    return { ...summary, message };
  }
  log.error(`${operation} failed: ${summary.code ? `[${summary.code}] ` : ''}${summary.message}`);
  logDetail(log, err);
  const registry = registryOf(err);
  const actions = [...actionsOf(err), ...(summary.message.includes('(Check Store)') || summary.message.includes('(Repair Store)') ? storeCheckActions(errorMessage(err)) : [])];
  const authProblem = summary.code === 'UNAUTHORIZED' || summary.code === 'DENIED' || summary.code === 'TOO_MANY_REQUESTS';
  if (authProblem && registry) actions.unshift({ title: 'Log In…', command: 'stevedore.registries.login', args: [{ registry }] });
  const titles = actions.map((a) => a.title);
  void vscode.window.showErrorMessage(summary.message, ...titles, 'Show Log').then((picked) => {
    const action = actions.find((a) => a.title === picked);
    if (action) void vscode.commands.executeCommand(action.command, ...(action.args ?? []));
    else if (picked === 'Show Log') log.show(true);
  });
  return titles.length ? { ...summary, actions: titles } : summary;
}

function logDetail(log: vscode.LogOutputChannel, err: unknown): void {
  if (err instanceof StevedoreError && err.detail && Object.keys(err.detail).length) {
    log.debug(`detail: ${safeJson(err.detail)}`);
  }
  let cause: unknown = err instanceof Error ? err.cause : undefined;
  for (let depth = 0; cause !== undefined && depth < 5; depth++) {
    log.debug(`caused by: ${errorMessage(cause)}`);
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  if (err instanceof Error && err.stack) log.trace(err.stack);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}
