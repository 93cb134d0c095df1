// Logins shared with the real docker client (Debian's 20.10, against a private dockerd): a
// `docker login` to an htpasswd registry on loopback is what `stevedore push`/`pull` then use, a
// `stevedore login` is what `docker pull` then uses, and `stevedore logout` takes it away from
// docker too. Docker treats loopback registries as insecure, so the registry serves plain HTTP and
// the engine needs no `insecure-registries` entry. Every folder with credentials is private to the
// test (HOME, DOCKER_CONFIG, XDG_RUNTIME_DIR, no REGISTRY_AUTH_FILE), so no login leaks in.

import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { busyboxRootfs } from '../helpers/busybox';
import { runCli, type CliResult } from '../helpers/cli';
import { startDockerd, type Dockerd } from '../helpers/dockerd';
import { tempDir } from '../helpers/fixtures';
import { startRegistry, type RunningRegistry } from '../helpers/registry';

const USER = 'alice';
const PASSWORD = 'Wonder-land-7f3c9a';

function ok(result: CliResult, what: string): string {
  assert.equal(result.code, 0, `${what} failed:\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

interface DockerConfigFile {
  auths?: Record<string, { auth?: string }>;
  credsStore?: string;
}

async function readConfig(dir: string): Promise<DockerConfigFile> {
  return JSON.parse(await readFile(join(dir, 'config.json'), 'utf8')) as DockerConfigFile;
}

describe('logins shared with the docker client', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let engine: Dockerd;
  let registry: RunningRegistry;
  let source: string;
  /** The docker config folders: one docker logs in to, one stevedore logs in to. */
  let dockerLoginDir: string;
  let stevedoreLoginDir: string;
  /** Everything stevedore printed, checked for the password at the end. */
  const stevedoreOutput: string[] = [];

  /** Environment for stevedore with only the given docker config folder to find credentials in. */
  function envWith(dockerConfig: string): NodeJS.ProcessEnv {
    return {
      HOME: join(dir.path, 'home'),
      DOCKER_CONFIG: dockerConfig,
      XDG_RUNTIME_DIR: join(dir.path, 'run'),
      XDG_CONFIG_HOME: join(dir.path, 'home', '.config'),
      REGISTRY_AUTH_FILE: '',
    };
  }

  async function stevedore(store: string, args: readonly string[], options: { env: NodeJS.ProcessEnv; input?: string }): Promise<CliResult> {
    const result = await runCli(store, args, options);
    stevedoreOutput.push(result.stdout, result.stderr);
    return result;
  }

  before(async () => {
    dir = await tempDir();
    await mkdir(join(dir.path, 'home'), { recursive: true });
    await mkdir(join(dir.path, 'run'), { recursive: true });
    dockerLoginDir = join(dir.path, 'docker-login');
    stevedoreLoginDir = join(dir.path, 'stevedore-login');
    await mkdir(dockerLoginDir, { recursive: true });
    await mkdir(stevedoreLoginDir, { recursive: true });
    engine = await startDockerd();
    registry = await startRegistry({ htpasswd: { username: USER, password: PASSWORD } });
    source = join(dir.path, 'source');
    const rootfs = join(dir.path, 'busybox.tar.gz');
    await writeFile(rootfs, gzipSync(await busyboxRootfs()));
    const anonymous = envWith(join(dir.path, 'nobody'));
    ok(await stevedore(source, ['import', '-c', 'CMD ["/bin/sh"]', rootfs, `${registry.host}/interop/busybox:1`], { env: anonymous }), 'import');
    for (const tag of ['from-stevedore-login:1', 'after-logout:1']) {
      ok(await stevedore(source, ['tag', `${registry.host}/interop/busybox:1`, `${registry.host}/interop/${tag}`], { env: anonymous }), 'tag');
    }
  });

  after(async () => {
    await engine?.stop();
    await registry?.stop();
    await dir?.cleanup();
  });

  it('docker login writes auths in its config folder; stevedore push and pull use that login', async () => {
    const login = await engine.docker(['--config', dockerLoginDir, 'login', '-u', USER, '--password-stdin', registry.host], { input: `${PASSWORD}\n` });
    ok(login, 'docker login');
    assert.match(login.stdout, /Login Succeeded/);
    const config = await readConfig(dockerLoginDir);
    assert.equal(config.credsStore, undefined, 'docker stored the password in config.json, not in a credential helper');
    assert.equal(config.auths?.[registry.host]?.auth, Buffer.from(`${USER}:${PASSWORD}`).toString('base64'));

    // Without docker's folder there is no login, so a pull is refused...
    const denied = await stevedore(join(dir.path, 'denied'), ['pull', `${registry.host}/interop/busybox:1`], { env: envWith(join(dir.path, 'nobody')) });
    assert.equal(denied.code, 1);
    // ...and with it, stevedore pushes and pulls.
    const env = envWith(dockerLoginDir);
    for (const ref of ['busybox:1', 'from-stevedore-login:1', 'after-logout:1']) {
      ok(await stevedore(source, ['push', `${registry.host}/interop/${ref}`], { env }), `stevedore push ${ref}`);
    }
    const pulled = join(dir.path, 'pulled-with-docker-login');
    ok(await stevedore(pulled, ['pull', `${registry.host}/interop/busybox:1`], { env }), 'stevedore pull');
    const id = ok(await stevedore(pulled, ['images', '-q', '--no-trunc', `${registry.host}/interop/busybox:1`], { env }), 'images').trim();
    const sourceId = ok(await stevedore(source, ['images', '-q', '--no-trunc', `${registry.host}/interop/busybox:1`], { env }), 'images').trim();
    assert.match(id, /^sha256:[0-9a-f]{64}$/);
    assert.equal(id, sourceId);
  });

  it('stevedore login writes what docker reads: docker pull then works with that folder', async () => {
    const env = envWith(stevedoreLoginDir);
    ok(await stevedore(source, ['login', '-u', USER, '--password-stdin', registry.host], { env, input: `${PASSWORD}\n` }), 'stevedore login');
    assert.equal((await readConfig(stevedoreLoginDir)).auths?.[registry.host]?.auth, Buffer.from(`${USER}:${PASSWORD}`).toString('base64'));

    const ref = `${registry.host}/interop/from-stevedore-login:1`;
    ok(await engine.docker(['--config', stevedoreLoginDir, 'pull', ref]), 'docker pull');
    const dockerId = ok(await engine.docker(['image', 'inspect', '--format', '{{.Id}}', ref]), 'docker image inspect').trim();
    const stevedoreId = ok(await stevedore(source, ['images', '-q', '--no-trunc', ref], { env }), 'images').trim();
    assert.equal(dockerId, stevedoreId);
  });

  it('stevedore logout removes the entry; docker then pulls without credentials and is refused', async () => {
    const env = envWith(stevedoreLoginDir);
    const logout = await stevedore(source, ['logout', registry.host], { env });
    ok(logout, 'stevedore logout');
    assert.equal(logout.stdout, `Removing login credentials for ${registry.host}\n`);
    assert.equal((await readConfig(stevedoreLoginDir)).auths?.[registry.host], undefined);

    const refused = await engine.docker(['--config', stevedoreLoginDir, 'pull', `${registry.host}/interop/after-logout:1`]);
    assert.notEqual(refused.code, 0, 'docker pull after logout succeeded');
    assert.match(refused.stderr, /no basic auth credentials|unauthorized|authentication required/i);
    // docker's own login is untouched by stevedore's logout.
    assert.ok((await readConfig(dockerLoginDir)).auths?.[registry.host]?.auth);
  });

  it('the password never appears in anything stevedore printed', () => {
    assert.ok(stevedoreOutput.length > 0);
    for (const text of stevedoreOutput) {
      assert.ok(!text.includes(PASSWORD), `stevedore printed the password:\n${text}`);
      assert.ok(!text.includes(Buffer.from(`${USER}:${PASSWORD}`).toString('base64')), `stevedore printed the encoded credentials:\n${text}`);
    }
  });
});
