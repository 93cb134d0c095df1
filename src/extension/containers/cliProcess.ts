// Containers from the VS Code extension when its own process cannot run them.
//
// Running a container needs root, or root in a user namespace with the user's subordinate ids
// (core/runtime/userNamespace.ts). The CLI, run by another user, enters such a namespace by
// running itself again inside one (cli/userNamespaceExec.ts); the extension host cannot: it is one
// long-lived process that VS Code started, in no namespace, and it must not become root in one
// (its files, sockets and the user's other extensions live outside). So when the extension host is
// not root but a namespace can be entered (`rootlessSetup()` misses nothing), each container
// operation (run, start, commit, diff, rm, build, builder prune) runs in a child process: the CLI
// shipped beside the extension (dist/cli.js in the .vsix), started with the host's own Node
// (`process.execPath`; ELECTRON_RUN_AS_NODE=1 makes VS Code desktop's Electron one), which then
// enters the namespace by itself as it does in a shell. One code path for the CLI and the
// extension, tested by the CLI's tests too; the cost is a Node start (~0.1 s) per operation.
//
// What crosses between the two is data, never the CLI's words (cli/machineChannel.ts): descriptor 4
// carries JSON lines (the core's progress events, the container a run made, the command's result,
// its typed error), descriptor 5 a terminal's new sizes; the container's input and output are the
// child's stdin, stdout and stderr. Cancelling sends SIGTERM, which the CLI takes as Ctrl-C: it
// stops the container or the build and leaves the store as it was (a second signal would exit at
// once, so only one is sent).
//
// No `vscode` here, so a test can drive this module as an unprivileged user without VS Code.

import { spawn } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { CancelledError, StevedoreError, isErrorCode } from '../../core/errors';
import type { BuildEvent } from '../../core/dockerfile/buildSteps';
import type { ContainerIo } from '../../core/runtime/ociRuntime';
import { containerPrivileges, rootlessSetup } from '../../core/runtime/userNamespace';
import { streamLines } from '../../core/streamLines';
import { EVENTS_FD_ENV, PARENT_PIPE_ENV, RESIZE_FD_ENV, TERMINAL_ENV, type MachineMessage } from '../../cli/machineProtocol';

export type ContainerProcessSetting = 'auto' | 'extension' | 'cli';

/** How to start the CLI: its launcher, the Node that runs it, the store and the environment. */
export interface CliProcess {
  cli: string;
  execPath: string;
  storePath: string;
  env: NodeJS.ProcessEnv;
}

export interface CliCall {
  args: readonly string[];
  signal?: AbortSignal;
  /** A run's or start's streams and terminal; without them stdin is empty and output is collected. */
  io?: ContainerIo;
  onEvent?: (event: BuildEvent) => void;
  onContainer?: (container: { id: string; name: string }) => void;
  /** Each line the CLI prints (a build's log), when `io` does not take the output. */
  onLine?: (line: string) => void;
}

export interface CliOutcome {
  /** The CLI's exit status: 0, except for run and start -a, where it is the container's. */
  status: number;
  /** What the command reported as its result on the channel. */
  result?: unknown;
}

/**
 * Whether container operations go through the CLI: forced by the setting, else when this process
 * is not root and a user namespace can be entered (else they run here, which says what is missing).
 */
export async function containersThroughCli(setting: ContainerProcessSetting, env: NodeJS.ProcessEnv): Promise<boolean> {
  if (setting !== 'auto') return setting === 'cli';
  if (containerPrivileges() !== 'none') return false;
  return (await rootlessSetup(env)).missing.length === 0;
}

const EVENTS_FD = 4;
const RESIZE_FD = 5;
/** How much of the CLI's output is kept for an error message when it fails without saying why. */
const TAIL = 2 * 1024;
/** Commands whose exit status is the container's, so not zero is no failure of the CLI. */
const CONTAINER_STATUS = new Set(['run', 'start']);

/**
 * Runs the CLI with `call.args`; resolves with its status, rejects with its typed error
 * (CancelledError when cancelled, CLI_FAILED when it failed without one: the namespace could not
 * be entered, an internal error, no CLI at that path).
 */
