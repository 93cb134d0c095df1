// One RegistryClient per registry for the length of an operation (or of the extension's session),
// so that the scheme, the auth challenge, tokens and connections are shared by every request.

import { RegistryClient } from './registryClient';
import { registryHost } from './registryHost';
import type { Mirror } from './hubMirrors';
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

  /** The client for a Docker Hub mirror: one listed insecure (http:// or `insecure = true`) may use plain HTTP. */
  forMirror(mirror: Mirror): RegistryClient {
    const domain = registryHost(mirror.host).domain;
    const key = `mirror|${domain}|${mirror.insecure}`;
    let client = this.clients.get(key);
    if (!client) {
      const insecureRegistries = mirror.insecure ? [...(this.options.insecureRegistries ?? []), mirror.host] : this.options.insecureRegistries;
      client = new RegistryClient(domain, { ...this.options, ...(insecureRegistries ? { insecureRegistries } : {}) });
      this.clients.set(key, client);
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
