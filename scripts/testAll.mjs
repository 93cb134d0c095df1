// `npm test`: every stage of the CI in order, and all of them even when one fails, so that one
// failure does not hide the state of the VS Code suites; exits non-zero if any stage failed and
// ends with one line per stage (result and seconds). Lint and typecheck run side by side: each is
// single-threaded, so together they fill two cores.
import { spawn } from 'node:child_process';

const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const stages = [
  { name: 'lint + typecheck', parallel: ['lint', 'typecheck'] },
  { name: 'build', script: 'build', needed: true },
  { name: 'node tests', command: [process.execPath, 'scripts/runTests.mjs'] },
  { name: 'vscode suite', script: 'test:vscode' },
  { name: 'ui tests', script: 'test:ui' },
];

function run(command, args, quiet) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: quiet ? ['ignore', 'pipe', 'pipe'] : 'inherit' });
    const output = [];
    child.stdout?.on('data', (c) => output.push(c));
    child.stderr?.on('data', (c) => output.push(c));
    child.on('error', (err) => resolve({ code: 1, text: String(err) }));
    child.on('close', (code) => resolve({ code: code ?? 1, text: Buffer.concat(output).toString() }));
  });
}

const summary = [];
let failed = false;
for (const stage of stages) {
  const started = Date.now();
  let ok;
  if (stage.parallel) {
    // Each one's output is printed whole when it ends, so the two do not interleave.
    const results = await Promise.all(
      stage.parallel.map(async (name) => {
        const result = await run(npm, ['run', '--silent', name], true);
        process.stdout.write(`> ${name}: ${result.code === 0 ? 'ok' : `failed (exit ${result.code})`}\n${result.text}`);
        return result.code === 0;
      }),
    );
    ok = results.every(Boolean);
  } else {
    const [command, ...args] = stage.command ?? [npm, 'run', stage.script];
    ok = (await run(command, args, false)).code === 0;
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  summary.push(`${stage.name}: ${ok ? 'passed' : 'FAILED'} in ${seconds} s`);
  if (!ok) failed = true;
  if (!ok && stage.needed) {
    summary.push('(later stages not run: they need this one)');
    break;
  }
}
console.log(`\n${summary.join('\n')}`);
process.exit(failed ? 1 : 0);
