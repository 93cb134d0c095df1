// Cosign private key files for the signing tests.
//
// COSIGN_GENERATED_KEY was made by the real `cosign generate-key-pair` (it still has the older
// "ENCRYPTED COSIGN PRIVATE KEY" label) and published together with its public key and its
// passphrase "qwerty" as a throwaway research key. cosign itself is not packaged for Debian and
// there is no internet here, so this file is the independent check that Stevedore opens keys the
// way cosign writes them: the public key derived from it must be the one cosign wrote beside it.
//
// writeCosignKeyFile makes fresh keys in the same format for tests that need several keys.

import { generateKeyPairSync, randomBytes, scryptSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';

export const COSIGN_GENERATED_KEY = `-----BEGIN ENCRYPTED COSIGN PRIVATE KEY-----
eyJrZGYiOnsibmFtZSI6InNjcnlwdCIsInBhcmFtcyI6eyJOIjozMjc2OCwiciI6
OCwicCI6MX0sInNhbHQiOiJuREhhODhwVG1RcEtQQ0UraEY5Mk1aMWJtbEpiZ0R6
Y3QrcGtxYUJqL0xFPSJ9LCJjaXBoZXIiOnsibmFtZSI6Im5hY2wvc2VjcmV0Ym94
Iiwibm9uY2UiOiJ3WWNZUHUwTk5vWjVTbUgvQVA5SVRYeDdaUUtoMjYvZCJ9LCJj
aXBoZXJ0ZXh0IjoiZHdPK3FHWkpGSy9YbkJkMGg0b1hZb1VZSHBtckZPbE0xMTVH
MllpL2x5TWlIOHpzQTlQdEo0cVhTK1lLOVpOaXJ6RFIrVlc4OGpVZHUrbjZpTXYz
aGROTFNQckhJUytoT0ltcERLaWZOR3Q2cVNLTFBKc3Nya1lkd0tmZU1FUG9XMEk1
b2FQeVc3RDJSUnhWOUxPUEZaRTBUVjFJbkZRSXh6dDA0d2JSSGhDWEszYXJYdHJj
YUREWUpJUmJVQWgvTU9rWXZGa1NrQURVcmc9PSJ9
-----END ENCRYPTED COSIGN PRIVATE KEY-----
`;
export const COSIGN_GENERATED_PASSPHRASE = 'qwerty';
export const COSIGN_GENERATED_PUBLIC_KEY = `-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEKY+HSvGHv/jK2PswfOWSUotsk+eL
7vRos72I+P+Z7ojNEz4V8GNakVVQKcDL9vwSdgO45YGKo1STipWV+3BYsQ==
-----END PUBLIC KEY-----
`;

/** A new P-256 key written as cosign writes cosign.key (scrypt N=32768, r=8, p=1; nacl/secretbox), and its cosign.pub. */
export async function writeCosignKeyFile(keyPath: string, pubPath: string, passphrase: string): Promise<string> {
  const { xsalsa20poly1305 } = await import('@noble/ciphers/salsa.js');
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const salt = randomBytes(32);
  const nonce = randomBytes(24);
  const key = scryptSync(passphrase, salt, 32, { N: 32768, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
  const ciphertext = xsalsa20poly1305(key, nonce).encrypt(privateKey.export({ type: 'pkcs8', format: 'der' }));
  const body = JSON.stringify({
    kdf: { name: 'scrypt', params: { N: 32768, r: 8, p: 1 }, salt: salt.toString('base64') },
    cipher: { name: 'nacl/secretbox', nonce: nonce.toString('base64') },
    ciphertext: Buffer.from(ciphertext).toString('base64'),
  });
  const lines = Buffer.from(body).toString('base64').match(/.{1,64}/g)!.join('\n');
  await writeFile(keyPath, `-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n${lines}\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n`, { mode: 0o600 });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  await writeFile(pubPath, pem);
  return pem;
}
