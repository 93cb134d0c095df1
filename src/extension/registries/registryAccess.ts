// Registry clients for the extension's session, built from its settings: insecure registries (the
// list and the registries added with "insecure"), Docker's certs.d folders, and credentials from
// the extension's own logins (SecretStorage) first, then Docker's config.json and the containers
// tools' auth.json when the setting allows. One RegistryClients shares tokens and connections
// between views and commands; it is rebuilt when settings or logins change.

import type * as vscode from 'vscode';
import { join } from 'node:path';
import { dockerCredentials, type CredentialResolver } from '../../core/registry/credentials';
import { homeOf } from '../../core/registry/dockerConfig';
import { hubMirrors, mirrorFiles } from '../../core/registry/hubMirrors';
import { RegistryClients } from '../../core/registry/registryClients';
import type { RegistryOptions } from '../../core/registry/registryOptions';
import type { StevedoreSettings } from '../settings';
import type { SecretCredentials } from './secretCredentials';

export class RegistryAccess implements vscode.Disposable {
  private clients: RegistryClients | undefined;

  constructor(
    private readonly settings: () => StevedoreSettings,
    readonly secrets: SecretCredentials,
  ) {}

  get(): RegistryClients {
    this.clients ??= new RegistryClients(this.options());
    return this.clients;
  }

  /** Forget tokens, challenges and connections: after a login, a logout or a settings change. */
  reset(): void {
    const old = this.clients;
    this.clients = undefined;
    void old?.close();
  }

  options(): RegistryOptions {
    const s = this.settings();
    const env = process.env;
    return {
      insecureRegistries: [...s.insecureRegistries, ...s.registries.filter((r) => r.insecure).map((r) => r.url)],
      insecureLoopback: true,
      certsDirs: [join(homeOf(env), '.docker', 'certs.d'), '/etc/docker/certs.d', '/etc/containers/certs.d'],
      credentials: this.resolver(s.useDockerCredentials),
      userAgent: 'stevedore-vscode',
      proxy: s.proxy,
      hubMirrors: async () => hubMirrors(await mirrorFiles(env)),
      stallTimeoutMs: s.stallTimeoutSeconds * 1000,
      retry: { attempts: s.retryAttempts, maxElapsedMs: s.retryTimeSeconds * 1000 },
    };
  }

  dispose(): void {
    this.reset();
  }

  private resolver(useDocker: boolean): CredentialResolver {
    const docker = useDocker ? dockerCredentials(process.env) : undefined;
    return async (registry) => (await this.secrets.get(registry)) ?? (docker ? await docker(registry).catch(() => undefined) : undefined);
  }
}
