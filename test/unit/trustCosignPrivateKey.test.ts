// Opening cosign private key files: a key written by the real cosign (its passphrase published with
// it) yields exactly the public key cosign wrote beside it; a wrong passphrase, a key that is not
// cosign's and a damaged file each get a message that says what to do.

import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readCosignPrivateKey } from '../../src/core/trust/cosignPrivateKey';
import { COSIGN_GENERATED_KEY, COSIGN_GENERATED_PASSPHRASE, COSIGN_GENERATED_PUBLIC_KEY, writeCosignKeyFile } from '../helpers/cosignKeyFile';
import { tempDir } from '../helpers/fixtures';

describe('cosign private key files', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let cosignMade: string;
  before(async () => {
    dir = await tempDir();
    cosignMade = join(dir.path, 'cosign.key');
    await writeFile(cosignMade, COSIGN_GENERATED_KEY);
  });
  after(async () => dir?.cleanup());

  it('opens a key made by cosign generate-key-pair to the public key cosign wrote for it', async () => {
    const key = await readCosignPrivateKey(cosignMade, COSIGN_GENERATED_PASSPHRASE);
    assert.equal(key.publicKeyPem, COSIGN_GENERATED_PUBLIC_KEY);
    assert.equal(key.privateKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  });

  it('opens the newer ENCRYPTED SIGSTORE PRIVATE KEY label', async () => {
    const pem = await writeCosignKeyFile(join(dir.path, 'new.key'), join(dir.path, 'new.pub'), '');
    assert.equal((await readCosignPrivateKey(join(dir.path, 'new.key'), '')).publicKeyPem, pem);
  });

  it('a wrong passphrase says so and names where the passphrase comes from', async () => {
    await assert.rejects(readCosignPrivateKey(cosignMade, 'qwertz'), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'INVALID_ARGUMENT');
      assert.match(err.message, /The passphrase does not open the sigstore private key .*cosign\.key.*--sign-passphrase-file FILE, or COSIGN_PASSWORD/);
      return true;
    });
  });

  it('refuses a plain PEM private key and a damaged cosign key, saying what it found', async () => {
    const plain = join(dir.path, 'plain.pem');
    await writeFile(plain, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    await assert.rejects(readCosignPrivateKey(plain, ''), /is not a cosign private key: it has a "PRIVATE KEY" PEM block/);
    const damaged = join(dir.path, 'damaged.key');
    const text = await readFile(cosignMade, 'utf8');
    await writeFile(damaged, text.replace('eyJrZGYiOnsibmFtZSI6InNjcnlwdCIs', 'eyJrZGYiOnsibmFtZSI6InBia2RmMiIs'));
    await assert.rejects(readCosignPrivateKey(damaged, COSIGN_GENERATED_PASSPHRASE), /looks like a cosign private key but/);
  });
});
