// Cosign's simple signatures (the `sha256-<hex>.sig` tag c/image and cosign write): each layer of
// that manifest is a simple-signing payload, its signature in the layer's
// `dev.cosignproject.cosign/signature` annotation (base64). Checked with Node's crypto against the
// policy's public keys (PEM; ECDSA P-256 with SHA-256 as cosign makes them, RSA and Ed25519 too).

import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { StevedoreError } from '../errors';
import type { KeySource } from './policyTypes';

export const COSIGN_PAYLOAD_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const COSIGN_SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';

export interface SigstoreKey {
  key: KeyObject;
  /** Where it came from, for messages. */
  name: string;
}

export async function loadSigstoreKeys(sources: readonly KeySource[]): Promise<SigstoreKey[]> {
  const keys: SigstoreKey[] = [];
  for (const source of sources) {
    const name = 'path' in source ? source.path : 'keyData';
    let pem: Buffer;
    try {
      pem = 'path' in source ? await readFile(source.path) : source.data;
    } catch (err) {
      throw new StevedoreError('INVALID_POLICY', `Cannot read the public key ${name} named by the signature policy: ${(err as Error).message}`, { cause: err });
    }
    try {
      keys.push({ key: createPublicKey(pem), name });
    } catch (err) {
      throw new StevedoreError('INVALID_POLICY', `${name} named by the signature policy is not a PEM public key (${(err as Error).message}); cosign writes one with cosign generate-key-pair (cosign.pub).`, { cause: err });
    }
  }
  return keys;
}

/** The first key the signature verifies with, or undefined. */
export function verifyWithKeys(payload: Uint8Array, signature: Uint8Array, keys: readonly SigstoreKey[]): SigstoreKey | undefined {
  for (const k of keys) {
    const algorithm = k.key.asymmetricKeyType === 'ed25519' || k.key.asymmetricKeyType === 'ed448' ? null : 'sha256';
    try {
      if (verify(algorithm, payload, k.key, signature)) return k;
    } catch {
      // A signature of the wrong shape for this key type is simply not by this key.
    }
  }
  return undefined;
}
