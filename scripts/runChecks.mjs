// Runs the given npm scripts at the same time (default: lint and typecheck, each single-threaded,
// so together they fill two cores), prints each one's output whole when it ends, and exits
// non-zero if any failed.
import { spawn } from 'node:child_process';

const names = process.argv.slice(2).length ? process.argv.slice(2) : ['lint', 'typecheck'];
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

const results = await Promise.all(
  names.map(
    (name) =>
      new Promise((resolve) => {
        const child = spawn(npm, ['run', '--silent', name], { stdio: ['ignore', 'pipe', 'pipe'] });
        const output = [];
        child.stdout.on('data', (c) => output.push(c));
        child.stderr.on('data', (c) => output.push(c));
        child.on('error', (err) => resolve({ name, code: 1, text: String(err) }));
        child.on('close', (code) => {
          const text = Buffer.concat(output).toString();
          process.stdout.write(`> ${name}: ${code === 0 ? 'ok' : `failed (exit ${code})`}\n${text}`);
          resolve({ name, code });
        });
      }),
  ),
);
const failed = results.filter((r) => r.code !== 0).map((r) => r.name);
if (failed.length) console.error(`failed: ${failed.join(', ')}`);
process.exit(failed.length ? 1 : 0);
