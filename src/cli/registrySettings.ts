// The registry settings of the CLI, read from flags and the environment:
//   STEVEDORE_INSECURE_REGISTRIES   hosts (host, host:port, IPv4 CIDR) allowed plain HTTP or unverified TLS
//   STEVEDORE_SECURE_LOOPBACK=1     verify loopback registries too (Docker trusts them blindly)
//   STEVEDORE_CERTS_DIRS            certs.d folders, ":"-separated (default ~/.docker/certs.d,
//                                   /etc/docker/certs.d, /etc/containers/certs.d)
//   STEVEDORE_MAX_CONCURRENT_DOWNLOADS / _UPLOADS   layers transferred at once (default 4)
//   STEVEDORE_SEARCH_ENDPOINT       Docker Hub's search API (default https://index.docker.io)
//   HTTPS_PROXY / HTTP_PROXY / NO_PROXY   proxies, with Go's rules (see proxySettings.ts)
// Credentials come from Docker's config.json and the containers tools' auth.json files.

import { join } from 'node:path';
import { StevedoreError } from '../core/errors';
import { dockerCredentials } from '../core/registry/credentials';
import { homeOf } from '../core/registry/dockerConfig';
import { proxySettingsFromEnv } from '../core/registry/proxySettings';
import { RegistryClients } from '../core/registry/registryClients';
import { DEFAULT_CONCURRENCY, type RegistryOptions } from '../core/registry/registryOptions';
import type { FlagSpec, FlagValues } from './args';
import { intFlag, listFlag } from './command';
import type { CliContext } from './context';

export const INSECURE_REGISTRY_FLAG: FlagSpec = {
  name: 'insecure-registry',
  kind: 'list',
  valueName: 'host',
  description: 'Allow plain HTTP or an unverified certificate for this registry (also STEVEDORE_INSECURE_REGISTRIES)',
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
  };
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
