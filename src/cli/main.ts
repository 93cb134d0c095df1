// The `stevedore` command line: Docker's verbs, flags and output over Stevedore's core.

import { setFlagsFromString } from 'node:v8';
import { runCli } from './runCli';

// undici parses HTTP with llhttp compiled to WebAssembly; V8 then recompiles it with TurboFan on a
// background thread, which costs ~85 ms of CPU and holds up the exit of every registry command
// by as much (measured: a 0.26 s `push` of an image the registry has spent 60-80 ms after its
// last line). Baseline (Liftoff) code parses our few small responses fast enough: layers are read
// without llhttp (socketGet.ts). Safe here: nothing has compiled WebAssembly yet. The extension
// host, shared with other extensions, keeps V8's defaults.
setFlagsFromString('--liftoff-only');

const controller = new AbortController();
let interrupted = 0;
const onSignal = (): void => {
  interrupted++;
  // First Ctrl-C cancels cleanly (the store is left as it was); a second one stops at once.
  if (interrupted > 1) process.exit(130);
  controller.abort();
};
process.on('SIGINT', onSignal);
process.on('SIGTERM', onSignal);
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
});

runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  signal: controller.signal,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 2;
  },
);
