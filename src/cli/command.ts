// What every CLI command declares: its usage, flags, argument counts and the function that runs it.
// commandTable.ts lists the commands with the words that select them; each lives in its own file.

import type { FlagSpec, FlagValues } from './args';
import type { CliContext } from './context';

export interface Command {
  usage: string;
  flags: FlagSpec[];
  minArgs?: number;
  maxArgs?: number;
  /** False: flags end at the first argument (what follows is the container's command). */
  interspersed?: boolean;
  /** Returns the exit code. */
  run(ctx: CliContext, args: string[], flags: FlagValues): Promise<number>;
}

export function stringFlag(flags: FlagValues, name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}

export function boolFlag(flags: FlagValues, name: string): boolean {
  return flags[name] === true;
}

export function listFlag(flags: FlagValues, name: string): string[] {
  const v = flags[name];
  return Array.isArray(v) ? v : [];
}

export function intFlag(flags: FlagValues, name: string): number | undefined {
  const v = flags[name];
  return typeof v === 'number' ? v : undefined;
}
