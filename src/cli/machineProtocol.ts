// What the CLI's machine channel carries (machineChannel.ts writes it, the extension's
// containers/cliProcess.ts reads it): one JSON object a line. Plain data and names only, so the
// extension can import it without any of the CLI.

import type { BuildEvent } from '../core/dockerfile/buildSteps';

export const EVENTS_FD_ENV = 'STEVEDORE_EVENTS_FD';
export const TERMINAL_ENV = 'STEVEDORE_TERMINAL';
export const RESIZE_FD_ENV = 'STEVEDORE_RESIZE_FD';
/**
 * Names the descriptor of a pipe from the process that started this one, which that process never
 * writes: its end closing (that process gone, kill -9 included) cancels the command as SIGTERM does.
 * Set by the CLI for itself run again in a user namespace, and by the extension for the CLI.
 */
export const PARENT_PIPE_ENV = 'STEVEDORE_PARENT_PIPE';

export type MachineMessage =
  /** Progress as the core reports it: a TransferEvent, or a build's step events. */
  | { event: BuildEvent }
  /** The container a run made, as soon as it exists. */
  | { container: { id: string; name: string } }
  /** What the command made, for a caller that needs more than its words (a commit's image ID, a diff's changes…). */
  | { result: unknown }
  /** Why the command failed: a StevedoreError's stable code (CANCELLED when cancelled) and its message. */
  | { error: { code: string; message: string } };
