// The real docker-registry in its secured setups — TLS with a throw-away CA, htpasswd Basic auth,
// and Bearer tokens from a token service it trusts — driven through the built CLI with a private
// HOME, so logins land in that HOME's ~/.docker/config.json exactly as `docker login` would put them.

import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ImageStore } from '../../src/core/store/imageStore';
import { FileImageStore } from '../../src/core/store/fileImageStore';
import { pullImage } from '../../src/core/registry/pullImage';
import { RegistryClients } from '../../src/core/registry/registryClients';
import { CLI, run, runCli } from '../helpers/cli';
import { installTestCredentialHelper, TEST_HELPER } from '../helpers/credentialHelper';
import { startFaultProxy } from '../helpers/faultProxy';
import { onTerminal } from '../helpers/terminal';
import { importBuffer, randomRootfs, tempDir } from '../helpers/fixtures';
import { startRegistry, type RunningRegistry } from '../helpers/registry';
import { writePolicy } from '../helpers/registryImages';
import { startTokenService, type RunningTokenService } from '../helpers/tokenService';

interface Sandbox {
  dir: string;
  env: NodeJS.ProcessEnv;
  source: ImageStore;
  cleanup: () => Promise<void>;
}

async function sandbox(): Promise<Sandbox> {
  const { path, cleanup } = await tempDir();
  const home = join(path, 'home');
  await mkdir(join(path, 'run'), { recursive: true });
  const env = { HOME: home, DOCKER_CONFIG: join(home, '.docker'), XDG_RUNTIME_DIR: join(path, 'run'), XDG_CONFIG_HOME: join(home, '.config'), REGISTRY_AUTH_FILE: '' };
  return { dir: path, env, source: await FileImageStore.open(join(path, 'source')), cleanup };
}

async function dockerConfig(box: Sandbox): Promise<{ auths?: Record<string, { auth?: string; identitytoken?: string }>; credsStore?: string }> {
  return JSON.parse(await readFile(join(box.env.DOCKER_CONFIG!, 'config.json'), 'utf8')) as { auths?: Record<string, { auth?: string }> };
}

describe('a TLS registry with a self-signed CA', () => {
  let box: Sandbox;
  let registry: RunningRegistry;
  before(async () => {
    box = await sandbox();
    registry = await startRegistry({ tls: true });
    await importBuffer(box.source, await randomRootfs(2, 600_000), `${registry.host}/tls/app:1`);
  });
  after(async () => {
    await registry.stop();
    await box.cleanup();
  });

  it('works on loopback without the CA, as Docker treats loopback registries as insecure', async () => {
    const push = await runCli(box.source.root, ['push', `${registry.host}/tls/app:1`], { env: box.env });
    assert.equal(push.code, 0, push.stderr);
    const pull = await runCli(join(box.dir, 'pulled'), ['pull', `${registry.host}/tls/app:1`], { env: box.env });
    assert.equal(pull.code, 0, pull.stderr);
  });

  it('verifying loopback too: an unknown CA is refused with advice, a CA in certs.d is trusted', async () => {
    const env = { ...box.env, STEVEDORE_SECURE_LOOPBACK: '1' };
    const refused = await runCli(join(box.dir, 'strict'), ['pull', `${registry.host}/tls/app:1`], { env });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, new RegExp(`TLS certificate of ${registry.host} is not trusted.*certs\\.d/${registry.host}/ca\\.crt`));
    const certsDir = join(box.env.HOME!, '.docker', 'certs.d', registry.host);
    await mkdir(certsDir, { recursive: true });
    await copyFile(registry.caFile!, join(certsDir, 'ca.crt'));
    const trusted = await runCli(join(box.dir, 'strict'), ['pull', `${registry.host}/tls/app:1`], { env });
    assert.equal(trusted.code, 0, trusted.stderr);
  });
});

