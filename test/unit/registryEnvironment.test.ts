// One environment, one set of registry options: the CLI (flags on top) and the extension (VS Code
// settings on top) both build theirs with registryOptionsFromEnv, so a variable the CLI honours
// counts in the extension too unless a setting the user made says otherwise.

import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { registryOptions } from '../../src/cli/registrySettings';
import { createContext } from '../../src/cli/context';
import { proxySettingsFromEnv } from '../../src/core/registry/proxySettings';
import type { RegistryOptions } from '../../src/core/registry/registryOptions';
import { RegistryAccess } from '../../src/extension/registries/registryAccess';
import type { SecretCredentials } from '../../src/extension/registries/secretCredentials';
import type { StevedoreSettings } from '../../src/extension/settings';
import { tempDir } from '../helpers/fixtures';

const b64 = (s: string): string => Buffer.from(s).toString('base64');

/** The extension's settings with nothing set by the user (proxy: VS Code's http.proxy unset, so the environment's). */
function untouchedSettings(env: NodeJS.ProcessEnv, overrides: Partial<StevedoreSettings> = {}): StevedoreSettings {
  return {
    storePath: '/unused',
    groupBy: 'repository',
    sortBy: 'created',
    showDangling: false,
    registries: [],
    insecureRegistries: [],
    maxConcurrentDownloads: 4,
    maxConcurrentUploads: 4,
    defaultPlatform: '',
    confirmRemove: true,
    confirmPrune: true,
    useDockerCredentials: true,
    catalogPageSize: 100,
    dockerHubSearchEndpoint: '',
    proxy: proxySettingsFromEnv(env),
    hiddenSources: [],
    engineEndpoints: [],
    dockerHost: '',
    podmanHost: '',
    trustPolicyPath: '',
    trustRegistriesDir: '',
    trustSigningKey: '',
    containersProcess: 'auto',
    ...overrides,
  };
}

const noSecrets = { get: async () => undefined } as unknown as SecretCredentials;

function cliOptions(env: NodeJS.ProcessEnv, flags: Record<string, string | string[]> = {}): RegistryOptions {
  const ctx = createContext({ stdout: new PassThrough(), stderr: new PassThrough(), stdin: new PassThrough(), env, signal: new AbortController().signal });
  return registryOptions(ctx, flags);
}

function extensionOptions(env: NodeJS.ProcessEnv, overrides: Partial<StevedoreSettings> = {}): RegistryOptions {
  return new RegistryAccess(() => untouchedSettings(env, overrides), noSecrets, env).options();
}

/** The options as data: the functions are called for what they give. */
async function observable(options: RegistryOptions): Promise<Record<string, unknown>> {
  const { credentials, hubMirrors, plainHttpMemory, userAgent: _ua, ...data } = options;
  return {
    ...data,
    credential: await credentials?.('reg.example.com'),
    mirrors: await hubMirrors?.(),
    rememberedPlainHttp: await plainHttpMemory?.spokePlainHttp('127.0.0.1:5000'),
  };
}

