// Signing a simple-signing payload with the user's own gpg (as skopeo and podman `--sign-by` do
// through gpgme): their keyring, their agent, GNUPGHOME from the environment; the output is the
// same inline-signed OpenPGP message c/image writes.

import { CancelledError, StevedoreError } from '../errors';

export async function gpgSign(payload: Buffer, fingerprint: string, options: { env: NodeJS.ProcessEnv; signal?: AbortSignal }): Promise<Buffer> {
  if (!/^[0-9A-Fa-f]{8,40}$|^[^\s-][^\s]*@[^\s]+$/.test(fingerprint)) {
    throw new StevedoreError('INVALID_ARGUMENT', `--sign-by takes a key fingerprint or key ID (gpg --list-secret-keys shows them), not "${fingerprint}".`);
  }
  return new Promise<Buffer>((resolve, reject) => {
    // child_process on first use: push loads this file, and only --sign-by runs gpg.
    const child = process.getBuiltinModule('node:child_process').spawn('gpg', ['--batch', '--no-tty', '--sign', '--local-user', fingerprint, '--output', '-'], { env: options.env, stdio: ['pipe', 'pipe', 'pipe'], ...(options.signal ? { signal: options.signal } : {}) });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => {
      err = (err + c.toString()).slice(-2000);
    });
    child.on('error', (e: NodeJS.ErrnoException) => {
      if (options.signal?.aborted) reject(new CancelledError());
      else if (e.code === 'ENOENT') reject(new StevedoreError('UNSUPPORTED', '--sign-by needs gpg (GnuPG), which is not installed; install the gnupg package.'));
      else reject(e);
    });
    child.on('close', (code) => {
      if (code === 0 && out.length > 0) resolve(Buffer.concat(out));
      else reject(new StevedoreError('IO_ERROR', `gpg could not sign with key ${fingerprint}: ${err.trim() || `exit status ${code}`}. Check that the secret key is in your keyring (gpg --list-secret-keys) and that gpg-agent can unlock it.`));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(payload);
  });
}
