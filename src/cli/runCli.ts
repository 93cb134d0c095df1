// Dispatches argv to a command from the table, and turns errors into Docker-shaped messages and
// exit codes: 1 for a failed operation, 125 for a bad flag, 130 for a cancelled one.

import { isCancelled, StevedoreError } from '../core/errors';
import { parseArgs, UsageError } from './args';
import { commandHelp, groupHelp, mainHelp } from './cliHelp';
import { explainSystemError } from '../core/systemErrors';
import type { Command } from './command';
import type { CommandEntry, CommandGroup } from './commandTable';
import { createContext, type CliContext } from './context';
import { extractGlobalFlags } from './globalFlags';
import { machineChannel } from './machineChannel';

export interface CliIo {
  stdout: CliContext['stdout'];
  stderr: CliContext['stderr'];
  stdin: CliContext['stdin'];
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
}

/**
 * The commands a bundle can run: the whole table in dist/cliMain.js (main.ts), one entry in a
 * command's own bundle (mainImages.ts), which the launcher runs only for that command's words.
 */
export interface CommandSet {
  table: readonly CommandEntry[];
  groups: readonly CommandGroup[];
}

export const VERSION = '0.1.0';

export async function runCli(argv: readonly string[], io: CliIo, commands: CommandSet): Promise<number> {
  const { table, groups } = commands;
  const { store, debug, rest } = extractGlobalFlags(argv);
  if (rest.length === 0 || rest[0] === 'help' || rest[0] === '--help' || rest[0] === '-h') {
    io.stdout.write(mainHelp(table, groups));
    return 0;
  }
  if (rest[0] === 'version' || rest[0] === '--version' || rest[0] === '-v') {
    io.stdout.write(`Stevedore version ${VERSION}\n`);
    return 0;
  }
  const found = findCommand(table, rest);
  if (!found) {
    const group = groups.find((g) => g.name === rest[0]);
    if (group) return runGroup(group, table, rest.slice(1), io);
    io.stderr.write(`stevedore: '${rest.join(' ')}' is not a stevedore command.\nSee 'stevedore --help'\n`);
    return 1;
  }
  const { entry, words } = found;
  const command = await entry.load();
  const name = `stevedore ${words.join(' ')}`;
  const argvRest = rest.slice(words.length);
  const ownArgs = command.interspersed === false ? argvRest.slice(0, firstArgument(argvRest, command)) : argvRest;
  // Words after "--" are arguments, never a request for help.
  const flagWords = ownArgs.includes('--') ? ownArgs.slice(0, ownArgs.indexOf('--')) : ownArgs;
  if (flagWords.includes('--help') || flagWords.includes('-h') && !command.flags.some((f) => f.short === 'h')) {
    io.stdout.write(commandHelp(entry, command));
    return 0;
  }
  if (entry.userNamespace) {
    // Loaded only here: the user namespace's code is not part of a bundle of a command that needs none.
    const { runInUserNamespace } = await import('./userNamespaceExec');
    const status = await runInUserNamespace(argv, io.env, io.signal);
    if (status !== undefined) return status;
  }
  const ctx = createContext(io, { store, debug });
  try {
    const parsed = parseArgs(argvRest, command.flags, command.interspersed === false ? { interspersed: false } : {});
    checkArgCount(command, parsed.args.length);
    return await command.run(ctx, parsed.args, parsed.flags);
  } catch (err) {
    return reportError(ctx, name, command, entry.summary, err);
  }
}

function reportError(ctx: CliContext, name: string, command: Command, summary: string, err: unknown): number {
  const machine = machineChannel(ctx.env);
  if (machine) {
    // A program reads the error as data and shows it in its own words: no "Error:" line as well.
    const reported = machineError(err, ctx.storePath);
    if (reported) {
      machine({ error: reported.error });
      return reported.status;
    }
  }
  if (err instanceof ArgCountError) {
    ctx.stderr.write(`"${name}" ${err.message}\nSee '${name} --help'.\n\nUsage:  ${command.usage}\n\n${summary}\n`);
    return 1;
  }
  if (err instanceof UsageError) {
    ctx.stderr.write(`${err.message}\nSee '${name} --help'.\n`);
    return 125;
  }
  if (isCancelled(err)) {
    ctx.stderr.write('Cancelled: nothing was changed.\n');
    return 130;
  }
  err = explainSystemError(err, ctx.storePath) ?? err;
  if (err instanceof StevedoreError) {
    ctx.stderr.write(`Error: ${err.message}\n`);
    if (ctx.debug && err.detail) ctx.stderr.write(`detail: ${JSON.stringify(err.detail)}\n`);
    return 1;
  }
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e.code === 'string' && typeof e.message === 'string') {
    ctx.stderr.write(`Error: ${e.message}\n`);
    return 1;
  }
  throw err;
}

