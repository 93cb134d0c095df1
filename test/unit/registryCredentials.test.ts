// Where credentials are read from and written to: Docker's config.json (auths, credsStore,
// credHelpers through a real helper program), the containers tools' auth.json, and Docker Hub's
// several names. Every test has its own HOME.

import assert from 'node:assert/strict';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { dockerCredentials, eraseCredential, storeCredential } from '../../src/core/registry/credentials';
import { installTestCredentialHelper, TEST_HELPER } from '../helpers/credentialHelper';
import { tempDir } from '../helpers/fixtures';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('registry credentials', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let env: NodeJS.ProcessEnv;
  let configPath: string;

  beforeEach(async () => {
    dir = await tempDir();
    env = { HOME: join(dir.path, 'home'), PATH: process.env.PATH, XDG_RUNTIME_DIR: join(dir.path, 'run') };
    configPath = join(dir.path, 'home', '.docker', 'config.json');
    await mkdir(join(dir.path, 'home', '.docker'), { recursive: true });
  });
  afterEach(() => dir.cleanup());

  it('reads auths keyed by host, URL or Docker Hub\'s index URL', async () => {
    await writeFile(configPath, JSON.stringify({
      auths: {
        'https://index.docker.io/v1/': { auth: b64('hubuser:hubpass') },
        'http://reg.example.com:5000/v2/': { auth: b64('u:p:with:colons') },
        'ghcr.io': { username: 'me', password: 'tok' },
        'id.example.com': { auth: b64('me:'), identitytoken: 'refresh-123' },
      },
    }));
    const resolve = dockerCredentials(env);
    assert.deepEqual(await resolve('docker.io'), { username: 'hubuser', password: 'hubpass' });
    assert.deepEqual(await resolve('index.docker.io'), { username: 'hubuser', password: 'hubpass' });
    assert.deepEqual(await resolve('reg.example.com:5000'), { username: 'u', password: 'p:with:colons' });
    assert.deepEqual(await resolve('ghcr.io'), { username: 'me', password: 'tok' });
    assert.deepEqual(await resolve('id.example.com'), { username: 'me', identityToken: 'refresh-123' });
    assert.equal(await resolve('other.example.com'), undefined);
  });

  it('DOCKER_CONFIG moves the config; auth.json files of podman/skopeo come after it', async () => {
    const alt = join(dir.path, 'alt');
    await mkdir(alt);
    await writeFile(join(alt, 'config.json'), JSON.stringify({ auths: { 'a.example': { auth: b64('from:docker') } } }));
    await mkdir(join(dir.path, 'run', 'containers'), { recursive: true });
    await writeFile(join(dir.path, 'run', 'containers', 'auth.json'), JSON.stringify({ auths: { 'a.example': { auth: b64('from:podman') }, 'docker.io': { auth: b64('hub:podman') }, 'b.example': { auth: b64('only:podman') } } }));
    const resolve = dockerCredentials({ ...env, DOCKER_CONFIG: alt });
    assert.deepEqual(await resolve('a.example'), { username: 'from', password: 'docker' });
    assert.deepEqual(await resolve('b.example'), { username: 'only', password: 'podman' });
    assert.deepEqual(await resolve('docker.io'), { username: 'hub', password: 'podman' }, 'podman files Hub logins under docker.io');
    const authFile = join(dir.path, 'explicit-auth.json');
    await writeFile(authFile, JSON.stringify({ auths: { 'b.example': { auth: b64('explicit:file') } } }));
    assert.deepEqual(await dockerCredentials({ ...env, DOCKER_CONFIG: alt, REGISTRY_AUTH_FILE: authFile })('b.example'), { username: 'explicit', password: 'file' });
  });

  it('asks the credential helper named by credHelpers or credsStore; "<token>" means an identity token', async () => {
    const bin = join(dir.path, 'bin');
    await installTestCredentialHelper(bin);
    const credFile = join(dir.path, 'secrets.json');
    await writeFile(credFile, JSON.stringify({ 'h.example': { Username: 'helper', Secret: 's3cret' }, 'https://index.docker.io/v1/': { Username: '<token>', Secret: 'idtok' } }));
    const helperEnv = { ...env, PATH: `${bin}:${process.env.PATH ?? ''}`, STEVEDORE_TEST_CRED_FILE: credFile };
    await writeFile(configPath, JSON.stringify({ credHelpers: { 'h.example': TEST_HELPER }, auths: { 'h.example': { auth: b64('stale:entry') } } }));
    assert.deepEqual(await dockerCredentials(helperEnv)('h.example'), { username: 'helper', password: 's3cret' });
    await writeFile(configPath, JSON.stringify({ credsStore: TEST_HELPER }));
    assert.deepEqual(await dockerCredentials(helperEnv)('docker.io'), { identityToken: 'idtok' });
    assert.equal(await dockerCredentials(helperEnv)('none.example'), undefined, '"credentials not found" is no credentials, not an error');
  });

  it('a helper that is not installed gets an error naming it', async () => {
    await writeFile(configPath, JSON.stringify({ credsStore: 'no-such-helper-xyz' }));
    await assert.rejects(dockerCredentials(env)('r.example'), /docker-credential-no-such-helper-xyz .*not installed/);
  });

  it('store and erase keep other settings, and write the file for its owner only', async () => {
    await writeFile(configPath, JSON.stringify({ auths: { 'keep.example': { auth: b64('k:v') } }, psFormat: 'table {{.ID}}', HttpHeaders: { 'X-Test': '1' } }));
    const stored = await storeCredential(env, 'new.example:5000', { username: 'u', password: 'p' });
    assert.deepEqual(stored, { storedIn: configPath, plainText: true });
    const config = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown> & { auths: Record<string, { auth: string }> };
    assert.equal(config.psFormat, 'table {{.ID}}');
    assert.deepEqual(config.HttpHeaders, { 'X-Test': '1' });
    assert.equal(config.auths['new.example:5000']!.auth, b64('u:p'));
    assert.equal((await stat(configPath)).mode & 0o777, 0o600);
    await storeCredential(env, 'https://index.docker.io/v1/', { username: 'hub', password: 'x' });
    assert.ok((JSON.parse(await readFile(configPath, 'utf8')) as { auths: Record<string, unknown> }).auths['https://index.docker.io/v1/']);
    assert.equal(await eraseCredential(env, 'new.example:5000'), true);
    assert.equal(await eraseCredential(env, 'new.example:5000'), false);
    const after = JSON.parse(await readFile(configPath, 'utf8')) as { auths: Record<string, unknown> };
    assert.deepEqual(Object.keys(after.auths).sort(), ['https://index.docker.io/v1/', 'keep.example']);
  });

  it('a damaged config file is reported by name', async () => {
    await writeFile(configPath, '{ not json');
    await assert.rejects(dockerCredentials(env)('r.example'), (err: Error) => err.message.includes(configPath) && !err.message.includes('not json'));
  });
});
