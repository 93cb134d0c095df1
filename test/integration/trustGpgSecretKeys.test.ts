// The signing-key picker of Push and Sign… lists what the user's gpg can sign with: each secret
// key's fingerprint and user ID, read from a real gpg keyring (a temporary GNUPGHOME); a keyring
// without secret keys, and a gpg that cannot run, list nothing instead of failing.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import { listGpgSecretKeys } from '../../src/core/trust/gpgSecretKeys';
import { tempDir } from '../helpers/fixtures';
import { makeGnupgHome, makeGpgKey, type GpgKey } from '../helpers/gpgKeys';

describe("gpg's secret keys for the signing picker", () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let home: string;
  let alice: GpgKey;
  let bob: GpgKey;
  before(async () => {
    dir = await tempDir('sd-gpgkeys-');
    home = await makeGnupgHome(dir.path);
    alice = await makeGpgKey(home, 'alice');
    bob = await makeGpgKey(home, 'bob');
  });
  after(async () => dir?.cleanup());

  it('lists each secret key with its fingerprint and user ID', async () => {
    const keys = await listGpgSecretKeys({ ...process.env, GNUPGHOME: home });
    assert.deepEqual(
      keys.sort((a, b) => (a.userId ?? '').localeCompare(b.userId ?? '')),
      [
        { fingerprint: alice.fingerprint, userId: 'alice <alice@stevedore.test>' },
        { fingerprint: bob.fingerprint, userId: 'bob <bob@stevedore.test>' },
      ],
    );
  });

  it('an empty keyring and a missing gpg list nothing', async () => {
    assert.deepEqual(await listGpgSecretKeys({ ...process.env, GNUPGHOME: await makeGnupgHome(join(dir.path, 'empty')) }), []);
    assert.deepEqual(await listGpgSecretKeys({ ...process.env, PATH: join(dir.path, 'no-bin') }), []);
  });
});
