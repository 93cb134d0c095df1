// What every CLI command declares: its words, flags, argument counts and the function that runs it.
// main.ts keeps the one table of commands; each command lives in its own file.

import type { FlagSpec, FlagValues } from './args';
import type { CliContext } from './context';

export interface Command {
  /** The words that select it: ["images"], ["image", "ls"], … The first is the canonical one. */
  names: string[][];
  usage: string;
  summary: string;
  flags: FlagSpec[];
  minArgs?: number;
  maxArgs?: number;
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
