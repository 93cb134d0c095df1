// Buttons a failure notification offers instead of command-line advice. The core's errors carry
// stable codes and say what to do in CLI terms; the extension maps them here to actions that do it
// in VS Code ("Browse Tags", "Import as Root Filesystem…", "Manage Workspace Trust"). Errors the
// extension raises itself can carry their actions directly (ExtensionError).

import type { ErrorCode } from '../core/errors';

export interface ErrorAction {
  /** The button's label, saying exactly what it does. */
  title: string;
  command: string;
  args?: unknown[];
}

/** Codes only the extension raises (the core's are in src/core/errors.ts). */
export type ExtensionErrorCode = 'UNTRUSTED_WORKSPACE';

/** A failure raised by the extension, with its own wording and the buttons that fix it. */
export class ExtensionError extends Error {
  constructor(
    readonly code: ExtensionErrorCode | ErrorCode,
    message: string,
    readonly actions: readonly ErrorAction[] = [],
  ) {
    super(message);
    this.name = 'ExtensionError';
  }
}

const ACTIONS = Symbol('stevedore.actions');

/** Adds buttons to an error from the core (kept off its enumerable fields, so logs stay as they were). */
export function attachActions<E>(err: E, actions: readonly ErrorAction[]): E {
  if (err && typeof err === 'object' && actions.length) {
    const before = actionsOf(err);
    Object.defineProperty(err, ACTIONS, { value: [...before, ...actions], enumerable: false, configurable: true });
  }
  return err;
}

export function actionsOf(err: unknown): ErrorAction[] {
  if (err instanceof ExtensionError) return [...err.actions];
  if (err && typeof err === 'object' && ACTIONS in err) return [...((err as Record<symbol, ErrorAction[]>)[ACTIONS] ?? [])];
  return [];
}
