// Runs a prepared bundle with an OCI runtime (runc, or crun) found on PATH or named by the caller,
// in the foreground: the runtime's exit status is the container's (128+N when a signal N ended it).
// Cancelling kills the container's init, so its whole pid namespace, and waits for the runtime to
// go; the runtime's state for the container is then deleted whatever happened.

import { spawn, execFile, type StdioOptions } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { delimiter, isAbsolute, join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { promisify } from 'node:util';
import { CancelledError, StevedoreError } from '../errors';

const exec = promisify(execFile);

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
}

export interface RuntimeRun {
  runtime: string;
  stateDir: string;
  bundle: string;
  id: string;
  io: ContainerIo;
  signal?: AbortSignal;
  /** Called once the runtime process is started. */
  onStarted?: (pid: number) => void;
}

export async function runBundle(options: RuntimeRun): Promise<number> {
  const { runtime, stateDir, bundle, id, io } = options;
  const stdio: StdioOptions = io.inherit ? 'inherit' : [io.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'];
  const child = spawn(runtime, ['--root', stateDir, 'run', '--bundle', bundle, id], { stdio });
  let cancelled = false;
  const onAbort = (): void => {
    cancelled = true;
    // runc forwards catchable signals to the container's init; KILL goes through `runc kill`.
    child.kill('SIGTERM');
    void killContainer(runtime, stateDir, id);
  };
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) onAbort();
  try {
    if (!io.inherit) {
      if (io.stdin && child.stdin) {
        io.stdin.pipe(child.stdin);
        child.stdin.on('error', () => undefined);
      }
      if (io.stdout) child.stdout?.pipe(io.stdout, { end: false });
      else child.stdout?.resume();
      if (io.stderr) child.stderr?.pipe(io.stderr, { end: false });
      else child.stderr?.resume();
    }
    const status = await new Promise<number>((resolve, reject) => {
      child.once('error', (err) => reject(new StevedoreError('RUNTIME_ERROR', `Could not start ${runtime}: ${err.message}`, { cause: err })));
      child.once('spawn', () => options.onStarted?.(child.pid ?? 0));
      child.once('close', (code, sig) => resolve(code ?? 128 + signalNumber(sig)));
    });
    if (io.stdin && child.stdin) io.stdin.unpipe(child.stdin);
    if (cancelled) throw new CancelledError();
    return status;
  } finally {
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
