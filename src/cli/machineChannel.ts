// The CLI's machine channel, for a program that runs the CLI as its child rather than reading its
// words: the VS Code extension, when its own process cannot run containers (not root) and the CLI
// must enter the user namespace for it (extension/containers/cliProcess.ts). Hidden, set through
// the environment so that it passes through the CLI's own re-execution in a user namespace:
//   STEVEDORE_EVENTS_FD=N   descriptor N takes JSON lines (MachineMessage): progress events as
//                           the core reports them, the container a run made, the command's
//                           result, and its error (code and message) instead of the "Error:" line;
//   STEVEDORE_TERMINAL=CxR  a container with -t gets a terminal of C columns and R rows although
//                           this process has none (its streams are pipes);
//   STEVEDORE_RESIZE_FD=N   descriptor N brings the terminal's new sizes as JSON lines.

import { writeSync } from 'node:fs';
import type { ContainerTerminal, TerminalSize } from '../core/runtime/runtimeConsole';
import { streamLines } from '../core/streamLines';
import type { MachineMessage } from './machineProtocol';
import { EVENTS_FD_ENV, RESIZE_FD_ENV, TERMINAL_ENV } from './machineProtocol';

export type MachineWriter = (message: MachineMessage) => void;

/** Writes messages to the events descriptor; undefined when none was given. */
export function machineChannel(env: NodeJS.ProcessEnv): MachineWriter | undefined {
  const fd = descriptor(env[EVENTS_FD_ENV]);
  if (fd === undefined) return undefined;
  return (message) => {
    // Synchronous, so the error line is out before the process exits; a reader gone is no error here.
    const bytes = Buffer.from(`${JSON.stringify(message)}\n`);
    try {
      for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off);
    } catch {
      // The reader closed its end: it no longer wants the messages.
    }
  };
}

/** The descriptors of the channel, which a re-execution must pass on under the same numbers. */
export function machineDescriptors(env: NodeJS.ProcessEnv): number[] {
  return [descriptor(env[EVENTS_FD_ENV]), descriptor(env[RESIZE_FD_ENV])].filter((fd): fd is number => fd !== undefined);
}

/** The terminal a program that runs the CLI lends a container with -t; undefined when it lends none. */
export function machineTerminal(env: NodeJS.ProcessEnv): ContainerTerminal | undefined {
  const size = parseSize(env[TERMINAL_ENV]);
  if (!size) return undefined;
  const fd = descriptor(env[RESIZE_FD_ENV]);
  if (fd === undefined) return { size };
  const listeners = new Set<(size: TerminalSize) => void>();
  let socket: import('node:net').Socket | undefined;
  return {
    size,
    onResize(listener) {
      listeners.add(listener);
      if (!socket) {
        socket = new (process.getBuiltinModule('node:net').Socket)({ fd, readable: true, writable: false });
        streamLines(socket, (line) => {
          const next = parseSizeLine(line);
          if (next) for (const l of listeners) l(next);
        });
        // Listening must not keep the process alive once the container ended.
        socket.unref();
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) {
          socket?.destroy();
          socket = undefined;
        }
      };
    },
  };
}

function descriptor(value: string | undefined): number | undefined {
  const fd = Number(value);
  // 0–2 are the streams and 3 the parent pipe of a re-execution (userNamespaceExec.ts).
  return value && Number.isInteger(fd) && fd > 3 ? fd : undefined;
}

function parseSize(value: string | undefined): TerminalSize | undefined {
  const m = /^(\d+)x(\d+)$/.exec(value ?? '');
  return m ? { columns: Number(m[1]), rows: Number(m[2]) } : undefined;
}

function parseSizeLine(line: string): TerminalSize | undefined {
  try {
    const v = JSON.parse(line) as Partial<TerminalSize>;
    return typeof v.columns === 'number' && typeof v.rows === 'number' ? { columns: v.columns, rows: v.rows } : undefined;
  } catch {
    return undefined;
  }
}
