// A CLI command that works on containers' files, run by a user other than root, runs again in a
// user namespace (core/runtime/userNamespace.ts) as podman re-executes itself: this process waits
// for that one and exits with its status. Without what a namespace needs it runs here, and the
// core says what is missing when (and only if) the command needs a container.

import { forOurOwnNode } from '../core/http/deferredCaEnv';
import { containerPrivileges, rootlessSetup, userNamespaceCommand } from '../core/runtime/userNamespace';
import { machineDescriptors } from './machineChannel';
import { PARENT_PIPE_ENV } from './machineProtocol';

/** The exit status of the command run again in a user namespace, or undefined when it should run here. */
export async function runInUserNamespace(argv: readonly string[], env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<number | undefined> {
  if (containerPrivileges() !== 'none') return undefined;
  const launcher = process.argv[1];
  if (!launcher) return undefined;
  const command = userNamespaceCommand(await rootlessSetup(env), [process.execPath, ...process.execArgv, launcher, ...argv]);
  if (!command) return undefined;
  // node:child_process is loaded here, not with the CLI: most commands never start a process.
  // Descriptor 3 is a pipe whose far end closes when this process goes, kill -9 included: the
  // command inside then cancels as for SIGTERM (main.ts), so the container does not outlive it.
  // The machine channel's descriptors (machineChannel.ts) go in under the same numbers.
  const stdio: ('inherit' | 'pipe' | 'ignore' | number)[] = ['inherit', 'inherit', 'inherit', 'pipe'];
  for (const fd of machineDescriptors(env)) {
    while (stdio.length < fd) stdio.push('ignore');
    stdio[fd] = fd;
  }
  const child = process.getBuiltinModule('node:child_process').spawn(command.command, command.args, {
    stdio,
    env: { ...forOurOwnNode(env), [PARENT_PIPE_ENV]: '3' },
  });
  // A terminal's Ctrl-C reaches both processes (one process group) whenever they run in one, even
  // with standard input redirected: passing it on too would be a second interrupt, which the inner
  // command takes as "exit at once" and skips its clean cancel. Anything else is passed on.
  const inTerminal = process.stdin.isTTY || process.stdout.isTTY || process.stderr.isTTY;
  const forwarded: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', ...(inTerminal ? [] : (['SIGINT'] as NodeJS.Signals[]))];
  const watched: NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGINT'];
  let signalled = 0;
  const forward = (signal: NodeJS.Signals): void => {
    signalled++;
    if (forwarded.includes(signal)) child.kill(signal);
  };
  for (const signal of watched) process.on(signal, forward);
  // A cancel that came with no signal (the program that started this CLI went: main.ts watches its
  // pipe) becomes one SIGTERM inside. Looked at once a signal's other listeners have run: a cancel
  // by a signal has reached the command inside already (passed on, or a terminal's Ctrl-C), and a
  // second one would end it at once.
  const cancel = (): void => {
    setImmediate(() => {
      if (signalled === 0) child.kill('SIGTERM');
    });
  };
  signal?.addEventListener('abort', cancel, { once: true });
  try {
    return await new Promise<number>((resolve, reject) => {
      child.once('error', reject);
      // 'exit', not 'close': the runtime the command started may hold the pipe a moment longer.
      // A command ended by a signal exits as a shell reports it: 128 + the signal's number.
      child.once('exit', (code, signal) => resolve(code ?? 128 + (signal ? (process.getBuiltinModule('node:os').constants.signals[signal] ?? 2) : 2)));
    });
  } finally {
    child.stdio[3]?.destroy();
    signal?.removeEventListener('abort', cancel);
    for (const signal of watched) process.off(signal, forward);
  }
}
