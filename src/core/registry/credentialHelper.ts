// Docker's credential helper protocol: `docker-credential-NAME get|store|erase`, talking JSON (or
// the bare server URL) on stdin/stdout. What a helper prints is never put into an error message,
// since it may hold the secret.

import { CancelledError, StevedoreError } from '../errors';

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

export interface HelperCallOptions {
  signal?: AbortSignal;
  /** How long the helper may take before it is killed (default 60 s, or STEVEDORE_CREDENTIAL_HELPER_TIMEOUT seconds). */
  timeoutMs?: number;
}

/**
 * A helper may wait for a keychain unlock or a pinentry prompt, so the default is generous; but one
 * that never answers must not hold a pull forever, and a cancelled pull must not leave it running.
 */
export const DEFAULT_HELPER_TIMEOUT_MS = 60_000;

function helperTimeout(env: NodeJS.ProcessEnv, options: HelperCallOptions): number {
  if (options.timeoutMs !== undefined) return options.timeoutMs;
  const text = env.STEVEDORE_CREDENTIAL_HELPER_TIMEOUT?.trim();
  if (!text) return DEFAULT_HELPER_TIMEOUT_MS;
  if (!/^\d+(\.\d+)?$/.test(text) || Number(text) <= 0) {
    throw new StevedoreError('INVALID_ARGUMENT', `STEVEDORE_CREDENTIAL_HELPER_TIMEOUT must be a number of seconds greater than 0 (got "${text}").`);
  }
  return Math.round(Number(text) * 1000);
}

function runHelper(helper: string, action: 'get' | 'store' | 'erase', input: string, env: NodeJS.ProcessEnv, options: HelperCallOptions): Promise<HelperRun> {
  const program = `docker-credential-${helper}`;
  const { signal } = options;
  const timeoutMs = helperTimeout(env, options);
  if (signal?.aborted) return Promise.reject(new CancelledError());
  return new Promise((resolve, reject) => {
    // child_process on first use: most registry commands run no helper.
    const child = process.getBuiltinModule('node:child_process').spawn(program, [action], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let stopped: Error | undefined;
    // Settled on 'exit' once killed: a grandchild still holding the pipes must not delay the answer.
    const stop = (why: Error): void => {
      if (stopped) return;
      stopped = why;
      child.kill('SIGKILL');
      child.stdout.destroy();
      child.stderr.destroy();
    };
    const timer = setTimeout(
      () => stop(
          new StevedoreError(
            'IO_ERROR',
            `The credential helper ${program} did not answer within ${timeoutMs / 1000} s and was stopped. Check that it works (run "${program} ${action}" yourself), or raise STEVEDORE_CREDENTIAL_HELPER_TIMEOUT.`,
            { detail: { helper: program, timeoutMs } },
          ),
        ),
      timeoutMs,
    );
    const onAbort = (): void => stop(new CancelledError());
    signal?.addEventListener('abort', onAbort, { once: true });
    const finish = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.on('error', (e: NodeJS.ErrnoException) => {
      finish();
      reject(
        new StevedoreError(
          'IO_ERROR',
          e.code === 'ENOENT'
            ? `The credential helper ${program} named in your Docker config is not installed. Install it, or remove it from config.json.`
            : `Could not run the credential helper ${program}: ${e.message}.`,
        ),
      );
    });
    child.on('exit', () => {
      if (!stopped) return;
      finish();
      reject(stopped);
    });
    child.on('close', (code) => {
      if (stopped) return;
      finish();
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

/** Returns undefined when the helper has no credentials for `serverUrl`. */
export async function helperGet(helper: string, serverUrl: string, env: NodeJS.ProcessEnv, options: HelperCallOptions = {}): Promise<HelperCredential | undefined> {
  const result = await runHelper(helper, 'get', serverUrl, env, options);
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

export async function helperStore(helper: string, credential: HelperCredential, env: NodeJS.ProcessEnv, options: HelperCallOptions = {}): Promise<void> {
  const result = await runHelper(helper, 'store', JSON.stringify(credential), env, options);
  if (result.code !== 0) {
    throw new StevedoreError('IO_ERROR', `The credential helper docker-credential-${helper} could not store the credentials for ${credential.ServerURL ?? 'the registry'} (exit status ${result.code}).`);
  }
}

export async function helperErase(helper: string, serverUrl: string, env: NodeJS.ProcessEnv, options: HelperCallOptions = {}): Promise<void> {
  const result = await runHelper(helper, 'erase', serverUrl, env, options);
  if (result.code !== 0 && !/credentials not found/i.test(result.stdout + result.stderr)) {
    throw new StevedoreError('IO_ERROR', `The credential helper docker-credential-${helper} could not erase the credentials for ${serverUrl} (exit status ${result.code}).`);
  }
}
