// What both CLI bundles do with the process: Ctrl-C and SIGTERM cancel, a closed stdout ends
// quietly, and the exit code is the command's. main.ts runs it with every command, mainImages.ts
// with `images` alone.

import { runCli, type CommandSet } from './runCli';
import { PARENT_PIPE_ENV, watchParentPipe } from './userNamespaceExec';

export function startCli(commands: CommandSet): void {
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
    process.argv.slice(2),
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
    },
    (err: unknown) => {
      process.stderr.write(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 2;
    },
  );
}
