// `push --sign-by`: a simple signature for the pushed manifest, written where registries.d says
// signatures of that repository are staged (lookaside-staging, else lookaside, else c/image's
// built-in folder), as the next free signature-N beside those already there. Only file:// can be
// written, as in c/image; publishing that folder over HTTP is the user's web server's job.

import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StevedoreError } from '../errors';
import { formatReference, type ImageReference } from '../reference/reference';
import { gpgSign } from './gpgSign';
import { builtinLookaside, loadRegistriesConfig, lookasideSignatureUrl, lookasideStagingFor } from './registriesD';
import { ATOMIC_SIGNATURE_TYPE, makeSignedClaims } from './signaturePayload';

const MAX_SIGNATURES = 128;

export interface SignOnPushOptions {
  env: NodeJS.ProcessEnv;
  registriesDir?: string;
  fingerprint: string;
  signal?: AbortSignal;
}

/** Signs `manifestDigest` as `reference` and stores the signature; returns the file written. */
export async function signPushedImage(reference: ImageReference, manifestDigest: string, options: SignOnPushOptions): Promise<string> {
  const config = await loadRegistriesConfig(options.env, options.registriesDir);
  const base = lookasideStagingFor(config, reference) ?? builtinLookaside(options.env, process.getuid?.());
  if (!base.startsWith('file:')) {
    throw new StevedoreError('UNSUPPORTED', `The image was pushed, but its signature was not written: registries.d says signatures of ${formatReference(reference)} are staged at ${base}, and only file:// locations can be written. Set lookaside-staging to a file:// folder that your web server publishes.`);
  }
  const payload = makeSignedClaims({ dockerReference: formatReference(reference), manifestDigest }, ATOMIC_SIGNATURE_TYPE, { creator: 'stevedore', timestamp: Math.floor(Date.now() / 1000) });
  const signature = await gpgSign(payload, options.fingerprint, { env: options.env, ...(options.signal ? { signal: options.signal } : {}) });
  for (let n = 1; n <= MAX_SIGNATURES; n++) {
    const path = fileURLToPath(lookasideSignatureUrl(base, reference, manifestDigest, n));
    await mkdir(dirname(path), { recursive: true });
    try {
      // 'wx': never overwrite a signature someone else wrote under the same number.
      const file = await open(path, 'wx', 0o644);
      try {
        await file.writeFile(signature);
        await file.sync();
      } finally {
        await file.close();
      }
      return path;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw new StevedoreError('IO_ERROR', `The image was pushed, but its signature could not be written to ${path}: ${(err as Error).message}`, { cause: err });
    }
  }
  throw new StevedoreError('IO_ERROR', `The image was pushed, but ${manifestDigest} already has ${MAX_SIGNATURES} signatures under ${base}; none was added.`);
}
