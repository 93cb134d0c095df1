// The CLI child process a container operation runs in, or undefined when this process runs it
// itself (cliProcess.ts says when and why). The child gets the extension's settings that the CLI
// reads from its environment or flags: the store, VS Code's proxy, insecure registries,
// concurrency and the registries.d folder, and for a build the logins made in VS Code; build's
// own flags are added by Build Image….

import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Services } from '../services';
import type { StevedoreSettings } from '../settings';
import type { Change } from '../../core/runtime/changeSet';
import { containerChanges } from '../../core/runtime/containerChanges';
import type { ContainerRecord } from '../../core/runtime/containerRecord';
import type { ImageStore } from '../../core/store/imageStore';
import { callCli, containersThroughCli, type CliProcess } from './cliProcess';

export function containerCli(services: Services): Promise<CliProcess | undefined> {
  return cliForSettings(services.settings(), services.context.extensionPath);
}

export async function cliForSettings(settings: StevedoreSettings, extensionPath: string): Promise<CliProcess | undefined> {
  if (!(await containersThroughCli(settings.containersProcess, process.env))) return undefined;
  return {
    // Shipped in the .vsix beside the extension's bundle (.vscodeignore).
    cli: join(extensionPath, 'dist', 'cli.js'),
    execPath: process.execPath,
    storePath: settings.storePath,
    env: cliEnvironment(settings),
  };
}

function cliEnvironment(settings: StevedoreSettings): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  const { proxy } = settings;
  // VS Code's http.proxy is the extension's proxy; the CLI reads the variables.
  for (const name of ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy']) delete env[name];
  if (proxy.httpsProxy) env.HTTPS_PROXY = proxy.httpsProxy;
  if (proxy.httpProxy) env.HTTP_PROXY = proxy.httpProxy;
  if (proxy.noProxy) env.NO_PROXY = proxy.noProxy;
  const insecure = [...settings.insecureRegistries, ...settings.registries.filter((r) => r.insecure).map((r) => r.url)];
  if (insecure.length) env.STEVEDORE_INSECURE_REGISTRIES = [env.STEVEDORE_INSECURE_REGISTRIES ?? '', ...insecure].filter(Boolean).join(',');
  env.STEVEDORE_MAX_CONCURRENT_DOWNLOADS = String(settings.maxConcurrentDownloads);
  if (settings.stallTimeoutSeconds !== undefined) env.STEVEDORE_STALL_TIMEOUT = `${settings.stallTimeoutSeconds}s`;
  return env;
}

/** A container's changes (`diff`): read here, or by the CLI in its user namespace. */
export async function containerDiff(cli: CliProcess | undefined, store: ImageStore, container: ContainerRecord, signal?: AbortSignal): Promise<Change[]> {
  if (!cli) return containerChanges(store, container, signal);
  return (await callCli(cli, { args: ['diff', '--', container.Id], ...(signal ? { signal } : {}) })).result as Change[];
}

/**
 * Runs `fn` with the logins made in VS Code (SecretStorage) where the CLI reads logins: an
 * auth.json of the containers tools (REGISTRY_AUTH_FILE) in a folder only this user can read,
 * removed afterwards. Only a build pulls through the CLI (its FROM images), so only it needs them.
 * With stevedore.useDockerCredentials off, Docker's config is hidden from the CLI as well.
 */
export async function withCliLogins<T>(services: Services, cli: CliProcess, fn: (cli: CliProcess) => Promise<T>): Promise<T> {
  const secrets = services.registries.secrets;
  const auths: Record<string, Record<string, string>> = {};
  for (const registry of secrets.loggedIn()) {
    const credential = await secrets.get(registry);
    if (!credential) continue;
    auths[registry] = {
      ...(credential.username !== undefined || credential.password !== undefined ? { auth: Buffer.from(`${credential.username ?? ''}:${credential.password ?? ''}`).toString('base64') } : {}),
      ...(credential.identityToken ? { identitytoken: credential.identityToken } : {}),
      ...(credential.registryToken ? { registrytoken: credential.registryToken } : {}),
    };
  }
  const hideDocker = !services.settings().useDockerCredentials;
  if (Object.keys(auths).length === 0 && !hideDocker) return fn(cli);
  const dir = await mkdtemp(join(tmpdir(), 'stevedore-logins-'));
  try {
    await chmod(dir, 0o700);
    const authFile = join(dir, 'auth.json');
    await writeFile(authFile, JSON.stringify({ auths }), { mode: 0o600 });
    const env: NodeJS.ProcessEnv = { ...cli.env, REGISTRY_AUTH_FILE: authFile };
    // An empty folder as DOCKER_CONFIG: no config.json, so no Docker logins or helpers.
    if (hideDocker) env.DOCKER_CONFIG = join(dir, 'no-docker');
    return await fn({ ...cli, env });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
