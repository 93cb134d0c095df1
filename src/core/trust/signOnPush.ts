// Signing on push, as skopeo and podman do it:
// - `--sign-by FINGERPRINT`: a simple signature made by the user's gpg, written where registries.d
//   says signatures of that repository are staged (lookaside-staging, else lookaside, else
//   c/image's built-in folder), as the next free signature-N beside those already there. Only
//   file:// can be written, as in c/image; publishing that folder over HTTP is the user's web
//   server's job.
// - `--sign-by-sigstore-private-key FILE`: a cosign signature (ECDSA P-256 over the simple-signing
//   payload) attached in the registry as the `sha256-<hex>.sig` tag, only where registries.d sets
//   use-sigstore-attachments (c/image refuses to write attachments otherwise, and would not read
//   them either).
// `--sign-identity` names the reference signed instead of the pushed one.

import { sign } from 'node:crypto';
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StevedoreError } from '../errors';
import type { RegistryClient } from '../registry/registryClient';
import { formatReference, type ImageReference } from '../reference/reference';
import type { CosignPrivateKey } from './cosignPrivateKey';
import { gpgSign } from './gpgSign';
import { builtinLookaside, loadRegistriesConfig, lookasideSignatureUrl, lookasideStagingFor, useSigstoreAttachments, type RegistriesConfig } from './registriesD';
import { ATOMIC_SIGNATURE_TYPE, COSIGN_SIGNATURE_TYPE, makeSignedClaims } from './signaturePayload';
import { attachSigstoreSignature } from './sigstoreAttach';
import { attachBundleReferrer, makeSigstoreBundle } from './sigstoreReferrer';

const MAX_SIGNATURES = 128;

/** `referrers`: a Sigstore bundle attached as an OCI 1.1 referrer instead of the `.sig` tag. */
export type PushSigner = { kind: 'gpg'; fingerprint: string } | { kind: 'sigstore'; key: CosignPrivateKey; keyPath: string; referrers?: boolean };

export interface SignOnPushOptions {
  env: NodeJS.ProcessEnv;
  registriesDir?: string;
  signer: PushSigner;
  /** The reference to sign as (--sign-identity); default: the pushed reference. */
  identity?: ImageReference;
  signal?: AbortSignal;
}

export interface WrittenSignature {
  format: 'simple-signing' | 'cosign' | 'sigstore-bundle';
  /** The file or registry tag the signature went to. */
  location: string;
}

/**
 * What can be checked before anything is pushed: for a sigstore signer, that registries.d lets
 * attachments be written for `reference`. Returns the loaded configuration for signPushedImage.
 */
export async function checkCanSign(reference: ImageReference, options: SignOnPushOptions): Promise<RegistriesConfig> {
  const config = await loadRegistriesConfig(options.env, options.registriesDir);
  if (options.signer.kind === 'sigstore' && !useSigstoreAttachments(config, reference)) {
    throw new StevedoreError(
      'INVALID_ARGUMENT',
      `Nothing was pushed: a sigstore signature of ${formatReference(reference)} would be written as the registry's sha256-<digest>.sig attachment, which registries.d does not allow for ${reference.domain} (podman and skopeo neither write nor read attachments there without it). ` +
        `Add to a file in ~/.config/containers/registries.d/ (or the folder --registries.d names):\ndocker:\n  ${reference.domain}:\n    use-sigstore-attachments: true`,
    );
  }
  return config;
}

/** Signs `manifestDigest` as the pushed reference (or the identity) and stores the signature. */
export async function signPushedImage(reference: ImageReference, manifestDigest: string, client: RegistryClient, options: SignOnPushOptions, config?: RegistriesConfig): Promise<WrittenSignature> {
  config ??= await checkCanSign(reference, options);
  const claims = { dockerReference: formatReference(options.identity ?? reference), manifestDigest };
  const optional = { creator: 'stevedore', timestamp: Math.floor(Date.now() / 1000) };
  if (options.signer.kind === 'sigstore' && options.signer.referrers) {
    const named = options.identity ?? reference;
    try {
      const bundle = await makeSigstoreBundle(options.signer.key, `${named.domain}/${named.path}`, manifestDigest);
      return { format: 'sigstore-bundle', location: await attachBundleReferrer(client, reference, manifestDigest, bundle, options.signal) };
    } catch (err) {
      if (err instanceof StevedoreError) throw new StevedoreError(err.code, `The image was pushed, but its signature was not written: ${err.message}`, { cause: err, temporary: err.temporary });
      throw err;
    }
  }
  if (options.signer.kind === 'sigstore') {
    const payload = makeSignedClaims(claims, COSIGN_SIGNATURE_TYPE, optional);
    const signature = sign('sha256', payload, options.signer.key.privateKey);
    try {
      const written = await attachSigstoreSignature(client, reference, manifestDigest, payload, signature, options.signal);
      return { format: 'cosign', location: written.tag };
    } catch (err) {
      if (err instanceof StevedoreError) {
        throw new StevedoreError(err.code, `The image was pushed, but its signature was not written: ${err.message}`, { cause: err, temporary: err.temporary });
      }
      throw err;
    }
  }
  const base = lookasideStagingFor(config, reference) ?? builtinLookaside(options.env, process.getuid?.());
  if (!base.startsWith('file:')) {
    throw new StevedoreError('UNSUPPORTED', `The image was pushed, but its signature was not written: registries.d says signatures of ${formatReference(reference)} are staged at ${base}, and only file:// locations can be written. Set lookaside-staging to a file:// folder that your web server publishes.`);
  }
  const payload = makeSignedClaims(claims, ATOMIC_SIGNATURE_TYPE, optional);
  const signature = await gpgSign(payload, options.signer.fingerprint, { env: options.env, ...(options.signal ? { signal: options.signal } : {}) });
  return { format: 'simple-signing', location: await writeNextLookasideSignature(base, reference, manifestDigest, signature) };
}

async function writeNextLookasideSignature(base: string, reference: ImageReference, manifestDigest: string, signature: Buffer): Promise<string> {
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
