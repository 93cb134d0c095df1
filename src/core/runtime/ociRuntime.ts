// Runs a prepared bundle with an OCI runtime (runc, or crun) found on PATH or named by the caller,
// in the foreground: the runtime's exit status is the container's (128+N when a signal N ended it).
// Cancelling kills the container's init, so its whole pid namespace, and waits for the runtime to
// go; the runtime's state for the container is then deleted whatever happened.

import { spawn, execFile, type StdioOptions } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { CancelledError, StevedoreError } from '../errors';
import { consoleCommand, ConsoleResizer, forgetConsoleName, type ContainerTerminal } from './runtimeConsole';

const exec = promisify(execFile);

/** How often a cancelled run's kill is sent again while the runtime is still there. */
const KILL_AGAIN_MS = 100;

export const KNOWN_RUNTIMES = ['runc', 'crun'];

/** The runtime binary: `name` (a path, or a command looked up on PATH), else runc, else crun. */
export async function findRuntime(name: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const wanted = name ? [name] : KNOWN_RUNTIMES;
  for (const candidate of wanted) {
    if (isAbsolute(candidate) || candidate.includes('/')) {
      if (await executable(candidate)) return candidate;
      continue;
    }
    // sbin too: Debian installs runc in /usr/sbin, which a normal user's PATH may lack.
    const dirs = [...(env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/local/sbin', '/usr/sbin', '/sbin'];
    for (const dir of dirs) {
      const path = join(dir, candidate);
      if (await executable(path)) return path;
    }
  }
  const asked = name ? `the OCI runtime "${name}" was not found` : 'no OCI runtime (runc or crun) was found on PATH';
  throw new StevedoreError('RUNTIME_ERROR', `Cannot run a container: ${asked}. Install one (Debian: apt-get install runc), or give its path with --runtime.`);
}

async function executable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

export interface ContainerIo {
  /** Inherit this process's terminal or streams (a container with -t takes the terminal itself). */
  inherit?: boolean;
  stdin?: Readable;
  stdout?: Writable;
  stderr?: Writable;
  /**
   * For a container with a terminal when this process lends none (`inherit` unset): the size of
   * the terminal the output is shown in, and its changes. Input and output then go through
   * `stdin` and `stdout` as a terminal's bytes.
   */
  terminal?: ContainerTerminal;
}

export interface RuntimeRun {
  runtime: string;
  stateDir: string;
  bundle: string;
  id: string;
  io: ContainerIo;
  /** The bundle's process has `terminal: true`. */
  terminal?: boolean;
  signal?: AbortSignal;
  /** Called once the runtime process is started. */
  onStarted?: (pid: number) => void;
}

export async function runBundle(options: RuntimeRun): Promise<number> {
  const { runtime, stateDir, bundle, id, io } = options;
  // A terminal of our own for the runtime to relay when this process has none to lend.
  const onConsole = options.terminal === true && !io.inherit;
  const size = io.terminal?.size ?? { columns: 80, rows: 24 };
  const resizer = onConsole ? new ConsoleResizer(bundle, size) : undefined;
  const stdio: StdioOptions = io.inherit ? 'inherit' : [io.stdin || onConsole ? 'pipe' : 'ignore', 'pipe', 'pipe'];
  const consoleRun = onConsole ? consoleCommand(runtime, stateDir, bundle, id, size) : undefined;
  if (onConsole) await forgetConsoleName(bundle);
  const child = consoleRun
    ? spawn(consoleRun.command, consoleRun.args, { stdio, env: consoleRun.env })
    : spawn(runtime, ['--root', stateDir, 'run', '--bundle', bundle, id], { stdio });
  let cancelled = false;
  let gone = false;
  child.once('close', () => (gone = true));
  child.once('error', () => (gone = true));
  const onAbort = (): void => {
    cancelled = true;
    // runc forwards catchable signals to the container's init; KILL goes through `runc kill`.
    child.kill('SIGTERM');
    // A cancel before the runtime has made the container finds nothing to kill, and the SIGTERM
    // runc passes on is ignored by an init without a handler (a shell as pid 1): the container
    // would run its course. So the kill is sent again until the runtime is gone.
    void (async () => {
      while (!gone) {
        await killContainer(runtime, stateDir, id);
        if (!gone) await sleep(KILL_AGAIN_MS);
      }
    })();
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort();
  const stopResizes = resizer && io.terminal?.onResize?.((s) => resizer.resize(s));
  try {
    if (!io.inherit) {
      if (io.stdin && child.stdin) {
        io.stdin.pipe(child.stdin);
      }
      // Without input, the console's stdin stays open and silent (script would pass an end of
      // input on as ^D), as a terminal nobody types in.
      child.stdin?.on('error', () => undefined);
      if (resizer) child.stdout?.once('data', () => resizer.ready());
      if (io.stdout) child.stdout?.pipe(io.stdout, { end: false });
      else child.stdout?.resume();
      if (io.stderr) child.stderr?.pipe(io.stderr, { end: false });
      else child.stderr?.resume();
    }
    const status = await new Promise<number>((resolve, reject) => {
      const what = consoleRun ? `${runtime} on a terminal (util-linux script: Debian's bsdutils)` : runtime;
      child.once('error', (err) => reject(new StevedoreError('RUNTIME_ERROR', `Could not start ${what}: ${err.message}`, { cause: err })));
      child.once('spawn', () => options.onStarted?.(child.pid ?? 0));
      child.stdout?.once('end', () => child.stdin?.end());
      child.once('close', (code, sig) => resolve(code ?? 128 + signalNumber(sig)));
    });
    if (io.stdin && child.stdin) io.stdin.unpipe(child.stdin);
    if (cancelled) throw new CancelledError();
    return status;
  } finally {
    stopResizes?.();
    await resizer?.settled();
    options.signal?.removeEventListener('abort', onAbort);
    await deleteContainer(runtime, stateDir, id);
  }
}

/** Kills the container's init with SIGKILL; harmless when it is not there (any more). */
export async function killContainer(runtime: string, stateDir: string, id: string): Promise<void> {
  await exec(runtime, ['--root', stateDir, 'kill', id, 'KILL']).catch(() => undefined);
}

/** Removes the runtime's state of the container, killing it first when it still runs. */
export async function deleteContainer(runtime: string, stateDir: string, id: string): Promise<void> {
  await exec(runtime, ['--root', stateDir, 'delete', '--force', id]).catch(() => undefined);
}

/** Containers the runtime has state for under `stateDir`. */
export async function listRuntimeContainers(runtime: string, stateDir: string): Promise<string[]> {
  const { stdout } = await exec(runtime, ['--root', stateDir, 'list', '--quiet']).catch(() => ({ stdout: '' }));
  return stdout.split('\n').filter(Boolean);
}

const SIGNALS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15, SIGPIPE: 13, SIGABRT: 6, SIGSEGV: 11 };

function signalNumber(sig: NodeJS.Signals | null): number {
  return sig ? (SIGNALS[sig] ?? 0) : 0;
}
