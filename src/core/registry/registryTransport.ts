// How one HTTP exchange with a registry host goes over the wire, behind one interface so that the
// client above it (auth, retries, redirects) does not care which path a request takes. Requests
// not sent through a proxy take connections of our own: a layer GET a connection of its own read
// straight into the receiver's buffers (socketGet.ts); every other request a kept-alive connection
// from a pool (http/keptAliveRequest.ts): the API's small requests with their answers read whole,
// blob uploads with their bodies streamed, configs and small blobs written into the caller's sink.
// So pull, push and copy never load undici (nor pay for its WebAssembly parser, launcher.ts) unless
// a proxy is set; undici carries proxied requests and a 2xx GET body too large to hold without a
// sink. Every path uses the host's certs.d material and skips certificate verification only for a
// host allowed as insecure.

import type { Readable } from 'node:stream';
import type { ConnectionOptions } from 'node:tls';
import type { Dispatcher } from 'undici';
import { CancelledError, StevedoreError } from '../errors';
import { readExtraCas, trustingAlso, trustWith } from '../http/deferredCas';
import { ConnectionPool } from '../http/connectionPool';
import { BodyBrokenOff } from '../http/bodyBrokenOff';
import { keptAliveRequest } from '../http/keptAliveRequest';
import { dispatcherFor, proxyOrThrow } from './dispatchers';
import type { ProxySettings } from './proxySettings';
import { MAX_ERROR_BODY, TransferInterrupted, type BodySink, type HttpMethod, type ReceiverSink, type RegistryResponse, type ResponseHeaders } from './registryRequest';
import { CollectedBody } from './responseBody';
import { socketGet, type SocketGetResponse } from './socketGet';
import { clientPair, loadTlsMaterial } from './tlsTrust';

/** One exchange, its URL final (the client has resolved it and follows redirects itself). */
export interface TransportRequest {
  url: URL;
  method: HttpMethod;
  headers: Record<string, string>;
  body?: string | Buffer | Readable;
  signal?: AbortSignal;
  sink?: BodySink;
  receiverSink?: ReceiverSink;
  bodyTimeoutMs?: number;
  /** False: sent once, never again on a new connection when a kept one drops it (the request's own `retry`). */
  retry?: boolean;
}

export interface RegistryTransport {
  send(request: TransportRequest): Promise<RegistryResponse>;
  /** Closes the connections kept open; sending again opens new ones. */
  close(): Promise<void>;
}

export interface HttpTransportOptions {
  /** Whether a host ("host:port") may be reached with an unverified certificate. */
  isInsecure(hostPort: string): boolean;
  certsDirs?: readonly string[];
  /** CA certificates (a PEM file) trusted besides Node's roots: NODE_EXTRA_CA_CERTS when Node was started without it (deferredCas.ts). */
  extraCaFile?: string;
  proxy?: ProxySettings;
  /** Longest wait for a connection (and its TLS handshake) to a registry (default 10 s, as undici's). */
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  bodyTimeoutMs?: number;
}

export class HttpTransport implements RegistryTransport {
  private readonly agents = new Map<string, Promise<Dispatcher>>();
  private readonly connectOptions = new Map<string, Promise<ConnectionOptions>>();
  private extraCas: Promise<string | undefined> | undefined;
  private readonly pool = new ConnectionPool();

  constructor(private readonly options: HttpTransportOptions) {}

  async send(request: TransportRequest): Promise<RegistryResponse> {
    const { url, method, receiverSink, body } = request;
    // Until a path takes it, a streamed body's failure is noted (it fails the request) rather than thrown at the process.
    if (body && typeof body !== 'string' && !Buffer.isBuffer(body)) body.on('error', () => undefined);
    if (proxyOrThrow(url, this.options.proxy)) return this.sendWithUndici(request);
    if (receiverSink && method === 'GET') {
      const res = await this.sendOnSocket(request, receiverSink);
      if (res) return res;
    }
    // A 2xx the receiver did not take (a 206 resume, a chunked body) comes here again, into the sink.
    const res = await this.sendKeptAlive(request);
    return res ?? this.sendWithUndici(request);
  }

  async close(): Promise<void> {
    this.pool.close();
    const agents = [...this.agents.values()];
    this.agents.clear();
    await Promise.all(agents.map(async (a) => (await a.catch(() => undefined))?.close().catch(() => undefined)));
  }

  private get connectTimeoutMs(): number {
    return this.options.connectTimeoutMs ?? 10_000;
  }

