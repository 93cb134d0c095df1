// The extension's settings (`stevedore.*` in package.json), read into one typed object whenever
// they are needed, so that a change takes effect on the next operation without a reload.

import * as vscode from 'vscode';
import { proxySettingsFromEnv, type ProxySettings } from '../core/registry/proxySettings';
import { concurrencyFromEnv } from '../core/registry/registryEnvironment';
import { DEFAULT_CONCURRENCY } from '../core/registry/registryOptions';
import { defaultStorePath } from '../core/store/layout';
import { parseEngineEndpoints, type EngineEndpointSetting } from './engines/imageSources';

export type GroupBy = 'repository' | 'registry' | 'none';
export type SortBy = 'created' | 'name' | 'size';

export interface RegistrySetting {
  /** host[:port] as image references name it, e.g. "localhost:5000" or "ghcr.io". */
  url: string;
  /** Plain HTTP or an unverified certificate are allowed for this registry. */
  insecure?: boolean;
}

export interface StevedoreSettings {
  /** The store directory: the setting, else the CLI's default (STEVEDORE_STORE, XDG_DATA_HOME…). */
  storePath: string;
  groupBy: GroupBy;
  sortBy: SortBy;
  showDangling: boolean;
  registries: RegistrySetting[];
  insecureRegistries: string[];
  /** The setting when the user set it, else STEVEDORE_MAX_CONCURRENT_DOWNLOADS, else 4. */
  maxConcurrentDownloads: number;
  maxConcurrentUploads: number;
  /**
   * Seconds a layer download may bring almost nothing; 0: no limit. This and the retry settings
   * are undefined unless the user set them, so that the environment's values (the CLI's
   * STEVEDORE_STALL_TIMEOUT, STEVEDORE_RETRY_*) apply under them (registryAccess.ts).
   */
  stallTimeoutSeconds?: number;
  retryAttempts?: number;
  retryTimeSeconds?: number;
  /** "os/arch[/variant]", or "" for the host's platform. */
  defaultPlatform: string;
  confirmRemove: boolean;
  confirmPrune: boolean;
  useDockerCredentials: boolean;
  catalogPageSize: number;
  /** Docker Hub's search service for Search Docker Hub…; '' for the default. */
  dockerHubSearchEndpoint: string;
  /** VS Code's `http.proxy` / `http.noProxy`, else HTTPS_PROXY / HTTP_PROXY / NO_PROXY. */
  proxy: ProxySettings;
  /** Sources the Images view leaves out: "store", "docker", "podman" or an added endpoint's name. */
  hiddenSources: string[];
  /** Engines added by the user besides Docker and Podman as their CLIs find them. */
  engineEndpoints: EngineEndpointSetting[];
  /** Where Docker is, when not where the docker CLI would look (DOCKER_HOST, contexts). */
  dockerHost: string;
  /** Where Podman's API service is, when not CONTAINER_HOST or its usual sockets. */
  podmanHost: string;
  /** A signature policy checked on top of the machine's (never instead of it); empty for none. */
  trustPolicyPath: string;
  /** registries.d folder for where signatures live; empty: the containers tools' defaults. */
  trustRegistriesDir: string;
  /** Push and Sign…'s key: a GPG key ID, or a cosign key file's path; empty to pick one each time. */
  trustSigningKey: string;
  /**
   * Where containers run: `extension` in this process (root only), `cli` in a child process, the
   * CLI, which enters a user namespace by itself (containers/cliProcess.ts); `auto` picks the CLI
   * when this process is not root and a user namespace can be entered.
   */
  containersProcess: 'auto' | 'extension' | 'cli';
}

export const SECTION = 'stevedore';
/** VS Code's own proxy settings, which the registry clients follow too. */
export const PROXY_SETTINGS = ['http.proxy', 'http.noProxy'];

