// The secret keys the user's gpg can sign with (`gpg --list-secret-keys --with-colons`), for a
// picker of signing keys: each primary key's fingerprint and first user ID. No gpg, no keys.

import { execFile } from 'node:child_process';

export interface GpgSecretKey {
  fingerprint: string;
  userId?: string;
}

export function listGpgSecretKeys(env: NodeJS.ProcessEnv, signal?: AbortSignal): Promise<GpgSecretKey[]> {
  return new Promise((resolve) => {
    execFile('gpg', ['--batch', '--no-tty', '--list-secret-keys', '--with-colons'], { env, maxBuffer: 4 * 1024 * 1024, ...(signal ? { signal } : {}) }, (err, stdout) => {
      if (err) return resolve([]);
      resolve(parseColons(stdout));
    });
  });
}

/** gpg's machine-readable listing: `sec` opens a key, its first `fpr` and `uid` lines describe it. */
export function parseColons(text: string): GpgSecretKey[] {
  const keys: GpgSecretKey[] = [];
  let current: GpgSecretKey | undefined;
  let wantFingerprint = false;
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields[0] === 'sec') {
      current = undefined;
      wantFingerprint = true;
    } else if (fields[0] === 'ssb') {
      wantFingerprint = false;
    } else if (fields[0] === 'fpr' && wantFingerprint && fields[9]) {
      current = { fingerprint: fields[9] };
      keys.push(current);
      wantFingerprint = false;
    } else if (fields[0] === 'uid' && current && current.userId === undefined && fields[9]) {
      // gpg escapes ':' and non-printables as \xNN in this format.
      current.userId = fields[9].replace(/\\x([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    }
  }
  return keys;
}