export async function callCli(cli: CliProcess, call: CliCall): Promise<CliOutcome> {
  if (call.signal?.aborted) throw new CancelledError();
  const io = call.io;
  const terminal = io?.terminal;
  // Descriptor 3 is a pipe whose end here closes when this process goes (kill -9 included): the
  // CLI then cancels as for SIGTERM (cli/userNamespaceExec.ts), so no container outlives VS Code.
  const stdio: ('pipe' | 'ignore')[] = [io?.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe', 'pipe', 'pipe', terminal?.onResize ? 'pipe' : 'ignore'];
  const child = spawn(cli.execPath, [cli.cli, '--store', cli.storePath, ...call.args], {
    stdio,
    env: {
      ...cli.env,
      ELECTRON_RUN_AS_NODE: '1',
      [PARENT_PIPE_ENV]: '3',
      [EVENTS_FD_ENV]: String(EVENTS_FD),
      ...(terminal ? { [TERMINAL_ENV]: `${terminal.size.columns}x${terminal.size.rows}` } : {}),
      ...(terminal?.onResize ? { [RESIZE_FD_ENV]: String(RESIZE_FD) } : {}),
    },
  });
  let tail = '';
  const keep = (text: string): void => {
    tail = (tail + text).slice(-TAIL);
  };
  if (io?.stdin && child.stdin) {
    io.stdin.pipe(child.stdin);
    // The container may end before its input does.
    child.stdin.on('error', () => undefined);
  }
  for (const [stream, target] of [[child.stdout, io?.stdout], [child.stderr, io?.stderr]] as const) {
    if (!stream) continue;
    if (target) stream.pipe(target, { end: false });
    else streamLines(stream, (line) => {
      keep(`${line}\n`);
      call.onLine?.(line);
    });
  }
  const resizes = (child.stdio as unknown[])[RESIZE_FD] as Writable | null | undefined;
  resizes?.on('error', () => undefined);
  const stopResizes = terminal?.onResize?.((size) => resizes?.write(`${JSON.stringify(size)}\n`));

  let error: { code: string; message: string } | undefined;
  let result: unknown;
  const events = (child.stdio as unknown[])[EVENTS_FD] as Readable;
  const eventsEnded = new Promise<void>((resolve) => {
    events.once('close', resolve);
    events.on('error', () => resolve());
  });
  streamLines(events, (line) => {
    let message: MachineMessage;
    try {
      message = JSON.parse(line) as MachineMessage;
    } catch {
      return;
    }
    if ('event' in message) call.onEvent?.(message.event);
    else if ('container' in message) call.onContainer?.(message.container);
    else if ('result' in message) result = message.result;
    else if ('error' in message) error = message.error;
  });

  const cancel = (): void => {
    child.kill('SIGTERM');
  };
  call.signal?.addEventListener('abort', cancel, { once: true });
  try {
    const status = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code) => resolve(code));
    });
    await eventsEnded;
    const command = call.args[0] ?? '';
    if (error) {
      if (error.code === 'CANCELLED') throw new CancelledError();
      // The channel is text: a code that is not one of ours (an older or foreign CLI) must not pass for one.
      throw new StevedoreError(isErrorCode(error.code) ? error.code : 'IO_ERROR', error.message);
    }
    const containerStatus = CONTAINER_STATUS.has(command);
    // Done before the cancel took: what it made (an image) exists, so it is no cancel.
    if (status === 0 && !containerStatus) return { status, ...(result !== undefined ? { result } : {}) };
    if (call.signal?.aborted) throw new CancelledError();
    const said = tail.trim();
    const output = said ? ` Its last output: ${said}` : io ? '' : ' It printed nothing.';
    if (status === null) throw new StevedoreError('RUNTIME_ERROR', `stevedore ${command} was ended by a signal.${output}`);
    if (!containerStatus) {
      const hint = /unshare|namespace/i.test(said)
        ? ' Allow unprivileged user namespaces (AppArmor: sysctl kernel.apparmor_restrict_unprivileged_userns=0, or a profile for Node), or run VS Code as root.'
        : ' Run the same command in a terminal to see more.';
      // No arguments in the detail: a build's may carry secrets (--build-arg).
      throw new StevedoreError('CLI_FAILED', `stevedore ${command} failed (exit status ${status}).${output}${hint}`, { detail: { status } });
    }
    return { status, ...(result !== undefined ? { result } : {}) };
  } finally {
    call.signal?.removeEventListener('abort', cancel);
    stopResizes?.();
    if (io?.stdin && child.stdin) io.stdin.unpipe(child.stdin);
  }
}