export function readSettings(): StevedoreSettings {
  const c = vscode.workspace.getConfiguration(SECTION);
  const storeSetting = c.get<string>('storePath', '').trim();
  return {
    storePath: defaultStorePath(process.env, storeSetting ? expandHome(storeSetting) : undefined),
    groupBy: oneOf(c.get<string>('images.groupBy'), ['repository', 'registry', 'none'], 'repository'),
    sortBy: oneOf(c.get<string>('images.sortBy'), ['created', 'name', 'size'], 'created'),
    showDangling: c.get<boolean>('images.showDangling', false),
    registries: registryList(c.get<unknown>('registries', [])),
    insecureRegistries: stringList(c.get<unknown>('insecureRegistries', [])),
    maxConcurrentDownloads: concurrency(c, 'maxConcurrentDownloads', 'downloads'),
    maxConcurrentUploads: concurrency(c, 'maxConcurrentUploads', 'uploads'),
    ...userSet(c, 'stallTimeoutSeconds', 'stallTimeoutSeconds', (v) => notNegative(v, 30)),
    ...userSet(c, 'retry.attempts', 'retryAttempts', (v) => atLeastOne(v, 5)),
    ...userSet(c, 'retry.timeSeconds', 'retryTimeSeconds', (v) => notNegative(v, 600)),
    defaultPlatform: c.get<string>('defaultPlatform', '').trim(),
    confirmRemove: c.get<boolean>('confirm.remove', true),
    confirmPrune: c.get<boolean>('confirm.prune', true),
    useDockerCredentials: c.get<boolean>('useDockerCredentials', true),
    catalogPageSize: atLeastOne(c.get<number>('catalogPageSize', 100), 100),
    dockerHubSearchEndpoint: c.get<string>('dockerHub.searchEndpoint', '').trim(),
    proxy: proxySettings(),
    hiddenSources: stringList(c.get<unknown>('sources.hidden', [])),
    engineEndpoints: parseEngineEndpoints(c.get<unknown>('engines.endpoints', [])),
    dockerHost: c.get<string>('engines.dockerHost', '').trim(),
    podmanHost: c.get<string>('engines.podmanHost', '').trim(),
    trustPolicyPath: expandHome(c.get<string>('trust.policyPath', '').trim()),
    trustRegistriesDir: expandHome(c.get<string>('trust.registriesDir', '').trim()),
    trustSigningKey: expandHome(c.get<string>('trust.signingKey', '').trim()),
    containersProcess: oneOf(c.get<string>('containers.process'), ['auto', 'extension', 'cli'], 'auto'),
  };
}

/**
 * VS Code patches Node's http and https modules for its proxy support, which undici and the raw
 * sockets layers go over do not use: the setting is read here and handed to the core instead.
 */
function proxySettings(): ProxySettings {
  const http = vscode.workspace.getConfiguration('http');
  const proxy = http.get<string>('proxy', '').trim();
  const settings: ProxySettings = proxy ? { httpProxy: proxy, httpsProxy: proxy } : proxySettingsFromEnv(process.env);
  const noProxy = [proxySettingsFromEnv(process.env).noProxy ?? '', ...stringList(http.get<unknown>('noProxy', []))].filter(Boolean).join(',');
  if (noProxy) settings.noProxy = noProxy;
  return settings;
}

/** Writes a user (global) setting; the views pick it up through onDidChangeConfiguration. */
export async function updateSetting(key: string, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration(SECTION).update(key, value, vscode.ConfigurationTarget.Global);
}

/** A setting's value when the user (or workspace) set it; an empty object when only the default applies. */
function userSet<K extends 'stallTimeoutSeconds' | 'retryAttempts' | 'retryTimeSeconds'>(
  c: vscode.WorkspaceConfiguration,
  key: string,
  field: K,
  check: (value: number | undefined) => number,
): Partial<Record<K, number>> {
  const seen = c.inspect<number>(key);
  const value = seen?.workspaceFolderValue ?? seen?.workspaceValue ?? seen?.globalValue;
  return value === undefined ? {} : ({ [field]: check(value) } as Partial<Record<K, number>>);
}

/** The concurrency setting when set, else the environment's (as the CLI reads it), else 4. */
function concurrency(c: vscode.WorkspaceConfiguration, key: string, direction: 'downloads' | 'uploads'): number {
  const seen = c.inspect<number>(key);
  const value = seen?.workspaceFolderValue ?? seen?.workspaceValue ?? seen?.globalValue;
  if (value !== undefined) return atLeastOne(value, DEFAULT_CONCURRENCY);
  try {
    return concurrencyFromEnv(process.env, direction) ?? DEFAULT_CONCURRENCY;
  } catch {
    // A bad variable is the CLI's error to report; the extension keeps its default.
    return DEFAULT_CONCURRENCY;
  }
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], fallback: T): T {
  return allowed.includes(value as T) ? (value as T) : fallback;
}

function atLeastOne(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 ? value : fallback;
}

function notNegative(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fallback;
}

function stringList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && v.trim() !== '').map((v) => v.trim()) : [];
}

function registryList(value: unknown): RegistrySetting[] {
  if (!Array.isArray(value)) return [];
  const out: RegistrySetting[] = [];
  for (const entry of value) {
    // A bare string is accepted too: "localhost:5000".
    if (typeof entry === 'string' && entry.trim()) out.push({ url: entry.trim() });
    else if (entry && typeof entry === 'object' && typeof (entry as RegistrySetting).url === 'string' && (entry as RegistrySetting).url.trim()) {
      out.push({ url: (entry as RegistrySetting).url.trim(), insecure: (entry as RegistrySetting).insecure === true });
    }
  }
  return out;
}

function expandHome(path: string): string {
  return path.startsWith('~/') && process.env.HOME ? `${process.env.HOME}${path.slice(1)}` : path;
}
