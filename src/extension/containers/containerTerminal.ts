// A VS Code terminal showing one container run (Run, Run Interactive, Start): an extension
// Pseudoterminal whose input goes to the container's stdin and whose output is the container's.
// With a terminal (-t) the container has a pty of its own (core/runtime/runtimeConsole.ts) sized
// as this terminal and resized with it; without one, its output lines get the CRs a terminal
// needs. Closing the terminal kills the container; once it has ended, a key closes the terminal.

import { StringDecoder } from 'node:string_decoder';
import { PassThrough, Writable } from 'node:stream';
import * as vscode from 'vscode';
import { errorMessage, isCancelled } from '../../core/errors';
import type { ContainerIo } from '../../core/runtime/ociRuntime';
import type { TerminalSize } from '../../core/runtime/runtimeConsole';

export interface ContainerTerminalRun {
  /** The container gets a terminal of its own (-t). */
  tty: boolean;
  /** Keys typed go to the container (-i). */
  interactive: boolean;
  /** Runs the container with these streams; resolves with its exit status. */
  start(io: ContainerIo, signal: AbortSignal): Promise<number>;
}

export class ContainerPseudoterminal implements vscode.Pseudoterminal {
  private readonly writes = new vscode.EventEmitter<string>();
  private readonly closes = new vscode.EventEmitter<number | void>();
  readonly onDidWrite = this.writes.event;
  readonly onDidClose = this.closes.event;
  private readonly input = new PassThrough();
  private readonly abort = new AbortController();
  private readonly resizeListeners = new Set<(size: TerminalSize) => void>();
  private ended = false;
  private settle!: (status: number | undefined) => void;
  /** The container's exit status once it ended; undefined when it could not run or was stopped. */
  readonly exited = new Promise<number | undefined>((resolve) => (this.settle = resolve));
  /** Why it could not run, when it could not. */
  failure: unknown;

  constructor(private readonly run: ContainerTerminalRun) {}

  open(dimensions: vscode.TerminalDimensions | undefined): void {
    const size = dimensions ? { columns: dimensions.columns, rows: dimensions.rows } : { columns: 80, rows: 24 };
    const output = this.outputStream();
    const io: ContainerIo = {
      stdout: output,
      stderr: output,
      ...(this.run.interactive ? { stdin: this.input } : {}),
      ...(this.run.tty
        ? {
            terminal: {
              size,
              onResize: (listener: (s: TerminalSize) => void) => {
                this.resizeListeners.add(listener);
                return () => this.resizeListeners.delete(listener);
              },
            },
          }
        : {}),
    };
    this.run.start(io, this.abort.signal).then(
      (status) => this.finish(status, `\r\n[The container exited with status ${status}. Press any key to close this terminal.]\r\n`),
      (err: unknown) => {
        this.failure = err;
        this.finish(undefined, isCancelled(err) ? '\r\n[The container was stopped.]\r\n' : `\r\n[${errorMessage(err).replace(/\n/g, '\r\n')}]\r\n[Press any key to close this terminal.]\r\n`);
      },
    );
  }

  handleInput(data: string): void {
    if (this.ended) {
      this.closes.fire();
      return;
    }
    if (this.run.interactive) this.input.write(data);
  }

  setDimensions(dimensions: vscode.TerminalDimensions): void {
    for (const listener of this.resizeListeners) listener({ columns: dimensions.columns, rows: dimensions.rows });
  }

  /** The terminal was closed: the container is killed (and, for Run, removed when it was --rm). */
  close(): void {
    if (!this.ended) this.abort.abort();
    this.input.end();
  }

  private finish(status: number | undefined, message: string): void {
    this.ended = true;
    this.input.end();
    this.writes.fire(message);
    this.settle(status);
  }

  private outputStream(): Writable {
    const decoder = new StringDecoder('utf8');
    const tty = this.run.tty;
    const writes = this.writes;
    return new Writable({
      write(chunk: Buffer, _encoding, done) {
        const text = decoder.write(chunk);
        // A pty's output has its CRs already; a pipe's lines need them on a terminal.
        if (text) writes.fire(tty ? text : text.replace(/\r?\n/g, '\r\n'));
        done();
      },
    });
  }
}
