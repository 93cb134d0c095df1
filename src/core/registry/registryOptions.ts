// The settings a registry client needs, passed in as one plain object: the CLI fills it from flags,
// environment and Docker's files; the extension from its settings and SecretStorage.

import type { CredentialResolver } from './credentials';
import type { Mirror } from './hubMirrors';
import type { PlainHttpMemory } from './plainHttpMemory';
import type { ProxySettings } from './proxySettings';
import type { RetryOptions } from './retryPolicy';

export interface RegistryOptions {
  /** Registries that may use plain HTTP or an unverified certificate: "host", "host:port" or an IPv4 CIDR. */
  insecureRegistries?: readonly string[];
  /** Treat loopback registries as insecure-allowed, as Docker does (default true). */
  insecureLoopback?: boolean;
  /** Folders holding `HOST[:PORT]/ca.crt` (and client `*.cert`/`*.key`), as Docker's certs.d. */
  certsDirs?: readonly string[];
  /** CA certificates (a PEM file) trusted besides the system's for every registry: NODE_EXTRA_CA_CERTS when Node was started without it (core/http/deferredCas.ts). */
  extraCaFile?: string;
  /** Where credentials come from; none means anonymous access only. */
  credentials?: CredentialResolver;
  retry?: Partial<RetryOptions>;
  userAgent?: string;
  /** How long to wait for a connection to a registry to be made (default 10 s). */
  connectTimeoutMs?: number;
  /** How long to wait for response headers (default 120 s). */
  headersTimeoutMs?: number;
  /** How long a response body may stay silent before the transfer counts as broken (default 60 s). */
  bodyTimeoutMs?: number;
  /**
   * A blob download that brings less than STALL_MIN_BYTES in this long fails, naming the layer
   * (default 30 s): a body dripping a few bytes a second never trips an idle timeout.
   */
  stallTimeoutMs?: number;
  /** Docker Hub's search API (default https://index.docker.io). */
  searchEndpoint?: string;
  /** Docker Hub's mirrors (hubMirrors.ts), tried in order before Docker Hub itself for pulls; read only when a pull needs them. */
  hubMirrors?: () => Promise<Mirror[]>;
  /** HTTP(S) proxies and their exceptions, as HTTPS_PROXY / HTTP_PROXY / NO_PROXY. */
  proxy?: ProxySettings;
  /** Insecure registries found speaking plain HTTP, asked that way first next time (plainHttpMemory.ts). */
  plainHttpMemory?: PlainHttpMemory;
}

/** Docker Hub's classic index, which still serves /v1/search. */
export const DEFAULT_SEARCH_ENDPOINT = 'https://index.docker.io';

/** Layers transferred at once unless told otherwise (go-containerregistry's default). */
export const DEFAULT_CONCURRENCY = 4;

/** How long a layer download may bring (almost) nothing before it fails. */
export const DEFAULT_STALL_TIMEOUT_MS = 30_000;
