// Registry logins made in VS Code, kept in SecretStorage (the OS keychain on desktop), never in
// settings or logs. The list of registries with a login sits in globalState so that the views can
// show who is logged in without reading secrets.

import type * as vscode from 'vscode';
import type { RegistryCredential } from '../../core/registry/credentials';
import { registryHost } from '../../core/registry/registryHost';

const LOGGED_IN_KEY = 'stevedore.loggedInRegistries';

export class SecretCredentials {
  constructor(
    private readonly secrets: vscode.SecretStorage,
    private readonly state: vscode.Memento,
  ) {}

  async get(registry: string): Promise<RegistryCredential | undefined> {
    const text = await this.secrets.get(secretKey(registry));
    if (!text) return undefined;
    try {
      const parsed = JSON.parse(text) as RegistryCredential;
      return typeof parsed === 'object' && parsed !== null ? parsed : undefined;
    } catch {
      return undefined;
    }
  }

  async store(registry: string, credential: RegistryCredential): Promise<void> {
    await this.secrets.store(secretKey(registry), JSON.stringify(credential));
    const domain = registryHost(registry).domain;
    const list = this.loggedIn();
    if (!list.includes(domain)) await this.state.update(LOGGED_IN_KEY, [...list, domain].sort());
  }

  /** Returns false when there was no login to remove. */
  async delete(registry: string): Promise<boolean> {
    const domain = registryHost(registry).domain;
    const had = (await this.secrets.get(secretKey(registry))) !== undefined;
    await this.secrets.delete(secretKey(registry));
    await this.state.update(LOGGED_IN_KEY, this.loggedIn().filter((d) => d !== domain));
    return had;
  }

  /** Registries (as references name them) with a login stored here. */
  loggedIn(): string[] {
    const list = this.state.get<unknown>(LOGGED_IN_KEY, []);
    return Array.isArray(list) ? list.filter((d): d is string => typeof d === 'string') : [];
  }
}

function secretKey(registry: string): string {
  return `stevedore.registry:${registryHost(registry).domain}`;
}