  private get headersTimeoutMs(): number {
    return this.options.headersTimeoutMs ?? 120_000;
  }

  private bodyTimeoutMs(request: TransportRequest): number {
    return request.bodyTimeoutMs ?? this.options.bodyTimeoutMs ?? 60_000;
  }

  private async sendWithUndici(request: TransportRequest): Promise<RegistryResponse> {
    const { url, signal, sink } = request;
    const agent = await this.agentFor(url);
    const options = {
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method: request.method,
      headers: request.headers,
      body: request.body ?? null,
      signal: signal ?? null,
      headersTimeout: this.headersTimeoutMs,
      bodyTimeout: this.bodyTimeoutMs(request),
      // Big reads keep per-chunk overhead (hashing, file writes) low on layer downloads.
      highWaterMark: 1024 * 1024,
    };
    if (!sink) {
      try {
        const res = await agent.request(options);
        return { status: res.statusCode, headers: res.headers, body: res.body, url };
      } catch (err) {
        if (signal?.aborted) throw new CancelledError();
        throw err;
      }
    }
    let engaged = false;
    let status = 0;
    let responseHeaders: ResponseHeaders = {};
    const collected = new CollectedBody(MAX_ERROR_BODY);
    try {
      await agent.stream(options, ({ statusCode, headers: h }) => {
        status = statusCode;
        responseHeaders = h;
        const target = sink(statusCode, h);
        if (target) {
          engaged = true;
          return target;
        }
        return collected.writable;
      });
    } catch (err) {
      if (signal?.aborted) throw new CancelledError();
      // The sink's own errors (a blob larger than announced) are final, not interruptions.
      if (err instanceof StevedoreError) throw err;
      if (engaged) throw new TransferInterrupted(err);
      throw err;
    }
    return { status, headers: responseHeaders, body: collected, url, streamed: engaged };
  }

  /** A GET on a connection of its own, the body read straight into a receiver; undefined: use undici. */
  private async sendOnSocket(request: TransportRequest, receiverFor: ReceiverSink): Promise<RegistryResponse | undefined> {
    const { url, signal } = request;
    const tls = url.protocol === 'https:' ? await this.connectOptionsFor(url) : undefined;
    let res: SocketGetResponse | undefined;
    try {
      res = await socketGet({
        url,
        headers: request.headers,
        ...(tls ? { tls } : {}),
        ...(signal ? { signal } : {}),
        connectTimeoutMs: this.connectTimeoutMs,
        headersTimeoutMs: this.headersTimeoutMs,
        bodyTimeoutMs: this.bodyTimeoutMs(request),
        smallBodyLimit: MAX_ERROR_BODY,
        receiverFor,
      });
    } catch (err) {
      if (signal?.aborted) throw new CancelledError();
      if (err instanceof BodyBrokenOff) throw new TransferInterrupted(err.cause);
      throw err;
    }
    if (!res) return undefined;
    return { status: res.status, headers: res.headers, body: new CollectedBody(MAX_ERROR_BODY, [res.body]), url, streamed: res.streamed };
  }

  /**
   * A request on a kept-alive connection, its body in memory or streamed, its answer held in memory
   * or written into the sink; undefined: a 2xx GET body too large to hold, with no sink to take it.
   */
  private async sendKeptAlive(request: TransportRequest): Promise<RegistryResponse | undefined> {
    const { url, signal, sink } = request;
    const https = url.protocol === 'https:';
    const tls = https ? await this.connectOptionsFor(url) : undefined;
    const body = typeof request.body === 'string' ? Buffer.from(request.body) : request.body;
    // A streamed body goes with the length the caller gives (a stored blob's size), else chunked.
    const length = body && !Buffer.isBuffer(body) ? declaredLength(request.headers) : undefined;
    let res;
    try {
      res = await keptAliveRequest({
        pool: this.pool,
        // Connect options are made once per this key (connectOptionsFor), so one key means one TLS setting.
        key: this.connectKey(url),
        target: { host: url.hostname, port: Number(url.port) || (https ? 443 : 80), ...(tls ? { tls } : {}), connectTimeoutMs: this.connectTimeoutMs },
        method: request.method,
        path: `${url.pathname}${url.search}`,
        hostHeader: url.host,
        headers: request.headers,
        ...(body ? { body } : {}),
        ...(request.retry === false ? { retry: false } : {}),
        ...(length !== undefined ? { bodyLength: length } : {}),
        ...(sink ? { sink } : {}),
        ...(signal ? { signal } : {}),
        headersTimeoutMs: this.headersTimeoutMs,
        bodyTimeoutMs: this.bodyTimeoutMs(request),
        limit: request.method === 'GET' ? MAX_HELD_BODY : MAX_ERROR_BODY * 16,
        errorLimit: MAX_ERROR_BODY,
      });
    } catch (err) {
      if (signal?.aborted) throw new CancelledError();
      if (err instanceof BodyBrokenOff) {
        // The sink's own errors (a blob larger than announced) are final, not interruptions.
        if (err.cause instanceof StevedoreError || err.cause instanceof CancelledError) throw err.cause;
        throw new TransferInterrupted(err.cause);
      }
      throw err;
    }
    if (!res) return undefined;
    return { status: res.status, headers: res.headers, body: new CollectedBody(MAX_HELD_BODY, [res.body]), url, ...(res.streamed ? { streamed: true } : {}) };
  }

