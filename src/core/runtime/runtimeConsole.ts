// A container with a terminal (`-t`) when the caller has no terminal of its own to lend (the VS
// Code extension host, a CLI whose output is piped). runc hands the pty master of the container's
// console out through `--console-socket` as an SCM_RIGHTS message, which Node cannot receive. So
// the runtime runs in the foreground, as in a shell, on a pseudo-terminal that util-linux's
// `script` (Debian's bsdutils, an Essential package) makes and relays to our pipes: runc takes that
// pty as its host console, puts it in raw mode and relays it to the container's console. Resizing
// sets the size of the outer pty (`stty -F`); the kernel then signals SIGWINCH to runc, the pty's
// foreground process, which gives the new size to the container's console, as it does for a
// resized terminal window.

import { execFile } from 'node:child_process';
import { watch, type FSWatcher } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

export interface TerminalSize {
  columns: number;
  rows: number;
}

/** The terminal a container with `-t` is shown in when the caller has none to lend. */
export interface ContainerTerminal {
  /** The size when the container starts. */
  size: TerminalSize;
  /** Calls `listener` with each new size until the returned function is called. */
  onResize?(listener: (size: TerminalSize) => void): () => void;
}

const CONSOLE_NAME_FILE = 'console-name';

// Run by `script` on its pty: set its first size before runc reads it and make it raw at once (keys
// typed before runc does so would be echoed twice), then record the pty's name (for resizing), then
// become the runtime so runc is the pty's foreground process. The name comes after the first size:
// a resize asked for early is applied as soon as the name appears, and written before, the first
// size would undo it. The values come in through the environment, so no path needs shell quoting.
const CONSOLE_SCRIPT =
  'stty raw -echo rows "$STEVEDORE_ROWS" cols "$STEVEDORE_COLUMNS" && tty > "$STEVEDORE_CONSOLE_NAME" && exec "$STEVEDORE_RUNTIME" --root "$STEVEDORE_RUNTIME_ROOT" run --bundle "$STEVEDORE_BUNDLE" "$STEVEDORE_CONTAINER"';

export interface ConsoleCommand {
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
}

/** The command that runs `runtime run` for the bundle on a pty of its own. */
export function consoleCommand(runtime: string, stateDir: string, bundle: string, id: string, size: TerminalSize): ConsoleCommand {
  return {
    command: 'script',
    // -q: no "Script started" lines; -e: the child's exit status; --echo never: keys typed before runc
    // made the pty raw are not echoed by it (the container's console echoes them); no typescript.
    args: ['-q', '-e', '--echo', 'never', '-c', CONSOLE_SCRIPT, '/dev/null'],
    env: {
      PATH: process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      // script runs the command with $SHELL; a login shell of another kind must not read it.
      SHELL: '/bin/sh',
      STEVEDORE_CONSOLE_NAME: join(bundle, CONSOLE_NAME_FILE),
      STEVEDORE_ROWS: String(clampSize(size.rows)),
      STEVEDORE_COLUMNS: String(clampSize(size.columns)),
      STEVEDORE_RUNTIME: runtime,
      STEVEDORE_RUNTIME_ROOT: stateDir,
      STEVEDORE_BUNDLE: bundle,
      STEVEDORE_CONTAINER: id,
    },
  };
}

/**
 * Removes the pty name a previous run of the bundle recorded: that pty may belong to another
 * terminal by now, and a resize must never reach it.
 */
export async function forgetConsoleName(bundle: string): Promise<void> {
  await rm(join(bundle, CONSOLE_NAME_FILE), { force: true });
}

function clampSize(n: number): number {
  return Number.isFinite(n) ? Math.min(Math.max(Math.floor(n), 1), 9999) : 1;
}

/**
 * Applies sizes to the outer pty of a running console. Sizes asked for before the pty's name is
 * known (runc not yet started) are kept, and the last one is applied once `ready()` is called.
 */
export class ConsoleResizer {
  private ttyName: string | undefined;
  private pending: TerminalSize | undefined;
  private applied: TerminalSize;
  private chain: Promise<void> = Promise.resolve();
  private watcher: FSWatcher | undefined;

  constructor(
    private readonly bundle: string,
    initial: TerminalSize,
  ) {
    this.applied = initial;
  }

  resize(size: TerminalSize): void {
    this.pending = size;
    this.flush();
  }

  /** The console shows output: the pty's name has been written; a size asked for before is applied now. */
  ready(): void {
    this.flush();
  }

  /** Resolves once every size asked for so far has been applied (or could not be); stops watching. */
  async settled(): Promise<void> {
    await this.chain;
    this.stopWatching();
  }

  private stopWatching(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }

  /** A size asked for before the pty's name is written is applied once it is (no polling). */
  private watchForName(): void {
    if (this.watcher) return;
    try {
      this.watcher = watch(this.bundle, { persistent: false }, (_event, name) => {
        if (name === null || String(name) === CONSOLE_NAME_FILE) this.flush();
      });
      this.watcher.on('error', () => this.stopWatching());
    } catch {
      return;
    }
    // Written between the read and the watch: read again now that a change cannot be missed.
    this.flush();
  }

  private async readName(): Promise<string | undefined> {
    const name = (await readFile(join(this.bundle, CONSOLE_NAME_FILE), 'utf8').catch(() => '')).trim();
    return name.startsWith('/dev/') ? name : undefined;
  }

  private flush(): void {
    this.chain = this.chain.then(async () => {
      const size = this.pending;
      if (!size) return;
      // The console script writes the name just before runc starts; until then the size waits.
      this.ttyName ??= await this.readName();
      if (!this.ttyName) {
        this.watchForName();
        return;
      }
      this.stopWatching();
      this.pending = undefined;
      if (size.columns === this.applied.columns && size.rows === this.applied.rows) return;
      this.applied = size;
      // The container may have ended meanwhile; its pty is then gone and there is nothing to resize.
      await exec('stty', ['-F', this.ttyName, 'rows', String(clampSize(size.rows)), 'cols', String(clampSize(size.columns))]).catch(() => undefined);
    });
  }
}
