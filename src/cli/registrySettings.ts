// The registry settings of the CLI: the environment's (core/registry/registryEnvironment.ts lists
// the variables, the same for the extension), with the command's flags on top.

import { StevedoreError } from '../core/errors';
import { concurrencyFromEnv, durationSetting, registryOptionsFromEnv } from '../core/registry/registryEnvironment';
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
  const fromEnv = registryOptionsFromEnv(ctx.env);
  const stall = stringFlag(flags, STALL_TIMEOUT_FLAG.name);
  return {
    ...fromEnv,
    insecureRegistries: [...(fromEnv.insecureRegistries ?? []), ...listFlag(flags, INSECURE_REGISTRY_FLAG.name)],
    userAgent: 'stevedore',
    ...(stall !== undefined ? { stallTimeoutMs: durationSetting(stall, `--${STALL_TIMEOUT_FLAG.name}`) } : {}),
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
export function concurrencySetting(ctx: CliContext, flags: FlagValues, flag: string, direction: 'downloads' | 'uploads'): number {
  const value = intFlag(flags, flag) ?? concurrencyFromEnv(ctx.env, direction) ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(value) || value < 1) {
    throw new StevedoreError('INVALID_ARGUMENT', `--${flag} must be at least 1 (got ${value}).`);
  }
  return value;
}
