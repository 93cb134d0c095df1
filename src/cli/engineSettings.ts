// The container engines a command may talk to, from Docker's own flags and variables:
//   -H/--host, --context     as the docker CLI takes them (they exclude each other)
//   DOCKER_HOST, DOCKER_CONTEXT, DOCKER_CONFIG's currentContext, DOCKER_TLS_VERIFY, DOCKER_CERT_PATH
//   CONTAINER_HOST           Podman's service (else its rootless or rootful socket)
//   --engine docker|podman|ADDRESS   which engine a listing command reads instead of the store

// Only the type at start-up: the client (node:http, node:https) loads when an engine is asked for,
// so `images` without --engine does not pay for it.
import type { EngineClient } from '../core/engine/engineClient';
import { endpointFromHost, resolveDockerEndpoint, resolvePodmanEndpoint, type EngineEndpoint, type EngineKind } from '../core/engine/engineEndpoint';
import { StevedoreError } from '../core/errors';
import { deferredCaFile } from '../core/http/deferredCaEnv';
import type { FlagSpec, FlagValues } from './args';
import { stringFlag } from './command';
import type { CliContext } from './context';

const HOST_FLAG: FlagSpec = { name: 'host', short: 'H', kind: 'string', valueName: 'string', description: 'Docker engine to connect to (unix://, tcp://, npipe://; also DOCKER_HOST)' };
const CONTEXT_FLAG: FlagSpec = { name: 'context', kind: 'string', valueName: 'string', description: 'Docker context to use (also DOCKER_CONTEXT and `docker context use`)' };

export const ENGINE_HOST_FLAGS: FlagSpec[] = [HOST_FLAG, CONTEXT_FLAG];
/** For commands whose own -H means something else (history's --human). */
export const ENGINE_HOST_FLAGS_LONG: FlagSpec[] = [{ name: HOST_FLAG.name, kind: HOST_FLAG.kind, valueName: 'string', description: HOST_FLAG.description }, CONTEXT_FLAG];

export const ENGINE_FLAG: FlagSpec = {
  name: 'engine',
  kind: 'string',
  valueName: 'engine',
  description: 'Read a container engine instead of the store: docker, podman, or an address (unix://PATH, tcp://HOST:PORT)',
};

/** Engine clients made on first use and closed together, so the CLI exits at once. */
export class EngineClients {
  private readonly clients = new Map<string, Promise<EngineClient>>();

  constructor(
    private readonly ctx: CliContext,
    private readonly flags: FlagValues,
  ) {}

  get(kind: EngineKind | string): Promise<EngineClient> {
    let client = this.clients.get(kind);
    if (!client) {
      client = this.create(kind);
      this.clients.set(kind, client);
    }
    return client;
  }

  async close(): Promise<void> {
    const clients = await Promise.allSettled(this.clients.values());
    await Promise.all(clients.map((c) => (c.status === 'fulfilled' ? c.value.close() : undefined)));
  }

  private async create(kind: string): Promise<EngineClient> {
    const { EngineClient } = await import('../core/engine/engineClient');
    return new EngineClient(await withDeferredCas(await this.endpoint(kind), this.ctx.env));
  }

  private async endpoint(kind: string): Promise<EngineEndpoint> {
    if (kind === 'docker') {
      const host = stringFlag(this.flags, 'host');
      const context = stringFlag(this.flags, 'context');
      return resolveDockerEndpoint({ env: this.ctx.env, ...(host ? { host } : {}), ...(context ? { context } : {}) });
    }
    if (kind === 'podman') return resolvePodmanEndpoint(this.ctx.env);
    if (kind.includes('://')) return endpointFromHost('docker', kind);
    throw new StevedoreError('INVALID_ARGUMENT', `Unknown engine "${kind}": use docker, podman, or an address such as unix:///run/podman/podman.sock.`);
  }
}

export async function withEngines<T>(ctx: CliContext, flags: FlagValues, fn: (engines: EngineClients) => Promise<T>): Promise<T> {
  const engines = new EngineClients(ctx, flags);
  try {
    return await fn(engines);
  } finally {
    await engines.close();
  }
}

/** An engine verified over TLS against the system's CAs trusts NODE_EXTRA_CA_CERTS's too, when Node was started without them (deferredCas.ts). */
export async function withDeferredCas(endpoint: EngineEndpoint, env: NodeJS.ProcessEnv): Promise<EngineEndpoint> {
  const file = deferredCaFile(env);
  const tls = endpoint.tls;
  if (!file || !tls?.verify || tls.ca) return endpoint;
  // Loaded here: `images --engine` runs from the images bundle, which should not load node:tls at start.
  const { readExtraCas, trustingAlso } = await import('../core/http/deferredCas');
  const extras = await readExtraCas(file);
  if (!extras) return endpoint;
  const client = tls.cert && tls.key ? { cert: tls.cert, key: tls.key } : undefined;
  return { ...endpoint, tls: { ...tls, secureContext: trustingAlso([extras], client) } };
}
