// Docker's credential helper protocol: `docker-credential-NAME get|store|erase`, talking JSON (or
// the bare server URL) on stdin/stdout. What a helper prints is never put into an error message,
// since it may hold the secret.

import { spawn } from 'node:child_process';
import { StevedoreError } from '../errors';

export interface HelperCredential {
  ServerURL?: string;
  Username: string;
  Secret: string;
}

interface HelperRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runHelper(helper: string, action: 'get' | 'store' | 'erase', input: string, env: NodeJS.ProcessEnv): Promise<HelperRun> {
  const program = `docker-credential-${helper}`;
  return new Promise((resolve, reject) => {
    const child = spawn(program, [action], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e: NodeJS.ErrnoException) => {
      reject(
        new StevedoreError(
          'IO_ERROR',
          e.code === 'ENOENT'
            ? `The credential helper ${program} named in your Docker config is not installed. Install it, or remove it from config.json.`
            : `Could not run the credential helper ${program}: ${e.message}.`,
        ),
      );
    });
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

/** Returns undefined when the helper has no credentials for `serverUrl`. */
export async function helperGet(helper: string, serverUrl: string, env: NodeJS.ProcessEnv): Promise<HelperCredential | undefined> {
  const result = await runHelper(helper, 'get', serverUrl, env);
  if (result.code !== 0) {
    // The protocol's "not found" answer; anything else is a real failure.
    if (/credentials not found/i.test(result.stdout + result.stderr)) return undefined;
    throw new StevedoreError('IO_ERROR', `The credential helper docker-credential-${helper} failed to look up ${serverUrl} (exit status ${result.code}).`);
  }
  try {
    const parsed = JSON.parse(result.stdout) as Partial<HelperCredential>;
    if (typeof parsed.Secret !== 'string' || parsed.Secret === '') return undefined;
    return { ServerURL: parsed.ServerURL ?? serverUrl, Username: parsed.Username ?? '', Secret: parsed.Secret };
  } catch {
    throw new StevedoreError('IO_ERROR', `The credential helper docker-credential-${helper} answered something that is not JSON for ${serverUrl}.`);
  }
}

export async function helperStore(helper: string, credential: HelperCredential, env: NodeJS.ProcessEnv): Promise<void> {
  const result = await runHelper(helper, 'store', JSON.stringify(credential), env);
  if (result.code !== 0) {
    throw new StevedoreError('IO_ERROR', `The credential helper docker-credential-${helper} could not store the credentials for ${credential.ServerURL ?? 'the registry'} (exit status ${result.code}).`);
  }
}

export async function helperErase(helper: string, serverUrl: string, env: NodeJS.ProcessEnv): Promise<void> {
  const result = await runHelper(helper, 'erase', serverUrl, env);
  if (result.code !== 0 && !/credentials not found/i.test(result.stdout + result.stderr)) {
    throw new StevedoreError('IO_ERROR', `The credential helper docker-credential-${helper} could not erase the credentials for ${serverUrl} (exit status ${result.code}).`);
  }
}