describe('registry options from the environment', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let env: NodeJS.ProcessEnv;

  beforeEach(async () => {
    dir = await tempDir();
    const authFile = join(dir.path, 'auth.json');
    await writeFile(authFile, JSON.stringify({ auths: { 'reg.example.com': { auth: b64('envuser:envpass') } } }));
    const daemonJson = join(dir.path, 'daemon.json');
    await writeFile(daemonJson, JSON.stringify({ 'registry-mirrors': ['https://mirror.example.com'] }));
    await mkdir(join(dir.path, 'home'));
    env = {
      HOME: join(dir.path, 'home'),
      PATH: process.env.PATH,
      XDG_RUNTIME_DIR: join(dir.path, 'run'),
      REGISTRY_AUTH_FILE: authFile,
      STEVEDORE_DOCKER_DAEMON_JSON: daemonJson,
      STEVEDORE_REGISTRIES_CONF: join(dir.path, 'no-registries.conf'),
      STEVEDORE_INSECURE_REGISTRIES: 'a.example:5000, 10.1.0.0/16',
      STEVEDORE_SECURE_LOOPBACK: '1',
      STEVEDORE_CERTS_DIRS: `${join(dir.path, 'certs.d')}:/etc/other/certs.d`,
      STEVEDORE_SEARCH_ENDPOINT: 'https://search.example.com',
      STEVEDORE_STALL_TIMEOUT: '1m30s',
      STEVEDORE_RETRY_ATTEMPTS: '7',
      STEVEDORE_RETRY_TIME: '2m',
      HTTPS_PROXY: 'http://proxy.example.com:3128',
      NO_PROXY: 'internal.example.com',
    };
  });
  afterEach(() => dir.cleanup());

  it('the same environment gives the CLI and the extension the same options', async () => {
    const cli = await observable(cliOptions(env));
    assert.deepEqual(await observable(extensionOptions(env)), cli);
    // And those are the environment's, not defaults that happen to agree.
    assert.deepEqual(cli, {
      insecureRegistries: ['a.example:5000', '10.1.0.0/16'],
      insecureLoopback: false,
      certsDirs: [join(dir.path, 'certs.d'), '/etc/other/certs.d'],
      proxy: { httpsProxy: 'http://proxy.example.com:3128', noProxy: 'internal.example.com' },
      searchEndpoint: 'https://search.example.com',
      stallTimeoutMs: 90_000,
      retry: { attempts: 7, maxElapsedMs: 120_000 },
      credential: { username: 'envuser', password: 'envpass' },
      mirrors: [{ host: 'mirror.example.com', insecure: false, source: join(dir.path, 'daemon.json') }],
      rememberedPlainHttp: false,
    });
  });

  it('an empty environment gives both the same defaults', async () => {
    const bare = { HOME: env.HOME, PATH: env.PATH, XDG_RUNTIME_DIR: env.XDG_RUNTIME_DIR, STEVEDORE_DOCKER_DAEMON_JSON: join(dir.path, 'none.json'), STEVEDORE_REGISTRIES_CONF: join(dir.path, 'none.conf') };
    const cli = await observable(cliOptions(bare));
    assert.deepEqual(await observable(extensionOptions(bare)), cli);
    assert.equal(cli.insecureLoopback, true);
    assert.deepEqual(cli.certsDirs, [join(dir.path, 'home', '.docker', 'certs.d'), '/etc/docker/certs.d', '/etc/containers/certs.d']);
  });

  it('flags and settings go on top: the CLI adds --insecure-registry and --stall-timeout, the extension its settings', async () => {
    const cli = cliOptions(env, { 'insecure-registry': ['b.example'], 'stall-timeout': '5s' });
    assert.deepEqual(cli.insecureRegistries, ['a.example:5000', '10.1.0.0/16', 'b.example']);
    assert.equal(cli.stallTimeoutMs, 5_000);
    const ext = extensionOptions(env, {
      insecureRegistries: ['b.example'],
      registries: [{ url: 'c.example', insecure: true }],
      stallTimeoutSeconds: 5,
      retryAttempts: 2,
      dockerHubSearchEndpoint: 'https://search.setting.example',
      proxy: { httpsProxy: 'http://vscode-proxy.example:8080' },
    });
    assert.deepEqual(ext.insecureRegistries, ['a.example:5000', '10.1.0.0/16', 'b.example', 'c.example']);
    assert.equal(ext.stallTimeoutMs, 5_000);
    assert.deepEqual(ext.retry, { attempts: 2, maxElapsedMs: 120_000 }, 'the retry time the user did not set stays the environment\'s');
    assert.equal(ext.searchEndpoint, 'https://search.setting.example');
    assert.deepEqual(ext.proxy, { httpsProxy: 'http://vscode-proxy.example:8080' });
    assert.equal(ext.insecureLoopback, false);
  });

  it('a variable that does not parse is refused by name on both paths', () => {
    const bad = { ...env, STEVEDORE_RETRY_ATTEMPTS: 'many' };
    assert.throws(() => cliOptions(bad), /STEVEDORE_RETRY_ATTEMPTS must be a whole number of at least 1 \(got "many"\)/);
    assert.throws(() => extensionOptions(bad), /STEVEDORE_RETRY_ATTEMPTS must be a whole number of at least 1 \(got "many"\)/);
  });

  it('the extension\'s own logins come before the environment\'s credentials, which the setting can turn off', async () => {
    const secrets = { get: async (r: string) => (r === 'reg.example.com' ? { username: 'vscode', password: 'secret' } : undefined) } as unknown as SecretCredentials;
    const withLogin = new RegistryAccess(() => untouchedSettings(env), secrets, env).options();
    assert.deepEqual(await withLogin.credentials?.('reg.example.com'), { username: 'vscode', password: 'secret' });
    const noDocker = extensionOptions(env, { useDockerCredentials: false });
    assert.equal(await noDocker.credentials?.('reg.example.com'), undefined);
  });
});
