// Drives src/extension/containers/cliProcess.ts (the module the VS Code extension runs containers
// through when it is not root) in a process of its own, so a test can run it as an unprivileged
// user. Bundled by the test (esbuild) and run as `node driver.js STEP JSON`; prints one JSON line.
//   auto                      whether `auto` sends containers through the CLI for this user
//   call {cli, store, args, input?, terminal?, resize?, cancelOn?, announce?}
//                             callCli with those arguments; the outcome, the events' kinds, the
//                             container reported, the output, or the error's name, code and message

import { PassThrough, Writable } from 'node:stream';
import { callCli, containersThroughCli } from '../../../src/extension/containers/cliProcess';

interface CallRequest {
  cli: string;
  store: string;
  args: string[];
  /** Written to the container's input (which is then open: -i). */
  input?: string;
  terminal?: { columns: number; rows: number };
  /** Cancel once an event of this kind arrives (a build's "running": its RUN started). */
  cancelOn?: string;
  /**
   * With `terminal`: once the output shows "READY", resize the terminal to this size, then ask the
   * shell `stty size` after each size it prints until it prints this one, then `exit 4`.
   */
  resize?: { columns: number; rows: number };
  /** Print "ANNOUNCED" once the container's output shows this. */
  announce?: string;
}

async function main(): Promise<void> {
  const [step, json] = process.argv.slice(2);
  if (step === 'auto') {
    process.stdout.write(`${JSON.stringify({ cli: await containersThroughCli('auto', process.env) })}\n`);
    return;
  }
  const request = JSON.parse(json ?? '{}') as CallRequest;
  let output = '';
  let announced = false;
  const resizeListeners = new Set<(size: { columns: number; rows: number }) => void>();
  let resized = false;
  let sizesSeen = 0;
  const stdin = request.input !== undefined ? new PassThrough() : undefined;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      output += chunk.toString();
      if (request.announce && !announced && output.includes(request.announce)) {
        // For a test that kills this process once the container runs.
        announced = true;
        process.stdout.write('ANNOUNCED\n');
      }
      const wanted = request.resize;
      if (wanted && stdin) {
        if (!resized && output.includes('READY')) {
          resized = true;
          for (const listener of resizeListeners) listener(wanted);
          stdin.write('stty size\n');
        }
        const sizes = [...output.matchAll(/^(\d+) (\d+)\r?$/gm)];
        if (resized && sizes.length > sizesSeen) {
          sizesSeen = sizes.length;
          const last = sizes[sizes.length - 1]!;
          stdin.write(Number(last[1]) === wanted.rows && Number(last[2]) === wanted.columns ? 'exit 4\n' : 'stty size\n');
        }
      }
      done();
    },
  });
  if (stdin) {
    if (request.resize) stdin.write(request.input);
    else stdin.end(request.input);
  }
  const events: string[] = [];
  const lines: string[] = [];
  let container: unknown;
  const controller = new AbortController();
  const runs = request.input !== undefined || request.terminal !== undefined || request.args[0] === 'run' || request.args[0] === 'start';
  try {
    const outcome = await callCli(
      { cli: request.cli, execPath: process.execPath, storePath: request.store, env: process.env },
      {
        args: request.args,
        signal: controller.signal,
        ...(runs ? { io: { stdout: sink, stderr: sink, ...(stdin ? { stdin } : {}), ...(request.terminal
                ? {
                    terminal: {
                      size: request.terminal,
                      onResize: (listener: (size: { columns: number; rows: number }) => void) => {
                        resizeListeners.add(listener);
                        return () => resizeListeners.delete(listener);
                      },
                    },
                  }
                : {}) } } : {}),
        onEvent: (event) => {
          events.push(event.kind === 'layer' ? `layer ${event.id} ${event.state}` : event.kind);
          if (event.kind === request.cancelOn) controller.abort();
        },
        onContainer: (c) => (container = c),
        onLine: (line) => lines.push(line),
      },
    );
    process.stdout.write(`${JSON.stringify({ ...outcome, events, container, output, lines })}\n`);
  } catch (err) {
    const e = err as Error & { code?: string };
    process.stdout.write(`${JSON.stringify({ error: { name: e.name, code: e.code, message: e.message }, events, container, output, lines })}\n`);
  }
}

void main();
