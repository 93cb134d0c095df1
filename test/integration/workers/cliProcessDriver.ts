// Drives src/extension/containers/cliProcess.ts (the module the VS Code extension runs containers
// through when it is not root) in a process of its own, so a test can run it as an unprivileged
// user. Bundled by the test (esbuild) and run as `node driver.js STEP JSON`; prints one JSON line.
//   auto                      whether `auto` sends containers through the CLI for this user
//   call {cli, store, args, input?, terminal?, cancelOn?}
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
}

async function main(): Promise<void> {
  const [step, json] = process.argv.slice(2);
  if (step === 'auto') {
    process.stdout.write(`${JSON.stringify({ cli: await containersThroughCli('auto', process.env) })}\n`);
    return;
  }
  const request = JSON.parse(json ?? '{}') as CallRequest;
  let output = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      output += chunk.toString();
      done();
    },
  });
  const stdin = request.input !== undefined ? new PassThrough() : undefined;
  if (stdin) stdin.end(request.input);
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
        ...(runs ? { io: { stdout: sink, stderr: sink, ...(stdin ? { stdin } : {}), ...(request.terminal ? { terminal: { size: request.terminal } } : {}) } } : {}),
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
