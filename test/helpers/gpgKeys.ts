// Throw-away GPG keys made by the real gpg in a temporary GNUPGHOME, for signing with skopeo and
// checking with Stevedore. Ed25519 keys: generated in a fraction of a second, no entropy wait.

import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './cli';

export interface GpgKey {
  fingerprint: string;
  /** The public key exported in binary form, as policy.json's keyPath usually names it. */
  publicKeyFile: string;
}

/** A GNUPGHOME folder (mode 0700, as gpg insists) under `dir`. */
export async function makeGnupgHome(dir: string): Promise<string> {
  const home = join(dir, 'gnupg');
  await mkdir(home, { recursive: true, mode: 0o700 });
  return home;
}

export async function makeGpgKey(gnupgHome: string, name: string): Promise<GpgKey> {
  const env = { GNUPGHOME: gnupgHome };
  const made = await run('gpg', ['--batch', '--pinentry-mode', 'loopback', '--passphrase', '', '--quick-gen-key', `${name} <${name}@stevedore.test>`, 'ed25519', 'sign', 'never'], { env });
  if (made.code !== 0) throw new Error(`gpg --quick-gen-key failed: ${made.stderr}`);
  const listed = await run('gpg', ['--batch', '--with-colons', '--list-keys', `${name}@stevedore.test`], { env });
  const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(listed.stdout)?.[1];
  if (!fingerprint) throw new Error(`no fingerprint for ${name}: ${listed.stdout}${listed.stderr}`);
  const publicKeyFile = join(gnupgHome, '..', `${name}.gpg`);
  // run() decodes stdout as UTF-8, which would mangle a binary export; ask gpg for a file instead.
  const out = await run('gpg', ['--batch', '--yes', '--output', publicKeyFile, '--export', fingerprint], { env });
  if (out.code !== 0) throw new Error(`gpg --export failed: ${out.stderr}`);
  return { fingerprint, publicKeyFile };
}

/** Writes a file and returns its path (small helper for policies and registries.d files). */
export async function writeJson(path: string, value: unknown): Promise<string> {
  await writeFile(path, JSON.stringify(value, null, 2));
  return path;
}
