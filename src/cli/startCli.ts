// What both CLI bundles do with the process: Ctrl-C and SIGTERM cancel, a closed stdout ends
// quietly, and the exit code is the command's. main.ts runs it with every command, mainImages.ts
// with `images` alone.

import { findCommand, runCli, type CommandSet } from './runCli';
import { extractGlobalFlags } from './globalFlags';
import { PARENT_PIPE_ENV } from './machineProtocol';
import { watchParentPipe } from './parentPipe';

export function startCli(commands: CommandSet): void {
  const argv = process.argv.slice(2);
  // A command whose entry says it leaves nothing running (exitWhenDone) ends the process as soon
  // as it is done and its output written, rather than when the event loop empties: V8 would first
  // run the tasks it has queued (a young-generation collection, compiles) and libuv close what
  // the command closed, milliseconds spent on a process about to go.
  const exitWhenDone = findCommand(commands.table, extractGlobalFlags(argv).rest)?.entry.exitWhenDone === true;
  const controller = new AbortController();
  let interrupted = 0;
  const onSignal = (): void => {
    interrupted++;
    // First Ctrl-C cancels cleanly (the store is left as it was); a second one stops at once.
    if (interrupted > 1) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Run again in a user namespace (userNamespaceExec.ts): the waiting process ending is a cancel too.
  if (process.env[PARENT_PIPE_ENV]) watchParentPipe(process.env, onSignal);
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
  });

  runCli(
    argv,
    {
      stdout: process.stdout,
      stderr: process.stderr,
      // A getter: process.stdin opens the descriptor as a stream, which only a few commands need.
      get stdin() {
        return process.stdin;
      },
      env: process.env,
      signal: controller.signal,
    },
    commands,
  ).then(
    (code) => {
      process.exitCode = code;
      // Writes to pipes and files are synchronous on Linux, so this is 0 unless a terminal or a slow reader holds some back.
      if (exitWhenDone && process.stdout.writableLength === 0 && process.stderr.writableLength === 0) process.exit(code);
    },
    (err: unknown) => {
      process.stderr.write(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 2;
    },
  );
}
