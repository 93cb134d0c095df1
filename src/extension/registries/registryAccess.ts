// Registry clients for the extension's session: the environment's registry settings, read by the
// same core function as the CLI's (registryEnvironment.ts), with the extension's settings on top:
// more insecure registries (the list and the registries added with "insecure"), VS Code's proxy,
// the stall and retry settings when the user set them, and credentials from the extension's own
// logins (SecretStorage) first, then Docker's config.json and the containers tools' auth.json when
// the setting allows. One RegistryClients shares tokens and connections between views and
// commands; it is rebuilt when settings or logins change.

import type * as vscode from 'vscode';
import type { CredentialResolver } from '../../core/registry/credentials';
import { registryOptionsFromEnv, type Environment } from '../../core/registry/registryEnvironment';
import { RegistryClients } from '../../core/registry/registryClients';
import type { RegistryOptions } from '../../core/registry/registryOptions';
import type { StevedoreSettings } from '../settings';
import type { SecretCredentials } from './secretCredentials';

export class RegistryAccess implements vscode.Disposable {
  private clients: RegistryClients | undefined;

  constructor(
    private readonly settings: () => StevedoreSettings,
    readonly secrets: SecretCredentials,
    /** Read when the clients are (re)built, so a changed environment counts from the next reset. */
    private readonly env: Environment = process.env,
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
    const fromEnv = registryOptionsFromEnv(this.env);
    const retry = {
      ...fromEnv.retry,
      ...(s.retryAttempts !== undefined ? { attempts: s.retryAttempts } : {}),
      ...(s.retryTimeSeconds !== undefined ? { maxElapsedMs: s.retryTimeSeconds * 1000 } : {}),
    };
    return {
      ...fromEnv,
      insecureRegistries: [...(fromEnv.insecureRegistries ?? []), ...s.insecureRegistries, ...s.registries.filter((r) => r.insecure).map((r) => r.url)],
      credentials: this.resolver(s.useDockerCredentials ? fromEnv.credentials : undefined),
      userAgent: 'stevedore-vscode',
      proxy: s.proxy,
      ...(s.dockerHubSearchEndpoint ? { searchEndpoint: s.dockerHubSearchEndpoint } : {}),
      ...(s.stallTimeoutSeconds !== undefined ? { stallTimeoutMs: s.stallTimeoutSeconds * 1000 } : {}),
      ...(Object.keys(retry).length ? { retry } : {}),
    };
  }

  dispose(): void {
    this.reset();
  }

  private resolver(docker: CredentialResolver | undefined): CredentialResolver {
    return async (registry, signal) => (await this.secrets.get(registry)) ?? (docker ? await docker(registry, signal).catch(() => undefined) : undefined);
  }
}
