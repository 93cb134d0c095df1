// The CLI child process a container operation runs in, or undefined when this process runs it
// itself (cliProcess.ts says when and why). The child gets the extension's settings that the CLI
// reads from its environment or flags: the store, VS Code's proxy, insecure registries,
// concurrency and the registries.d folder; build's own flags are added by Build Image….

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
  return (await callCli(cli, { args: ['diff', container.Id], ...(signal ? { signal } : {}) })).result as Change[];
}
