// The registry settings the environment gives, read in one place for the CLI and the extension
// alike (each then layers its own flags or settings on top):
//   STEVEDORE_INSECURE_REGISTRIES   hosts (host, host:port, IPv4 CIDR) allowed plain HTTP or unverified TLS
//   STEVEDORE_SECURE_LOOPBACK=1     verify loopback registries too (Docker trusts them blindly)
//   STEVEDORE_CERTS_DIRS            certs.d folders, ":"-separated (default ~/.docker/certs.d,
//                                   /etc/docker/certs.d, /etc/containers/certs.d)
//   STEVEDORE_MAX_CONCURRENT_DOWNLOADS / _UPLOADS   layers transferred at once (default 4)
//   STEVEDORE_SEARCH_ENDPOINT       Docker Hub's search API (default https://index.docker.io)
//   STEVEDORE_STALL_TIMEOUT         a layer download bringing < 16 KiB in this long fails (default 30s;
//                                   "45", "45s", "2m", "1m30s", "500ms")
//   STEVEDORE_RETRY_ATTEMPTS        attempts per request, and attempts without progress per download (default 5)
//   STEVEDORE_RETRY_TIME            time budget of each retry loop (default 10m)
//   STEVEDORE_DOCKER_DAEMON_JSON, STEVEDORE_REGISTRIES_CONF   where Docker Hub's mirrors are read (hubMirrors.ts)
//   STEVEDORE_DEFERRED_CA_CERTS     set by the `stevedore` executable: NODE_EXTRA_CA_CERTS, read when TLS needs it (deferredCas.ts)
//   STEVEDORE_PLAIN_HTTP_MEMORY     where insecure registries found speaking plain HTTP are remembered
//                                   (plainHttpMemory.ts; default in the user's cache, empty: off)
//   HTTPS_PROXY / HTTP_PROXY / NO_PROXY   proxies, with Go's rules (proxySettings.ts)
//   DOCKER_CONFIG, REGISTRY_AUTH_FILE     where credentials are read (credentials.ts, dockerConfig.ts)
// A value that does not parse is an error naming the variable, never silently ignored.

import { join } from 'node:path';
import { StevedoreError } from '../errors';
import { userCacheDir } from '../userCacheDir';
import { deferredCaFile } from '../http/deferredCaEnv';
import { dockerCredentials } from './credentials';
import { homeOf } from './dockerConfig';
import { hubMirrors, mirrorFiles } from './hubMirrors';
import { plainHttpMemoryFile } from './plainHttpMemory';
import { proxySettingsFromEnv } from './proxySettings';
import type { RegistryOptions } from './registryOptions';

export type Environment = NodeJS.ProcessEnv;

export function registryOptionsFromEnv(env: Environment): RegistryOptions {
  const retry: NonNullable<RegistryOptions['retry']> = {};
  const attempts = env.STEVEDORE_RETRY_ATTEMPTS;
  if (attempts) retry.attempts = wholeNumberSetting(attempts, 'STEVEDORE_RETRY_ATTEMPTS');
  if (env.STEVEDORE_RETRY_TIME) retry.maxElapsedMs = durationSetting(env.STEVEDORE_RETRY_TIME, 'STEVEDORE_RETRY_TIME');
  return {
    insecureRegistries: splitList(env.STEVEDORE_INSECURE_REGISTRIES),
    insecureLoopback: env.STEVEDORE_SECURE_LOOPBACK !== '1',
    certsDirs: certsDirsFromEnv(env),
    ...(deferredCaFile(env) ? { extraCaFile: deferredCaFile(env)! } : {}),
    credentials: dockerCredentials(env),
    proxy: proxySettingsFromEnv(env),
    ...(env.STEVEDORE_SEARCH_ENDPOINT ? { searchEndpoint: env.STEVEDORE_SEARCH_ENDPOINT } : {}),
    ...(env.STEVEDORE_STALL_TIMEOUT ? { stallTimeoutMs: durationSetting(env.STEVEDORE_STALL_TIMEOUT, 'STEVEDORE_STALL_TIMEOUT') } : {}),
    ...(Object.keys(retry).length ? { retry } : {}),
    hubMirrors: async () => hubMirrors(await mirrorFiles(env)),
    ...plainHttpMemoryFromEnv(env),
  };
}

/** STEVEDORE_PLAIN_HTTP_MEMORY: the file (default ~/.cache/stevedore/plain-http-registries.json); empty turns it off. */
function plainHttpMemoryFromEnv(env: Environment): Pick<RegistryOptions, 'plainHttpMemory'> {
  const file = env.STEVEDORE_PLAIN_HTTP_MEMORY ?? join(userCacheDir(env), 'stevedore', 'plain-http-registries.json');
  return file ? { plainHttpMemory: plainHttpMemoryFile(file) } : {};
}

/** Layers transferred at once, from STEVEDORE_MAX_CONCURRENT_DOWNLOADS / _UPLOADS; undefined when not set. */
export function concurrencyFromEnv(env: Environment, direction: 'downloads' | 'uploads'): number | undefined {
  const name = direction === 'downloads' ? 'STEVEDORE_MAX_CONCURRENT_DOWNLOADS' : 'STEVEDORE_MAX_CONCURRENT_UPLOADS';
  const value = env[name];
  return value ? wholeNumberSetting(value, name) : undefined;
}

function certsDirsFromEnv(env: Environment): string[] {
  if (env.STEVEDORE_CERTS_DIRS) return env.STEVEDORE_CERTS_DIRS.split(':').filter(Boolean);
  return [join(homeOf(env), '.docker', 'certs.d'), '/etc/docker/certs.d', '/etc/containers/certs.d'];
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

function wholeNumberSetting(text: string, name: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1) {
    throw new StevedoreError('INVALID_ARGUMENT', `${name} must be a whole number of at least 1 (got "${text}").`);
  }
  return Number(text);
}

function splitList(value: string | undefined): string[] {
  return (value ?? '').split(/[\s,]+/).filter(Boolean);
}