  /** One undici dispatcher per host, trust setting and proxy, with that host's certs.d material. */
  private agentFor(url: URL): Promise<Dispatcher> {
    const insecure = this.options.isInsecure(url.host);
    const proxy = proxyOrThrow(url, this.options.proxy);
    const key = `${url.protocol}//${url.host}|${insecure}|${proxy?.href ?? ''}`;
    let agent = this.agents.get(key);
    if (!agent) {
      // A proxy reached over TLS is verified against Node's store and the deferred CAs (not the registry's certs.d).
      agent = this.connectOptionsFor(url).then(async (connect) => dispatcherFor(url, connect, proxy, proxy?.protocol === 'https:' ? await this.proxyTrust() : {}));
      this.agents.set(key, agent);
    }
    return agent;
  }

  /** How to connect to a host: its certs.d material, verification unless the host is insecure. */
  private connectOptionsFor(url: URL): Promise<ConnectionOptions> {
    const insecure = this.options.isInsecure(url.host);
    const key = this.connectKey(url);
    let options = this.connectOptions.get(key);
    if (!options) {
      options = (async () => {
        if (url.protocol !== 'https:') return {};
        const material = await loadTlsMaterial(url.host, this.options.certsDirs ?? []);
        const client = clientPair(material);
        // Unverified, no certificate authority decides anything: an empty list spares Node from
        // parsing its whole root store for the first TLS connection (about 18 ms of a no-op pull
        // from a loopback registry, which is tried over TLS before plain HTTP).
        if (insecure) return { rejectUnauthorized: false, ca: [], ...client };
        // Verified: Node's own store, plus the host's certs.d CAs and deferred NODE_EXTRA_CA_CERTS.
        const deferred = await this.deferredExtraCas();
        const extras = [...(deferred ? [deferred] : []), ...material.extraCas];
        if (extras.length === 0 && !client) return { rejectUnauthorized: true };
        return { rejectUnauthorized: true, secureContext: trustingAlso(extras, client) };
      })();
      this.connectOptions.set(key, options);
    }
    return options;
  }

  private async proxyTrust(): Promise<ConnectionOptions> {
    return trustWith(await this.deferredExtraCas());
  }

  private deferredExtraCas(): Promise<string | undefined> {
    const file = this.options.extraCaFile;
    if (!file) return Promise.resolve(undefined);
    this.extraCas ??= readExtraCas(file);
    return this.extraCas;
  }

  private connectKey(url: URL): string {
    return `${url.protocol}//${url.host}|${this.options.isInsecure(url.host)}`;
  }
}

/** The Content-Length the caller gives a streamed body; undefined when it gives none. */
function declaredLength(headers: Record<string, string>): number | undefined {
  const name = Object.keys(headers).find((n) => n.toLowerCase() === 'content-length');
  const value = name === undefined ? undefined : headers[name]!.trim();
  return value !== undefined && /^\d{1,15}$/.test(value) ? Number(value) : undefined;
}

/**
 * The largest body a 2xx answer to a GET may bring into memory on the kept-alive path: the largest
 * any caller accepts (an image config, 8 MiB; manifests are capped at 4). A 2xx GET body beyond it
 * goes to undici, streamed, so the caller's own cap still decides. A 2xx to another method keeps
 * what the token reader reads of a POST's answer (16 × MAX_ERROR_BODY); any other answer
 * MAX_ERROR_BODY, as undici's path read of errors and redirects.
 */
const MAX_HELD_BODY = 8 * 1024 * 1024;
