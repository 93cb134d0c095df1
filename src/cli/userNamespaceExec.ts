// A CLI command that works on containers' files, run by a user other than root, runs again in a
// user namespace (core/runtime/userNamespace.ts) as podman re-executes itself: this process waits
// for that one and exits with its status. Without what a namespace needs it runs here, and the
// core says what is missing when (and only if) the command needs a container.

import { containerPrivileges, rootlessSetup, userNamespaceCommand } from '../core/runtime/userNamespace';

/** The exit status of the command run again in a user namespace, or undefined when it should run here. */
export async function runInUserNamespace(argv: readonly string[], env: NodeJS.ProcessEnv): Promise<number | undefined> {
  if (containerPrivileges() !== 'none') return undefined;
  const launcher = process.argv[1];
  if (!launcher) return undefined;
  const command = userNamespaceCommand(await rootlessSetup(env), [process.execPath, ...process.execArgv, launcher, ...argv]);
  if (!command) return undefined;
  // node:child_process is loaded here, not with the CLI: most commands never start a process.
  const child = process.getBuiltinModule('node:child_process').spawn(command.command, command.args, { stdio: 'inherit', env });
  // A terminal's Ctrl-C reaches both processes (one process group); anything else is passed on.
  const forwarded: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', ...(process.stdin.isTTY ? [] : (['SIGINT'] as NodeJS.Signals[]))];
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  for (const signal of forwarded) process.on(signal, forward);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => resolve(code ?? (signal === 'SIGKILL' ? 137 : signal === 'SIGTERM' ? 143 : 130)));
    });
  } finally {
    for (const signal of forwarded) process.off(signal, forward);
  }
}
