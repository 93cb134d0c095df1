// Everything a command may touch, passed in rather than reached for, so that tests can run commands
// in-process with their own streams and store.

import type { Readable, Writable } from 'node:stream';
import type { ImageStore } from '../core/store/imageStore';
import { FileImageStore } from '../core/store/fileImageStore';
import { defaultStorePath } from '../core/store/layout';
import { engineCachePath } from '../core/engine/engineCachePath';

export interface CliContext {
  stdout: Writable & { isTTY?: boolean; columns?: number };
  stderr: Writable & { isTTY?: boolean };
  stdin: Readable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  storePath: string;
  signal: AbortSignal;
  debug: boolean;
  openStore(): Promise<ImageStore>;
  /** The store engine images are read into for layers and verify (engineImageCache.ts). */
  openEngineCache(): Promise<ImageStore>;
  now(): Date;
}

export function createContext(
  io: Pick<CliContext, 'stdout' | 'stderr' | 'stdin' | 'env' | 'signal'>,
  options: { store?: string; debug?: boolean } = {},
): CliContext {
  const storePath = defaultStorePath(io.env, options.store);
  let opened: Promise<ImageStore> | undefined;
  return {
    stdout: io.stdout,
    stderr: io.stderr,
    // Read when a command asks for it: the launcher's stdin is a getter, as opening it costs.
    get stdin() {
      return io.stdin;
    },
    env: io.env,
    storePath,
    signal: io.signal,
    debug: options.debug ?? false,
    openStore: () => (opened ??= FileImageStore.open(storePath)),
    openEngineCache: () => FileImageStore.open(engineCachePath(io.env)),
    now: () => new Date(),
  };
}

export function writeLine(stream: CliContext['stdout'], text = ''): void {
  stream.write(`${text}\n`);
}
