// Everything a command may touch, passed in rather than reached for, so that tests can run commands
// in-process with their own streams and store.

import type { Readable, Writable } from 'node:stream';
import { ImageStore } from '../core/store/imageStore';
import { defaultStorePath } from '../core/store/layout';

export interface CliContext {
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable & { isTTY?: boolean };
  stdin: Readable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  storePath: string;
  signal: AbortSignal;
  debug: boolean;
  openStore(): Promise<ImageStore>;
  now(): Date;
}

export function createContext(options: {
  stdout: CliContext['stdout'];
  stderr: CliContext['stderr'];
  stdin: CliContext['stdin'];
  env: NodeJS.ProcessEnv;
  store?: string;
  signal: AbortSignal;
  debug?: boolean;
}): CliContext {
  const storePath = defaultStorePath(options.env, options.store);
  let opened: Promise<ImageStore> | undefined;
  return {
    stdout: options.stdout,
    stderr: options.stderr,
    stdin: options.stdin,
    env: options.env,
    storePath,
    signal: options.signal,
    debug: options.debug ?? false,
    openStore: () => (opened ??= ImageStore.open(storePath)),
    now: () => new Date(),
  };
}

export function writeLine(stream: CliContext['stdout'], text = ''): void {
  stream.write(`${text}\n`);
}
