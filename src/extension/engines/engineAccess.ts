// The container engines the extension talks to (Docker, Podman, and endpoints the user added),
// made on first use from the settings and the environment the docker CLI reads, and remade when
// the settings change. Each is named by its source id (imageSources.ts).

import { EngineClient } from '../../core/engine/engineClient';
import { endpointFromHost, resolveDockerEndpoint, resolvePodmanEndpoint } from '../../core/engine/engineEndpoint';
import { StevedoreError } from '../../core/errors';
import type { StevedoreSettings } from '../settings';
import { engineSource } from './imageSources';

export { engineLabel } from './imageSources';

export class EngineAccess {
  private readonly clients = new Map<string, Promise<EngineClient>>();

  constructor(private readonly settings: () => StevedoreSettings) {}

  /** The client of a source: "docker", "podman", or an added endpoint's name. */
  client(id: string): Promise<EngineClient> {
    let client = this.clients.get(id);
    if (!client) {
      client = this.create(id);
      // A failed resolution (a broken context, say) is tried again next time, not remembered.
      client.catch(() => this.clients.delete(id));
      this.clients.set(id, client);
    }
    return client;
  }

  /** Forgets the clients, so that the next use reads the settings and the environment again. */
  reset(): void {
    const old = [...this.clients.values()];
    this.clients.clear();
    for (const c of old) void c.then((client) => client.close(), () => undefined);
  }

  dispose(): void {
    this.reset();
  }

  private async create(id: string): Promise<EngineClient> {
    const s = this.settings();
    if (id === 'docker') {
      return new EngineClient(s.dockerHost ? endpointFromHost('docker', s.dockerHost) : await resolveDockerEndpoint({ env: process.env }));
    }
    if (id === 'podman') return new EngineClient(s.podmanHost ? endpointFromHost('podman', s.podmanHost) : resolvePodmanEndpoint(process.env));
    const endpoint = engineSource(s, id)?.endpoint;
    if (!endpoint) throw new StevedoreError('INVALID_ARGUMENT', `There is no engine "${id}" in the setting stevedore.engines.endpoints any more. Refresh the Images view.`);
    if (endpoint.host) return new EngineClient(endpointFromHost(endpoint.kind, endpoint.host));
    return new EngineClient(await resolveDockerEndpoint({ env: process.env, context: endpoint.context! }));
  }
}