describe('an htpasswd (Basic auth) registry', () => {
  let box: Sandbox;
  let registry: RunningRegistry;
  let policy: string;
  before(async () => {
    box = await sandbox();
    registry = await startRegistry({ htpasswd: { username: 'alice', password: 'wonderland' } });
    policy = await writePolicy(box.dir);
    await importBuffer(box.source, await randomRootfs(2, 600_000), `${registry.host}/basic/app:1`);
  });
  after(async () => {
    await registry.stop();
    await box.cleanup();
  });

  it('without a login, push and pull fail and say how to log in', async () => {
    const push = await runCli(box.source.root, ['push', `${registry.host}/basic/app:1`], { env: box.env });
    assert.equal(push.code, 1);
    assert.match(push.stderr, new RegExp(`Log in with "stevedore login ${registry.host}"`));
  });

  it('a wrong password is refused and nothing is stored; the password never appears in output', async () => {
    const out = await runCli(box.source.root, ['login', '-u', 'alice', '--password-stdin', registry.host], { env: box.env, input: 'not-the-password\n' });
    assert.equal(out.code, 1);
    assert.match(out.stderr, /incorrect username or password/);
    assert.doesNotMatch(out.stdout + out.stderr, /not-the-password/);
    await assert.rejects(readFile(join(box.env.DOCKER_CONFIG!, 'config.json')));
  });

  it('an interactive login on a terminal asks for both, echoes the username and never the password', async () => {
    const env = { ...box.env, DOCKER_CONFIG: join(box.dir, 'interactive-docker') };
    const out = await onTerminal([process.execPath, CLI, '--store', box.source.root, 'login', registry.host], env, [
      ['Username: ', 'alice\r'],
      ['Password: ', 'wonderland\r'],
    ]);
    assert.equal(out.code, 0, out.output);
    assert.match(out.output, /Username: alice\r?\n/);
    assert.match(out.output, /Login Succeeded/);
    assert.doesNotMatch(out.output, /wonderland/);
    const config = JSON.parse(await readFile(join(env.DOCKER_CONFIG, 'config.json'), 'utf8')) as { auths: Record<string, { auth: string }> };
    assert.equal(config.auths[registry.host]!.auth, Buffer.from('alice:wonderland').toString('base64'));
  });

  it('login stores the credentials as docker login does; push and pull then work', async () => {
    const out = await runCli(box.source.root, ['login', '-u', 'alice', '--password-stdin', registry.host], { env: box.env, input: 'wonderland\n' });
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout, 'Login Succeeded\n');
    assert.match(out.stderr, /WARNING! Your password will be stored unencrypted/);
    const config = await dockerConfig(box);
    assert.equal(config.auths![registry.host]!.auth, Buffer.from('alice:wonderland').toString('base64'));
    assert.equal((await runCli(box.source.root, ['push', `${registry.host}/basic/app:1`], { env: box.env })).code, 0);
    const pull = await runCli(join(box.dir, 'pulled'), ['pull', `${registry.host}/basic/app:1`], { env: box.env });
    assert.equal(pull.code, 0, pull.stderr);
  });

  it('skopeo uses the login stevedore stored', async () => {
    const out = await run('skopeo', ['--policy', policy, 'inspect', '--tls-verify=false', `docker://${registry.host}/basic/app:1`], { env: box.env });
    assert.equal(out.code, 0, out.stderr);
  });

  it('logout forgets it; a login made by skopeo (auth.json) is then used by stevedore', async () => {
    const logout = await runCli(box.source.root, ['logout', registry.host], { env: box.env });
    assert.equal(logout.stdout, `Removing login credentials for ${registry.host}\n`);
    assert.equal((await runCli(box.source.root, ['logout', registry.host], { env: box.env })).stdout, `Not logged in to ${registry.host}\n`);
    const denied = await runCli(join(box.dir, 'again'), ['pull', `${registry.host}/basic/app:1`], { env: box.env });
    assert.equal(denied.code, 1);
    const authFile = join(box.dir, 'auth.json');
    const login = await run('skopeo', ['login', '--authfile', authFile, '--tls-verify=false', '-u', 'alice', '--password-stdin', registry.host], { env: box.env, input: 'wonderland\n' });
    assert.equal(login.code, 0, login.stderr);
    const pull = await runCli(join(box.dir, 'again'), ['pull', `${registry.host}/basic/app:1`], { env: { ...box.env, REGISTRY_AUTH_FILE: authFile } });
    assert.equal(pull.code, 0, pull.stderr);
  });

  it('with a credsStore, login goes through the credential helper and logout erases it there', async () => {
    const bin = join(box.dir, 'bin');
    await installTestCredentialHelper(bin);
    const credFile = join(box.dir, 'helper-secrets.json');
    const env = { ...box.env, PATH: `${bin}:${process.env.PATH ?? ''}`, STEVEDORE_TEST_CRED_FILE: credFile };
    await writeFile(join(box.env.DOCKER_CONFIG!, 'config.json'), JSON.stringify({ credsStore: TEST_HELPER, auths: {} }));
    const login = await runCli(box.source.root, ['login', '-u', 'alice', '--password-stdin', registry.host], { env, input: 'wonderland' });
    assert.equal(login.code, 0, login.stderr);
    assert.doesNotMatch(login.stderr, /unencrypted/);
    const config = await dockerConfig(box);
    assert.deepEqual(config.auths![registry.host], {});
    assert.equal(config.credsStore, TEST_HELPER);
    assert.deepEqual(JSON.parse(await readFile(credFile, 'utf8')), { [registry.host]: { Username: 'alice', Secret: 'wonderland' } });
    const pull = await runCli(join(box.dir, 'via-helper'), ['pull', `${registry.host}/basic/app:1`], { env });
    assert.equal(pull.code, 0, pull.stderr);
    const logout = await runCli(box.source.root, ['logout', registry.host], { env });
    assert.equal(logout.stdout, `Removing login credentials for ${registry.host}\n`);
    assert.deepEqual(JSON.parse(await readFile(credFile, 'utf8')), {});
  });
});

