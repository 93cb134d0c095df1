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

/**
 * The core's messages advise CLI commands; in VS Code the same advice is a button or a command
 * of the extension. Each rule rewrites one piece of advice (the button is added by the command
 * that knows its arguments: Browse Tags, Import as Root Filesystem…, Log In…).
 */
const REWORDINGS: readonly [RegExp, string][] = [
  [/; "stevedore tags" lists the tags\./g, '.'],
  [/Log in with "stevedore login [^"]*", or check/g, 'Log in, or check'],
  [/log in again with "stevedore login [^"]*"/g, 'log in again'],
  [/Log in with "stevedore login [^"]*"\./g, 'Log in to continue.'],
  [/; try "stevedore login [^"]*"\./g, '; try logging in.'],
  [/, or needs "stevedore login"\./g, ', or needs a login.'],
  [/ To make an image from a root filesystem tarball, use "stevedore import"\./g, ' A root filesystem tarball can be imported as an image instead.'],
  [/run "stevedore verify" on the image/g, 'run Verify Digests in the layer inspector'],
  // The store's own damage: the notification's Check Store / Repair Store button does it (storeCheckActions).
  [/Run "stevedore system check --repair", then pull or load/g, 'Repair the store (Repair Store), then pull or load'],
  [/Run "stevedore system check --repair"\./g, 'Repair the store (Repair Store).'],
  [/[Rr]un "stevedore system check" to see what else is damaged/g, 'check the store (Check Store) to see what else is damaged'],
  [/Run "stevedore system check"\./g, 'Check the store (Check Store) to see what is damaged.'],
  [/; run "stevedore system check"/g, '; check the store (Check Store)'],
];

/** The Check Store or Repair Store button for a message that advises `stevedore system check`. */
export function storeCheckActions(message: string): ErrorAction[] {
  if (/"stevedore system check --repair"/.test(message)) return [{ title: 'Repair Store', command: 'stevedore.checkStore', args: [{ repair: true }] }];
  if (/"stevedore system check"/.test(message)) return [{ title: 'Check Store', command: 'stevedore.checkStore', args: [{}] }];
  return [];
}

export function extensionWording(message: string): string {
  return REWORDINGS.reduce((text, [pattern, replacement]) => text.replace(pattern, replacement), message);
}
