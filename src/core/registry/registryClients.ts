// One RegistryClient per registry for the length of an operation (or of the extension's session),
// so that the scheme, the auth challenge, tokens and connections are shared by every request.

import { RegistryClient } from './registryClient';
import { registryHost } from './registryHost';
import type { RegistryOptions } from './registryOptions';

export class RegistryClients {
  private readonly clients = new Map<string, RegistryClient>();

  constructor(readonly options: RegistryOptions = {}) {}

  /** The client for a registry named as references name it ("docker.io", "localhost:5000"). */
  for(registry: string): RegistryClient {
    const domain = registryHost(registry).domain;
    let client = this.clients.get(domain);
    if (!client) {
      client = new RegistryClient(domain, this.options);
      this.clients.set(domain, client);
    }
    return client;
  }

  /** Closes every connection; call when done so that the process can exit at once. */
  async close(): Promise<void> {
    const all = [...this.clients.values()];
    this.clients.clear();
    await Promise.all(all.map((c) => c.close()));
  }
}
