// Runs the built CLI (dist/cli.js) as a separate process, the way users and scripts run it.

import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const CLI = join(__dirname, '..', '..', 'dist', 'cli.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(store: string, args: readonly string[], options: { input?: Buffer | string; env?: NodeJS.ProcessEnv } = {}): Promise<CliResult> {
  return run(process.execPath, [CLI, '--store', store, ...args], options);
}

export function run(cmd: string, args: readonly string[], options: { input?: Buffer | string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...options.env }, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}
