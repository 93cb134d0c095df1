// Stevedore signs, podman verifies: `stevedore push --sign-by` signs through the real gpg and
// stages the signature where registries.d says; podman 4.3 pulls it under a signedBy policy with
// the same registries.d, and refuses it once the signature is tampered with. Stevedore's own pull
// accepts it too. A lookaside that cannot be written makes the push fail and say so.

import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FileImageStore } from '../../src/core/store/fileImageStore';
import { run, runCli } from '../helpers/cli';
import { importBuffer, randomRootfs, tempDir } from '../helpers/fixtures';
import { makeGnupgHome, makeGpgKey, writeJson, type GpgKey } from '../helpers/gpgKeys';
import { startRegistry, type RunningRegistry } from '../helpers/registry';

describe('push --sign-by, verified by podman', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let registry: RunningRegistry;
  let key: GpgKey;
  let gnupg: string;
  let staging: string;
  let home: string;
  let registriesD: string;
  let policy: string;
  let source: string;
  let digest: string;

  before(async () => {
    // Short: podman refuses a runroot longer than 50 characters.
    dir = await tempDir('sd-sign-');
    registry = await startRegistry({});
    gnupg = await makeGnupgHome(dir.path);
    key = await makeGpgKey(gnupg, 'pusher');
    staging = join(dir.path, 'sigs');
    home = join(dir.path, 'h');
    // podman has no --registries.d: it reads the user's folder, so HOME points at one.
    registriesD = join(home, '.config', 'containers', 'registries.d');
    await mkdir(registriesD, { recursive: true });
    await writeFile(join(registriesD, 'test.yaml'), `docker:\n  ${registry.host}:\n    lookaside: file://${staging}\n`);
    policy = await writeJson(join(dir.path, 'policy.json'), {
      default: [{ type: 'reject' }],
      transports: { docker: { [registry.host]: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: key.publicKeyFile }] } },
    });
    source = join(dir.path, 'src');
    await importBuffer(await FileImageStore.open(source), await randomRootfs(2, 20_000), `${registry.host}/team/app:1.0`);
  });
  after(async () => {
    await registry?.stop();
    await dir?.cleanup();
  });

  const env = (): NodeJS.ProcessEnv => ({ HOME: home, GNUPGHOME: gnupg, DOCKER_CONFIG: join(home, '.docker'), DOCKER_CONTENT_TRUST: '' });
  const podmanPull = (name: string) =>
    run('podman', ['--root', join(dir.path, `r-${name}`), '--runroot', join(dir.path, `rr-${name}`), '--storage-driver', 'vfs', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file', 'pull', '--tls-verify=false', '--signature-policy', policy, `${registry.host}/team/app:1.0`], { env: { HOME: home } });

  it('push --sign-by stages a signature podman accepts, and Stevedore too', async () => {
    const pushed = await runCli(source, ['push', '--sign-by', key.fingerprint, `${registry.host}/team/app:1.0`], { env: env() });
    assert.equal(pushed.code, 0, pushed.stdout + pushed.stderr);
    digest = /digest: (sha256:[a-f0-9]{64})/.exec(pushed.stdout)![1]!;
    const sigDir = join(staging, 'team', `app@${digest.replace(':', '=')}`);
    assert.deepEqual(await readdir(sigDir), ['signature-1']);
    assert.match(pushed.stdout, new RegExp(`Storing signature: ${sigDir.replace(/[.]/g, '\\.')}/signature-1`));
    const pulled = await podmanPull('ok');
    assert.equal(pulled.code, 0, pulled.stdout + pulled.stderr);
    const ours = await runCli(join(dir.path, 'mine'), ['pull', '--signature-policy', policy, `${registry.host}/team/app:1.0`], { env: env() });
    assert.equal(ours.code, 0, ours.stderr);
  });

  it('podman refuses the image once its signature is tampered with', async () => {
    const file = join(staging, 'team', `app@${digest.replace(':', '=')}`, 'signature-1');
    const bytes = await readFile(file);
    const tampered = Buffer.from(bytes);
    tampered[tampered.length - 8] = tampered[tampered.length - 8]! ^ 0xff;
    await writeFile(file, tampered);
    try {
      const pulled = await podmanPull('bad');
      assert.notEqual(pulled.code, 0, pulled.stdout);
      assert.match(pulled.stderr, /Source image rejected/);
      // Rejected for the damaged signature, not for want of one.
      assert.doesNotMatch(pulled.stderr, /no signature exists/);
    } finally {
      await writeFile(file, bytes);
    }
  });

  it('a second push adds signature-2; a lookaside that cannot be written fails the push and says so', async () => {
    const again = await runCli(source, ['push', '-q', '--sign-by', key.fingerprint, `${registry.host}/team/app:1.0`], { env: env() });
    assert.equal(again.code, 0, again.stderr);
    assert.deepEqual(await readdir(join(staging, 'team', `app@${digest.replace(':', '=')}`)), ['signature-1', 'signature-2']);
    const httpOnly = join(dir.path, 'http.d');
    await mkdir(httpOnly);
    await writeFile(join(httpOnly, 'x.yaml'), `docker:\n  ${registry.host}:\n    lookaside: http://127.0.0.1:9/sigs\n`);
    const refused = await runCli(source, ['push', '--sign-by', key.fingerprint, '--registries.d', httpOnly, `${registry.host}/team/app:1.0`], { env: env() });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /The image was pushed, but its signature was not written: .*only file:\/\/ locations can be written/);
    const unknownKey = await runCli(source, ['push', '--sign-by', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', `${registry.host}/team/app:1.0`], { env: env() });
    assert.equal(unknownKey.code, 1);
    assert.match(unknownKey.stderr, /gpg could not sign with key A{40}/);
  });
});