describe('a token-auth registry trusting a token service of the tests', () => {
  let box: Sandbox;
  let registry: RunningRegistry;
  let tokens: RunningTokenService;
  before(async () => {
    box = await sandbox();
    tokens = await startTokenService({
      users: { alice: 'queen-of-hearts', bob: 'builder' },
      grant: (account, type, name, requested) => {
        if (type !== 'repository') return [];
        if (account === 'alice') return requested;
        if (account === 'bob' || name.startsWith('public/')) return requested.filter((a) => a === 'pull');
        return [];
      },
    });
    registry = await startRegistry({ token: tokens.registryAuth });
    await importBuffer(box.source, await randomRootfs(2, 600_000), `${registry.host}/private/app:1`);
    await importBuffer(box.source, await randomRootfs(2, 20_000), `${registry.host}/public/app:1`);
  });
  after(async () => {
    await registry.stop();
    await tokens.stop();
    await box.cleanup();
  });

  it('a wrong password gets a clear message', async () => {
    const out = await runCli(box.source.root, ['login', '-u', 'alice', '--password-stdin', registry.host], { env: box.env, input: 'off-with-his-head' });
    assert.equal(out.code, 1);
    assert.match(out.stderr, /refused the credentials: incorrect username or password/);
  });

  it('login keeps the identity token the service issues; push and pull use the OAuth2 refresh flow', async () => {
    const login = await runCli(box.source.root, ['login', '-u', 'alice', '--password-stdin', registry.host], { env: box.env, input: 'queen-of-hearts' });
    assert.equal(login.code, 0, login.stderr);
    const entry = (await dockerConfig(box)).auths![registry.host]!;
    assert.ok(entry.identitytoken, 'identity token stored');
    assert.equal(Buffer.from(entry.auth!, 'base64').toString(), 'alice:', 'no password stored next to an identity token');
    for (const repo of ['private/app:1', 'public/app:1']) {
      const push = await runCli(box.source.root, ['push', `${registry.host}/${repo}`], { env: box.env });
      assert.equal(push.code, 0, push.stderr);
    }
    assert.ok(tokens.requests.some((r) => r.method === 'POST' && r.grantType === 'refresh_token' && r.account === 'alice' && r.scopes.includes('repository:private/app:pull,push')));
    const pull = await runCli(join(box.dir, 'alice'), ['pull', `${registry.host}/private/app:1`], { env: box.env });
    assert.equal(pull.code, 0, pull.stderr);
  });

  it('anonymous pulls work where the service grants them and are refused elsewhere', async () => {
    const anonymous = { ...box.env, DOCKER_CONFIG: join(box.dir, 'nobody') };
    const pub = await runCli(join(box.dir, 'anon'), ['pull', `${registry.host}/public/app:1`], { env: anonymous });
    assert.equal(pub.code, 0, pub.stderr);
    const priv = await runCli(join(box.dir, 'anon'), ['pull', `${registry.host}/private/app:1`], { env: anonymous });
    assert.equal(priv.code, 1);
    assert.match(priv.stderr, /refused the request .*Log in with "stevedore login/);
  });

  it('a user with pull rights only cannot push, and is told so', async () => {
    const clients = new RegistryClients({ credentials: async () => ({ username: 'bob', password: 'builder' }) });
    try {
      const store = await FileImageStore.open(join(box.dir, 'bob'));
      await pullImage(store, clients, { reference: `${registry.host}/private/app:1` });
      const { pushImage } = await import('../../src/core/registry/pushImage');
      await importBuffer(store, await randomRootfs(1, 100), `${registry.host}/private/app:bob`);
      await assert.rejects(pushImage(store, clients, { reference: `${registry.host}/private/app:bob` }), (err: Error & { code?: string }) => {
        assert.ok(err.code === 'UNAUTHORIZED' || err.code === 'DENIED', err.message);
        assert.doesNotMatch(err.message, /builder/);
        return true;
      });
    } finally {
      await clients.close();
    }
  });

  it('a mount across repositories asks one token for both scopes, push scope first', async () => {
    const before = tokens.requests.length;
    assert.equal((await runCli(box.source.root, ['tag', `${registry.host}/private/app:1`, `${registry.host}/private/copy:1`])).code, 0);
    const push = await runCli(box.source.root, ['push', `${registry.host}/private/copy:1`], { env: box.env });
    assert.equal(push.code, 0, push.stderr);
    assert.match(push.stdout, /Mounted from private\/app/);
    const asked = tokens.requests.slice(before).map((r) => r.scopes.join(' '));
    assert.ok(asked.includes('repository:private/copy:pull,push repository:private/app:pull'), asked.join('\n'));
  });

  it('a 401 with insufficient_scope is answered by asking again with the scope the registry names', async () => {
    const clients = new RegistryClients({ credentials: async () => ({ username: 'alice', password: 'queen-of-hearts' }) });
    try {
      const client = clients.for(registry.host);
      // Ask with no scope at all: the registry's challenge names the scope, and the client retries with it.
      const res = await client.request({ method: 'GET', url: '/v2/private/app/tags/list', scopes: [] });
      assert.equal(res.status, 200);
      assert.deepEqual(((await res.body.json()) as { tags: string[] }).tags, ['1']);
    } finally {
      await clients.close();
    }
  });

  it('a redirect to blob storage on another host gets no Authorization header', async () => {
    const proxy = await startFaultProxy(registry.url);
    const clients = new RegistryClients({ credentials: async () => ({ username: 'alice', password: 'queen-of-hearts' }) });
    try {
      proxy.inject({ method: 'GET', path: /\/blobs\/sha256:/, fault: { kind: 'redirectToStorage' }, times: 100 });
      const store = await FileImageStore.open(join(box.dir, 'redirected'));
      const result = await pullImage(store, clients, { reference: `${proxy.host}/private/app:1` });
      assert.equal(result.record.refs[0], `${proxy.host}/private/app:1`);
      const blobGets = proxy.requests.filter((r) => r.method === 'GET' && r.path.includes('/blobs/'));
      assert.ok(blobGets.length >= 2 && blobGets.every((r) => r.authorization), 'the registry itself got credentials');
      assert.equal(proxy.storageRequests.length, blobGets.length);
      assert.ok(proxy.storageRequests.every((r) => !r.authorization), 'blob storage got none');
      // The layers (1.2 MB) took the socket path (socketGet.ts), the config undici's: both drop the header.
      assert.ok(proxy.storageRequests.some((r) => r.connectionClose) && proxy.storageRequests.some((r) => !r.connectionClose));
    } finally {
      await clients.close();
      await proxy.stop();
    }
  });
});

describe('Basic credentials and a token service (realm) on plain HTTP', () => {
  let box: Sandbox;
  let tokens: RunningTokenService;
  let tlsRegistry: RunningRegistry;
  let plainRegistry: RunningRegistry;
  const alice = async (): Promise<{ username: string; password: string }> => ({ username: 'alice', password: 'queen-of-hearts' });
  before(async () => {
    box = await sandbox();
    // The realm is http://127.0.0.1:PORT/token: plain HTTP, on another port than either registry.
    tokens = await startTokenService({ users: { alice: 'queen-of-hearts' } });
    tlsRegistry = await startRegistry({ tls: true, token: tokens.registryAuth });
    plainRegistry = await startRegistry({ token: tokens.registryAuth });
  });
  after(async () => {
    await tlsRegistry.stop();
    await plainRegistry.stop();
    await tokens.stop();
    await box.cleanup();
  });

  it('a registry reached over HTTPS never gets its realm sent credentials over plain HTTP, even when the realm host is allowed insecure', async () => {
    const tokenHost = new URL(tokens.realm).host;
    const clients = new RegistryClients({ credentials: alice, insecureRegistries: [tokenHost] });
    const before = tokens.requests.length;
    try {
      await assert.rejects(pullImage(await FileImageStore.open(join(box.dir, 'a')), clients, { reference: `${tlsRegistry.host}/private/app:1` }), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'UNAUTHORIZED');
        assert.match(err.message, new RegExp(`${tlsRegistry.host} was reached over HTTPS but names a token service over plain HTTP \\(http://${tokenHost}\\); Stevedore does not send your credentials there`));
        return true;
      });
      await assert.rejects(clients.for(tlsRegistry.host).verifyCredential({ username: 'alice', password: 'queen-of-hearts' }), /does not send your credentials there/);
    } finally {
      await clients.close();
    }
    assert.deepEqual(tokens.requests.slice(before).filter((r) => r.authorized), [], 'the token service never saw the credentials');
  });

  it('a plain-HTTP realm gets credentials only when its host is allowed for insecure use', async () => {
    const tokenHost = new URL(tokens.realm).host;
    const store = await FileImageStore.open(join(box.dir, 'b'));
    // Loopback is not trusted blindly here: only what is listed may use plain HTTP.
    const strict = new RegistryClients({ credentials: alice, insecureLoopback: false, insecureRegistries: [plainRegistry.host] });
    const before = tokens.requests.length;
    try {
      await assert.rejects(pullImage(store, strict, { reference: `${plainRegistry.host}/private/app:1` }), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'UNAUTHORIZED');
        assert.match(err.message, new RegExp(`names a token service over plain HTTP \\(http://${tokenHost}\\), a host not allowed for insecure use.*allow ${tokenHost} as an insecure registry`));
        return true;
      });
    } finally {
      await strict.close();
    }
    assert.deepEqual(tokens.requests.slice(before).filter((r) => r.authorized), []);
    const allowed = new RegistryClients({ credentials: alice, insecureLoopback: false, insecureRegistries: [plainRegistry.host, tokenHost] });
    try {
      // Now the credentials go: the token service checks them (the image does not exist, so the registry says so).
      await assert.rejects(pullImage(store, allowed, { reference: `${plainRegistry.host}/private/app:1` }), (err: Error & { code?: string }) => err.code !== 'UNAUTHORIZED');
    } finally {
      await allowed.close();
    }
    assert.ok(tokens.requests.slice(before).some((r) => r.authorized && r.account === 'alice'));
  });
});
