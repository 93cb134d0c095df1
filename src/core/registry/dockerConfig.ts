// Docker's client config file (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`) and the
// containers tools' `auth.json`, which share the `auths` format. Reading keeps every field we do not
// know, so that writing a login back never loses another tool's settings.

import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { StevedoreError } from '../errors';
import { writeFileAtomic } from '../store/atomicFile';
import { hostFromServerAddress } from './registryHost';

export interface AuthEntry {
  /** base64("user:password") */
  auth?: string;
  username?: string;
  password?: string;
  /** An OAuth2 refresh token ("identity token") in place of a password. */
  identitytoken?: string;
  /** A bearer token to send as is. */
  registrytoken?: string;
  [key: string]: unknown;
}

export interface DockerConfigFile {
  auths?: Record<string, AuthEntry>;
  credsStore?: string;
  credHelpers?: Record<string, string>;
  [key: string]: unknown;
}

export function homeOf(env: NodeJS.ProcessEnv): string {
  return env.HOME && env.HOME.startsWith('/') ? env.HOME : homedir();
}

export function dockerConfigPath(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_CONFIG ? join(env.DOCKER_CONFIG, 'config.json') : join(homeOf(env), '.docker', 'config.json');
}

/** auth.json files of podman/skopeo/buildah, in the order containers/image reads them. */
export function containersAuthPaths(env: NodeJS.ProcessEnv): string[] {
  const paths: string[] = [];
  if (env.REGISTRY_AUTH_FILE) paths.push(env.REGISTRY_AUTH_FILE);
  if (env.XDG_RUNTIME_DIR) paths.push(join(env.XDG_RUNTIME_DIR, 'containers', 'auth.json'));
  paths.push(join(env.XDG_CONFIG_HOME || join(homeOf(env), '.config'), 'containers', 'auth.json'));
  return paths;
}

/** Reads a config file; a missing file is an empty config, a damaged one an error that names it. */
export async function readConfigFile(path: string): Promise<DockerConfigFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new StevedoreError('IO_ERROR', `Could not read ${path}: ${(err as Error).message}.`, { cause: err });
  }
  if (text.trim() === '') return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as DockerConfigFile;
  } catch {
    throw new StevedoreError('INVALID_ARGUMENT', `${path} is not valid JSON. Fix or remove it, then try again.`);
  }
}

/** Writes the config as `docker login` does: indented JSON, readable only by its owner. */
export async function writeConfigFile(path: string, config: DockerConfigFile): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFileAtomic(path, `${JSON.stringify(config, null, '\t')}\n`, 0o600);
}

/** The `auths` key naming this registry, matched as Docker matches it (scheme and path ignored). */
export function findAuthKey(auths: Record<string, AuthEntry> | undefined, host: string): string | undefined {
  if (!auths) return undefined;
  if (auths[host]) return host;
  const wanted = host.toLowerCase();
  return Object.keys(auths).find((key) => hostFromServerAddress(key) === wanted);
}

/** Decodes an entry into user name and secret; undefined when it holds nothing usable. */
export function decodeAuthEntry(entry: AuthEntry): { username: string; password: string; identityToken?: string; registryToken?: string } | undefined {
  let username = typeof entry.username === 'string' ? entry.username : '';
  let password = typeof entry.password === 'string' ? entry.password : '';
  if (typeof entry.auth === 'string' && entry.auth !== '') {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) {
      throw new StevedoreError('INVALID_ARGUMENT', 'A stored registry login is damaged (its "auth" field is not base64 of user:password). Log in again.');
    }
    username = decoded.slice(0, colon);
    password = decoded.slice(colon + 1);
  }
  const identityToken = typeof entry.identitytoken === 'string' && entry.identitytoken ? entry.identitytoken : undefined;
  const registryToken = typeof entry.registrytoken === 'string' && entry.registrytoken ? entry.registrytoken : undefined;
  if (!username && !password && !identityToken && !registryToken) return undefined;
  return { username, password, ...(identityToken ? { identityToken } : {}), ...(registryToken ? { registryToken } : {}) };
}
