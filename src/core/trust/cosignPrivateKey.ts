// Cosign's private key file (`cosign generate-key-pair` writes cosign.key): a PEM block
// "ENCRYPTED SIGSTORE PRIVATE KEY" (older cosign: "ENCRYPTED COSIGN PRIVATE KEY") whose body is
// the JSON of go-securesystemslib's `encrypted` package: a key derived from the passphrase with
// scrypt (Node's crypto) that opens a NaCl secretbox (XSalsa20-Poly1305, @noble/ciphers: Node's
// crypto has no XSalsa20) holding the PKCS#8 DER private key. Only ECDSA P-256 keys are taken, as
// the cosign signature format (and c/image's sigstoreSigned check) expects them.

import { createPrivateKey, createPublicKey, scrypt, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { StevedoreError } from '../errors';

const PEM_LABELS = ['ENCRYPTED SIGSTORE PRIVATE KEY', 'ENCRYPTED COSIGN PRIVATE KEY'];
const MAX_KEY_FILE_BYTES = 64 * 1024;
// cosign writes N=32768, r=8, p=1; anything far above would make a crafted file eat memory and time.
const MAX_SCRYPT_N = 1 << 20;

export interface CosignPrivateKey {
  privateKey: KeyObject;
  /** The public half as PEM (SPKI), as cosign.pub holds it. */
  publicKeyPem: string;
}

interface EncryptedKey {
  salt: Buffer;
  n: number;
  r: number;
  p: number;
  nonce: Buffer;
  ciphertext: Buffer;
}

export async function readCosignPrivateKey(path: string, passphrase: string, signal?: AbortSignal): Promise<CosignPrivateKey> {
  let text: string;
  try {
    const bytes = await readFile(path, signal ? { signal } : {});
    if (bytes.length > MAX_KEY_FILE_BYTES) throw new Error('the file is larger than any key file');
    text = bytes.toString('utf8');
  } catch (err) {
    throw new StevedoreError('INVALID_ARGUMENT', `Cannot read the sigstore private key ${path}: ${(err as Error).message}.`, { cause: err });
  }
  const sealed = parseEncryptedKey(text, path);
  const key = await deriveKey(passphrase, sealed);
  const { xsalsa20poly1305 } = await import('@noble/ciphers/salsa.js');
  let der: Uint8Array;
  try {
    der = xsalsa20poly1305(key, sealed.nonce).decrypt(sealed.ciphertext);
  } catch {
    throw new StevedoreError('INVALID_ARGUMENT', `The passphrase does not open the sigstore private key ${path}. Give the one it was made with (--sign-passphrase-file FILE, or COSIGN_PASSWORD as cosign reads it).`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: Buffer.from(der), format: 'der', type: 'pkcs8' });
  } catch (err) {
    throw new StevedoreError('INVALID_ARGUMENT', `${path} opened, but what it holds is not a PKCS#8 private key (${(err as Error).message}).`, { cause: err });
  }
  if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    throw new StevedoreError('UNSUPPORTED', `${path} holds a ${privateKey.asymmetricKeyType} key${privateKey.asymmetricKeyDetails?.namedCurve ? ` on ${privateKey.asymmetricKeyDetails.namedCurve}` : ''}; cosign signatures need an ECDSA P-256 key (cosign generate-key-pair makes one).`);
  }
  return { privateKey, publicKeyPem: createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString() };
}

function parseEncryptedKey(text: string, path: string): EncryptedKey {
  const block = /-----BEGIN ([A-Z ]+)-----\r?\n([A-Za-z0-9+/=\r\n]+?)-----END \1-----/.exec(text);
  if (!block || !PEM_LABELS.includes(block[1]!)) {
    const found = block ? `a "${block[1]}" PEM block` : 'no PEM block';
    throw new StevedoreError('INVALID_ARGUMENT', `${path} is not a cosign private key: it has ${found}, where cosign generate-key-pair writes "-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----". (A GPG key is given with --sign-by instead.)`);
  }
  const malformed = (why: string): StevedoreError => new StevedoreError('INVALID_ARGUMENT', `${path} looks like a cosign private key but ${why}; make it again with cosign generate-key-pair.`);
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(block[2]!.replace(/\s+/g, ''), 'base64').toString('utf8'));
  } catch {
    throw malformed('its body is not the JSON cosign writes');
  }
  const o = json as { kdf?: { name?: unknown; params?: { N?: unknown; r?: unknown; p?: unknown }; salt?: unknown }; cipher?: { name?: unknown; nonce?: unknown }; ciphertext?: unknown };
  if (o?.kdf?.name !== 'scrypt') throw malformed(`its key derivation is ${JSON.stringify(o?.kdf?.name)}, not scrypt`);
  if (o.cipher?.name !== 'nacl/secretbox') throw malformed(`its cipher is ${JSON.stringify(o.cipher?.name)}, not nacl/secretbox`);
  const { N: n, r, p } = o.kdf.params ?? {};
  const ints = [n, r, p].every((v) => Number.isSafeInteger(v) && (v as number) > 0);
  if (!ints || (n as number) > MAX_SCRYPT_N || ((n as number) & ((n as number) - 1)) !== 0 || (r as number) > 32 || (p as number) > 16) throw malformed('its scrypt parameters are out of range');
  if (typeof o.kdf.salt !== 'string' || typeof o.cipher.nonce !== 'string' || typeof o.ciphertext !== 'string') throw malformed('it lacks the salt, nonce or ciphertext');
  const nonce = Buffer.from(o.cipher.nonce, 'base64');
  if (nonce.length !== 24) throw malformed('its nonce is not 24 bytes');
  return { salt: Buffer.from(o.kdf.salt, 'base64'), n: n as number, r: r as number, p: p as number, nonce, ciphertext: Buffer.from(o.ciphertext, 'base64') };
}

function deriveKey(passphrase: string, sealed: EncryptedKey): Promise<Buffer> {
  // scrypt needs 128·N·r bytes; Node's default cap (32 MiB) is just below cosign's own parameters.
  const maxmem = 128 * sealed.n * sealed.r + 16 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    scrypt(passphrase, sealed.salt, 32, { N: sealed.n, r: sealed.r, p: sealed.p, maxmem }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}