/** The error line of the machine channel and the exit status for an error, as reportError words and counts them. */
export function machineError(err: unknown, storePath: string): { error: { code: string; message: string }; status: number } | undefined {
  if (err instanceof ArgCountError || err instanceof UsageError) return { error: { code: 'INVALID_ARGUMENT', message: err.message }, status: err instanceof UsageError ? 125 : 1 };
  if (isCancelled(err)) return { error: { code: 'CANCELLED', message: 'Cancelled: nothing was changed.' }, status: 130 };
  err = explainSystemError(err, storePath) ?? err;
  if (err instanceof StevedoreError) return { error: { code: err.code, message: err.message }, status: 1 };
  const e = err as NodeJS.ErrnoException;
  // A system error nothing above words (its code is errno's, not one of ours): the channel carries only our codes.
  if (e && typeof e.code === 'string' && typeof e.message === 'string') return { error: { code: 'IO_ERROR', message: systemErrorMessage(e) }, status: 1 };
  return undefined;
}

function systemErrorMessage(e: NodeJS.ErrnoException): string {
  const where = e.path ? ` on ${e.path}` : '';
  return `A system call failed${where} (${e.message}). Check that path and its permissions, then try again; if it is in the image store, run "stevedore system check".`;
}

/** Where a non-interspersed command's arguments start: the first word that is neither a flag nor a flag's value. */
function firstArgument(argv: readonly string[], command: Command): number {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return i;
    if (!arg.startsWith('-') || arg === '-') return i;
    const long = arg.startsWith('--') ? command.flags.find((f) => f.name === arg.slice(2)) : undefined;
    const short = !arg.startsWith('--') && arg.length === 2 ? command.flags.find((f) => f.short === arg[1]) : undefined;
    const spec = long ?? short;
    if (spec && spec.kind !== 'bool' && !arg.includes('=')) i++;
  }
  return argv.length;
}

class ArgCountError extends Error {}

function checkArgCount(command: Command, count: number): void {
  const min = command.minArgs ?? 0;
  const max = command.maxArgs ?? Infinity;
  const plural = (n: number): string => `${n} argument${n === 1 ? '' : 's'}`;
  if (max === 0 && count > 0) throw new ArgCountError('accepts no arguments.');
  if (min === max && count !== min) throw new ArgCountError(`requires exactly ${plural(min)}.`);
  if (count < min) throw new ArgCountError(`requires at least ${plural(min)}.`);
  if (count > max) throw new ArgCountError(max === 0 ? 'accepts no arguments.' : `requires at most ${plural(max)}.`);
}

/**
 * `stevedore image` alone (or with --help) lists the group's commands, as `docker image` does;
 * an unknown word after it is an error in Docker's words.
 */
function runGroup(group: CommandGroup, table: readonly CommandEntry[], argv: readonly string[], io: CliIo): number {
  if (argv.length === 0 || argv.every((a) => a === '--help' || a === '-h')) {
    io.stdout.write(groupHelp(group, table));
    return 0;
  }
  const name = `stevedore ${group.name}`;
  io.stderr.write(`stevedore: unknown command: ${name} ${argv.join(' ')}\n\nUsage:  ${name} COMMAND\n\nRun '${name} --help' for more information\n`);
  return 1;
}

export function findCommand(table: readonly CommandEntry[], argv: readonly string[]): { entry: CommandEntry; words: string[] } | undefined {
  let best: { entry: CommandEntry; words: string[] } | undefined;
  for (const entry of table) {
    for (const words of entry.names) {
      if (words.every((w, i) => argv[i] === w) && (!best || words.length > best.words.length)) best = { entry, words };
    }
  }
  return best;
}
