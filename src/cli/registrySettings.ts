// The registry settings of the CLI, read from flags and the environment:
//   STEVEDORE_INSECURE_REGISTRIES   hosts (host, host:port, IPv4 CIDR) allowed plain HTTP or unverified TLS
//   STEVEDORE_SECURE_LOOPBACK=1     verify loopback registries too (Docker trusts them blindly)
//   STEVEDORE_CERTS_DIRS            certs.d folders, ":"-separated (default ~/.docker/certs.d,
//                                   /etc/docker/certs.d, /etc/containers/certs.d)
//   STEVEDORE_MAX_CONCURRENT_DOWNLOADS / _UPLOADS   layers transferred at once (default 4)
//   STEVEDORE_SEARCH_ENDPOINT       Docker Hub's search API (default https://index.docker.io)
//   STEVEDORE_STALL_TIMEOUT         a layer download bringing < 16 KiB in this long fails (default 30s;
//                                   also --stall-timeout; "45", "45s", "2m", "1m30s", "500ms")
//   STEVEDORE_RETRY_ATTEMPTS        attempts per request, and attempts without progress per download (default 5)
//   STEVEDORE_RETRY_TIME            time budget of each retry loop (default 10m)
//   STEVEDORE_DOCKER_DAEMON_JSON    Docker's daemon.json, for registry-mirrors (default /etc/docker/daemon.json)
//   STEVEDORE_REGISTRIES_CONF       containers' registries.conf, for Docker Hub's [[registry.mirror]]
//                                   (default ~/.config/containers/registries.conf, else /etc/containers/…)
//   HTTPS_PROXY / HTTP_PROXY / NO_PROXY   proxies, with Go's rules (see proxySettings.ts)
// Credentials come from Docker's config.json and the containers tools' auth.json files.

import { join } from 'node:path';
import { StevedoreError } from '../core/errors';
import { dockerCredentials } from '../core/registry/credentials';
import { homeOf } from '../core/registry/dockerConfig';
import { hubMirrors, mirrorFiles } from '../core/registry/hubMirrors';
import { proxySettingsFromEnv } from '../core/registry/proxySettings';
import { RegistryClients } from '../core/registry/registryClients';
import { DEFAULT_CONCURRENCY, type RegistryOptions } from '../core/registry/registryOptions';
import type { FlagSpec, FlagValues } from './args';
import { intFlag, listFlag, stringFlag } from './command';
import type { CliContext } from './context';

export const INSECURE_REGISTRY_FLAG: FlagSpec = {
  name: 'insecure-registry',
  kind: 'list',
  valueName: 'host',
  description: 'Allow plain HTTP or an unverified certificate for this registry (also STEVEDORE_INSECURE_REGISTRIES)',
};

export const STALL_TIMEOUT_FLAG: FlagSpec = {
  name: 'stall-timeout',
  kind: 'string',
  valueName: 'duration',
  description: 'Fail a layer download that brings almost nothing for this long (default 30s, or STEVEDORE_STALL_TIMEOUT)',
};

export function registryOptions(ctx: CliContext, flags: FlagValues): RegistryOptions {
  const env = ctx.env;
  const insecure = [...splitList(env.STEVEDORE_INSECURE_REGISTRIES), ...listFlag(flags, INSECURE_REGISTRY_FLAG.name)];
  const certsDirs = env.STEVEDORE_CERTS_DIRS
    ? env.STEVEDORE_CERTS_DIRS.split(':').filter(Boolean)
    : [join(homeOf(env), '.docker', 'certs.d'), '/etc/docker/certs.d', '/etc/containers/certs.d'];
  return {
    insecureRegistries: insecure,
    insecureLoopback: env.STEVEDORE_SECURE_LOOPBACK !== '1',
    certsDirs,
    credentials: dockerCredentials(env),
    userAgent: 'stevedore',
    proxy: proxySettingsFromEnv(env),
    ...(env.STEVEDORE_SEARCH_ENDPOINT ? { searchEndpoint: env.STEVEDORE_SEARCH_ENDPOINT } : {}),
    ...retrySettings(ctx, flags),
    hubMirrors: async () => hubMirrors(await mirrorFiles(env)),
  };
}

/** The stall timeout and retry budgets from the flag and the environment; a value that does not parse is an error. */
function retrySettings(ctx: CliContext, flags: FlagValues): Pick<RegistryOptions, 'stallTimeoutMs' | 'retry'> {
  const out: Pick<RegistryOptions, 'stallTimeoutMs' | 'retry'> = {};
  const stall = stringFlag(flags, STALL_TIMEOUT_FLAG.name);
  if (stall !== undefined) out.stallTimeoutMs = durationSetting(stall, `--${STALL_TIMEOUT_FLAG.name}`);
  else if (ctx.env.STEVEDORE_STALL_TIMEOUT) out.stallTimeoutMs = durationSetting(ctx.env.STEVEDORE_STALL_TIMEOUT, 'STEVEDORE_STALL_TIMEOUT');
  const retry: NonNullable<RegistryOptions['retry']> = {};
  const attempts = ctx.env.STEVEDORE_RETRY_ATTEMPTS;
  if (attempts) {
    if (!/^\d+$/.test(attempts.trim()) || Number(attempts) < 1) {
      throw new StevedoreError('INVALID_ARGUMENT', `STEVEDORE_RETRY_ATTEMPTS must be a whole number of at least 1 (got "${attempts}").`);
    }
    retry.attempts = Number(attempts);
  }
  if (ctx.env.STEVEDORE_RETRY_TIME) retry.maxElapsedMs = durationSetting(ctx.env.STEVEDORE_RETRY_TIME, 'STEVEDORE_RETRY_TIME');
  if (Object.keys(retry).length) out.retry = retry;
  return out;
}

/** "45" (seconds), "45s", "500ms", "2m", "1m30s", "1h" → milliseconds; anything else is an error that says what is accepted. */
export function durationSetting(text: string, name: string): number {
  const value = text.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  const rest = value.replace(/(\d+(?:\.\d+)?)(ms|s|m|h)/g, (_all, n: string, u: string) => {
    total += Number(n) * unit[u]!;
    return '';
  });
  if (value === '' || rest !== '') {
    throw new StevedoreError('INVALID_ARGUMENT', `${name} must be a duration such as 45s, 2m or 1m30s, or a number of seconds (got "${text}").`);
  }
  return Math.round(total);
}

/** Runs `fn` with registry clients and closes their connections afterwards, so the CLI exits at once. */
export async function withRegistries<T>(ctx: CliContext, flags: FlagValues, fn: (clients: RegistryClients) => Promise<T>): Promise<T> {
  const clients = new RegistryClients(registryOptions(ctx, flags));
  try {
    return await fn(clients);
  } finally {
    await clients.close();
  }
}

/** A concurrency flag, else its environment variable, else 4; must be at least 1. */
export function concurrencySetting(ctx: CliContext, flags: FlagValues, flag: string, envName: string): number {
  const fromFlag = intFlag(flags, flag);
  const fromEnv = ctx.env[envName];
  const value = fromFlag ?? (fromEnv && /^\d+$/.test(fromEnv) ? Number(fromEnv) : DEFAULT_CONCURRENCY);
  if (!Number.isInteger(value) || value < 1) {
    throw new StevedoreError('INVALID_ARGUMENT', `--${flag} must be at least 1 (got ${value}).`);
  }
  return value;
}

function splitList(value: string | undefined): string[] {
  return (value ?? '').split(/[\s,]+/).filter(Boolean);
}
