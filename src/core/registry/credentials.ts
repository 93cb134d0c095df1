// Registry credentials where Docker and the containers tools keep them, looked up in the order
// go-containerregistry uses: Docker's config.json (credHelpers, then credsStore, then auths), then
// the containers tools' auth.json files. `login` stores them where `docker login` would, so that
// either tool can use a login made by the other.

import { DOCKER_HUB_CREDENTIAL_KEY, registryHost } from './registryHost';
import { containersAuthPaths, decodeAuthEntry, dockerConfigPath, findAuthKey, readConfigFile, writeConfigFile, type DockerConfigFile } from './dockerConfig';
import { helperErase, helperGet, helperStore } from './credentialHelper';

export interface RegistryCredential {
  username?: string;
  password?: string;
  /** OAuth2 refresh token, exchanged for access tokens with a POST to the token service. */
  identityToken?: string;
  /** A bearer token to send as is. */
  registryToken?: string;
}

/** How the client asks for credentials: the CLI reads Docker's files, the extension its SecretStorage. */
export type CredentialResolver = (registry: string, signal?: AbortSignal) => Promise<RegistryCredential | undefined>;

/** A credential-helper user name of "<token>" means the secret is an identity token. */
const IDENTITY_TOKEN_USER = '<token>';

/** Resolves credentials from Docker's config.json and the containers tools' auth.json files. */
export function dockerCredentials(env: NodeJS.ProcessEnv): CredentialResolver {
  return async (registry, signal) => {
    const host = registryHost(registry);
    const lookupHost = host.credentialKey === DOCKER_HUB_CREDENTIAL_KEY ? 'index.docker.io' : host.domain;
    const config = await readConfigFile(dockerConfigPath(env));
    const helper = helperFor(config, host.credentialKey, lookupHost);
    if (helper) {
      const found = await helperGet(helper, host.credentialKey, env, signal ? { signal } : {});
      if (found) {
        return found.Username === IDENTITY_TOKEN_USER ? { identityToken: found.Secret } : { username: found.Username, password: found.Secret };
      }
    }
    const names = lookupHost === 'index.docker.io' ? HUB_NAMES : [lookupHost];
    const fromAuths = fromAuthFile(config, names);
    if (fromAuths) return fromAuths;
    for (const path of containersAuthPaths(env)) {
      const found = fromAuthFile(await readConfigFile(path), names);
      if (found) return found;
    }
    return undefined;
  };
}

function helperFor(config: DockerConfigFile, key: string, lookupHost: string): string | undefined {
  const helpers = config.credHelpers ?? {};
  return helpers[key] ?? helpers[lookupHost] ?? (config.credsStore || undefined);
}

/** Docker files Hub logins under index.docker.io; podman and skopeo under docker.io. */
const HUB_NAMES = ['index.docker.io', 'docker.io', 'registry-1.docker.io'];

function fromAuthFile(config: DockerConfigFile, hosts: readonly string[]): RegistryCredential | undefined {
  const key = hosts.map((h) => findAuthKey(config.auths, h)).find((k) => k !== undefined);
  if (!key) return undefined;
  const decoded = decodeAuthEntry(config.auths![key]!);
  if (!decoded) return undefined;
  const credential: RegistryCredential = {};
  if (decoded.username) credential.username = decoded.username;
  if (decoded.password) credential.password = decoded.password;
  if (decoded.identityToken) credential.identityToken = decoded.identityToken;
  if (decoded.registryToken) credential.registryToken = decoded.registryToken;
  return credential;
}

export interface StoredLogin {
  /** Where the secret went: a file path, or "docker-credential-NAME". */
  storedIn: string;
  /** True when the secret sits in a plain file (Docker warns about that). */
  plainText: boolean;
}

/** Saves a login where `docker login` would: the registry's credential helper, else config.json. */
export async function storeCredential(env: NodeJS.ProcessEnv, registry: string, credential: RegistryCredential): Promise<StoredLogin> {
  const host = registryHost(registry);
  const path = dockerConfigPath(env);
  const config = await readConfigFile(path);
  const lookupHost = host.credentialKey === DOCKER_HUB_CREDENTIAL_KEY ? 'index.docker.io' : host.domain;
  const helper = helperFor(config, host.credentialKey, lookupHost);
  const auths = (config.auths ??= {});
  const existingKey = findAuthKey(auths, lookupHost);
  if (existingKey && existingKey !== host.credentialKey) delete auths[existingKey];
  if (helper) {
    const secret = credential.identityToken ?? credential.password ?? '';
    const username = credential.identityToken ? IDENTITY_TOKEN_USER : (credential.username ?? '');
    await helperStore(helper, { ServerURL: host.credentialKey, Username: username, Secret: secret }, env);
    // Docker records the login with an empty entry, so `docker logout` and others know about it.
    auths[host.credentialKey] = {};
    await writeConfigFile(path, config);
    return { storedIn: `docker-credential-${helper}`, plainText: false };
  }
  const entry: Record<string, string> = {
    auth: Buffer.from(`${credential.username ?? ''}:${credential.identityToken ? '' : (credential.password ?? '')}`, 'utf8').toString('base64'),
  };
  if (credential.identityToken) entry.identitytoken = credential.identityToken;
  auths[host.credentialKey] = entry;
  await writeConfigFile(path, config);
  return { storedIn: path, plainText: true };
}

/** Removes a login from the helper and config.json; false when there was none. */
export async function eraseCredential(env: NodeJS.ProcessEnv, registry: string): Promise<boolean> {
  const host = registryHost(registry);
  const path = dockerConfigPath(env);
  const config = await readConfigFile(path);
  const lookupHost = host.credentialKey === DOCKER_HUB_CREDENTIAL_KEY ? 'index.docker.io' : host.domain;
  const key = findAuthKey(config.auths, lookupHost);
  const helper = helperFor(config, host.credentialKey, lookupHost);
  let found = false;
  if (helper) {
    found = (await helperGet(helper, host.credentialKey, env)) !== undefined;
    if (found) await helperErase(helper, host.credentialKey, env);
  }
  if (key) {
    delete config.auths![key];
    await writeConfigFile(path, config);
    found = true;
  }
  return found;
}
