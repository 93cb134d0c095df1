// Simple-signing signatures made with GPG (skopeo/podman `--sign-by`): an OpenPGP message holding
// the JSON payload, signed inline (usually compressed, one-pass signed). Verified with OpenPGP.js
// against the keys the policy names, so no `gpg` binary or keyring is touched when verifying.

import { readFile } from 'node:fs/promises';
import { StevedoreError } from '../errors';
import type { KeySource } from './policyTypes';
import { MalformedSignature } from './signaturePayload';

type OpenPgp = typeof import('openpgp');
type PublicKey = Awaited<ReturnType<OpenPgp['readKeys']>>[number];

export interface GpgKeyring {
  keys: PublicKey[];
  /** Primary key fingerprints, upper-case hex, as gpg prints them. */
  fingerprints: string[];
}

/** The signature verified, but with a key the policy does not list. */
export class UntrustedKey extends Error {
  constructor(readonly keyId: string) {
    super(`signed by key ${keyId.toUpperCase()}, which the policy does not trust`);
  }
}

let openpgpModule: Promise<OpenPgp> | undefined;
function openpgp(): Promise<OpenPgp> {
  // Loaded on first use: most commands never verify a signature. Through require(), so that the
  // bundles take openpgp's CommonJS build: its ES module build needs import.meta.url, which a
  // CommonJS bundle does not have.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  openpgpModule ??= Promise.resolve().then(() => require('openpgp') as OpenPgp);
  return openpgpModule;
}

/** Reads the keys a signedBy requirement names (armored or binary exports, one or many keys each). */
export async function loadGpgKeyring(sources: readonly KeySource[]): Promise<GpgKeyring> {
  const pgp = await openpgp();
  const keys: PublicKey[] = [];
  for (const source of sources) {
    const where = 'path' in source ? source.path : 'the keyData in the policy';
    let bytes: Buffer;
    try {
      bytes = 'path' in source ? await readFile(source.path) : source.data;
    } catch (err) {
      throw new StevedoreError('INVALID_POLICY', `Cannot read the GPG key ${where} named by the signature policy: ${(err as Error).message}`, { cause: err });
    }
    try {
      const text = bytes.toString('latin1');
      const found = text.includes('-----BEGIN PGP PUBLIC KEY BLOCK-----') ? await pgp.readKeys({ armoredKeys: text }) : await pgp.readKeys({ binaryKeys: bytes });
      keys.push(...found);
    } catch (err) {
      throw new StevedoreError('INVALID_POLICY', `${where} named by the signature policy holds no usable OpenPGP public key (${(err as Error).message}); export one with gpg --export KEY-ID > FILE.`, { cause: err });
    }
  }
  if (keys.length === 0) throw new StevedoreError('INVALID_POLICY', 'No public keys imported: the keys named by the signature policy hold no OpenPGP key.');
  return { keys, fingerprints: keys.map((k) => k.getFingerprint().toUpperCase()) };
}

/**
 * Verifies one signature and returns the signed payload and the fingerprint of the trusted key
 * that made it. Throws MalformedSignature (unreadable, bad signature) or UntrustedKey.
 */
export async function verifyGpgSignature(signature: Uint8Array, keyring: GpgKeyring): Promise<{ payload: Uint8Array; fingerprint: string }> {
  const pgp = await openpgp();
  let message: Awaited<ReturnType<OpenPgp['readMessage']>>;
  try {
    message = await pgp.readMessage({ binaryMessage: signature });
  } catch (err) {
    throw new MalformedSignature(`not an OpenPGP message (${(err as Error).message})`);
  }
  let result: Awaited<ReturnType<OpenPgp['verify']>>;
  let data: Uint8Array;
  try {
    result = await pgp.verify({ message, verificationKeys: keyring.keys, format: 'binary', expectSigned: false });
    data = result.data as Uint8Array;
  } catch (err) {
    throw new MalformedSignature(`the OpenPGP message cannot be read (${(err as Error).message})`);
  }
  if (result.signatures.length === 0) throw new MalformedSignature('the OpenPGP message carries no signature');
  let problem: Error | undefined;
  for (const sig of result.signatures) {
    const keyId = sig.keyID.toHex();
    const key = keyring.keys.find((k) => k.getKeys(sig.keyID).length > 0);
    if (!key) {
      problem ??= new UntrustedKey(keyId);
      continue;
    }
    try {
      await sig.verified;
      return { payload: data, fingerprint: key.getFingerprint().toUpperCase() };
    } catch (err) {
      problem = new MalformedSignature(`the signature by key ${keyId.toUpperCase()} does not verify (${(err as Error).message})`);
    }
  }
  throw problem!;
}
