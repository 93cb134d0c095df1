// `login` and `logout`: check credentials against the registry itself (a Basic-auth /v2/ request,
// or a token request to the registry's token service), then store them where `docker login`
// would. When the token service hands out a refresh token, that is stored in place of the
// password, as Docker does, and used later through the OAuth2 refresh flow.

import { storeCredential, eraseCredential, type RegistryCredential, type StoredLogin } from './credentials';
import type { RegistryClients } from './registryClients';
import { registryHost } from './registryHost';

export interface LoginOptions {
  /** What the user typed: "localhost:5000", "https://index.docker.io/v1/", "ghcr.io"; Docker Hub when absent. */
  server?: string;
  username: string;
  password: string;
  signal?: AbortSignal;
}

export interface LoginResult extends StoredLogin {
  /** The key the login is filed under ("https://index.docker.io/v1/", "localhost:5000"). */
  server: string;
}

export async function loginRegistry(clients: RegistryClients, env: NodeJS.ProcessEnv, options: LoginOptions): Promise<LoginResult> {
  const host = registryHost(options.server ?? 'docker.io');
  const client = clients.for(host.domain);
  const { identityToken } = await client.verifyCredential({ username: options.username, password: options.password }, options.signal);
  const credential: RegistryCredential = identityToken ? { username: options.username, identityToken } : { username: options.username, password: options.password };
  const stored = await storeCredential(env, host.domain, credential);
  return { ...stored, server: host.credentialKey };
}

/** Forgets a login; `removed` is false when there was none. */
export async function logoutRegistry(env: NodeJS.ProcessEnv, server?: string): Promise<{ server: string; removed: boolean }> {
  const host = registryHost(server ?? 'docker.io');
  return { server: host.credentialKey, removed: await eraseCredential(env, host.domain) };
}
