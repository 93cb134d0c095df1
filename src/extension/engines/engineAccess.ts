// The container engines the extension talks to (Docker, Podman), made on first use from the
// settings and the environment the docker CLI reads, and remade when the settings change.

import { EngineClient } from '../../core/engine/engineClient';
import { endpointFromHost, resolveDockerEndpoint, resolvePodmanEndpoint, type EngineKind } from '../../core/engine/engineEndpoint';
import type { StevedoreSettings } from '../settings';

export class EngineAccess {
  private readonly clients = new Map<EngineKind, Promise<EngineClient>>();

  constructor(private readonly settings: () => StevedoreSettings) {}

  client(kind: EngineKind): Promise<EngineClient> {
    let client = this.clients.get(kind);
    if (!client) {
      client = this.create(kind);
      // A failed resolution (a broken context, say) is tried again next time, not remembered.
      client.catch(() => this.clients.delete(kind));
      this.clients.set(kind, client);
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

  private async create(kind: EngineKind): Promise<EngineClient> {
    const s = this.settings();
    if (kind === 'docker') {
      return new EngineClient(s.dockerHost ? endpointFromHost('docker', s.dockerHost) : await resolveDockerEndpoint({ env: process.env }));
    }
    return new EngineClient(s.podmanHost ? endpointFromHost('podman', s.podmanHost) : resolvePodmanEndpoint(process.env));
  }
}

export function engineLabel(kind: EngineKind): string {
  return kind === 'podman' ? 'Podman' : 'Docker';
}
