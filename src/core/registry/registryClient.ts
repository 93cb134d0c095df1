// HTTP to one registry with undici: finds the scheme (HTTPS, or plain HTTP for an insecure
// registry, as Docker does), answers the WWW-Authenticate challenge (anonymous, Basic, Bearer with
// tokens cached per scope), retries connection errors, 408, 429 and 5xx with backoff (honouring
// Retry-After), and follows redirects, dropping the Authorization header when one leads to another
// host (blob storage must never see registry credentials, containerd CVE-2020-15157). Layer bodies
// can go over socketGet.ts instead of undici (`receiverSink`); all of the above applies to both.

import { Readable, Writable } from 'node:stream';
import type { ConnectionOptions } from 'node:tls';
import type { Dispatcher } from 'undici';
import { dispatcherFor, proxyOrThrow } from './dispatchers';
import { CancelledError, StevedoreError } from '../errors';
import { parseAuthChallenges, preferredChallenge, type AuthChallenge } from './authChallenge';
import { mergeScopes, requestToken, scopeKey, type IssuedToken, type TokenTransport } from './bearerTokens';
import type { RegistryCredential } from './credentials';
import { registryErrorFrom, isTemporaryStatus } from './registryError';
import { isListedInsecure, isLoopbackHost, registryHost, type RegistryHost } from './registryHost';
import { DEFAULT_STALL_TIMEOUT_MS, type RegistryOptions } from './registryOptions';
import { backoffDelay, DEFAULT_RETRY, isRetryableNetworkError, parseRetryAfter, RetryClock, sleep, type RetryOptions } from './retryPolicy';
import { networkError } from './networkErrors';
import { BodyBrokenOff, socketGet, type BodyReceiver, type SocketGetResponse } from './socketGet';
import { caBundle, loadTlsMaterial } from './tlsTrust';

export type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RegistryRequest {
  method: HttpMethod;
  /** A path under the registry ("/v2/library/redis/manifests/latest") or an absolute URL (Location, Link). */
  url: string;
  headers?: Record<string, string>;
  /** Makes the body; called again for each attempt, so a retried request can send it again. */
  body?: () => string | Buffer | Readable;
  /** Token scopes the request needs ("repository:library/redis:pull"). */
  scopes: readonly string[];
  signal?: AbortSignal;
  /** False for requests that must not be repeated blindly (a streamed upload). Default true. */
  retry?: boolean;
  /**
   * Streams a wanted response straight into a Writable (undici's stream API: no intermediate
   * readable, so far less work per byte on big downloads). Returning undefined for a status
   * leaves that response (an error, a redirect) to be read from `body` as usual.
   */
  sink?: BodySink;
  /**
   * For a GET: reads a wanted 2xx body straight off the socket into a BodyReceiver (socketGet.ts),
   * the fast path for layers. A 2xx it does not take falls back to undici with `sink`.
   */
  receiverSink?: ReceiverSink;
  /** Longest silence of the body before the transfer counts as broken, instead of the client's default. */
  bodyTimeoutMs?: number;
}

export type ReceiverSink = (status: number, headers: ResponseHeaders, length: number) => BodyReceiver | undefined;

export type ResponseHeaders = Record<string, string | string[] | undefined>;

export type BodySink = (status: number, headers: ResponseHeaders) => Writable | undefined;

/** What callers read a response body with; undici's BodyReadable has all of it. */
export interface ResponseBody extends AsyncIterable<Uint8Array> {
  dump(): Promise<void>;
  text(): Promise<string>;
  json(): Promise<unknown>;
  destroy(): void;
}

export interface RegistryResponse {
  status: number;
  headers: ResponseHeaders;
  body: ResponseBody;
  /** The URL that answered, after redirects. */
  url: URL;
  /** True when the body went into the request's sink (and `body` is empty). */
  streamed?: boolean;
}

/**
 * A transfer that broke off after its body had started flowing into a sink. It is not retried
 * here, since the sink holds part of the body: the caller decides (a download resumes with Range).
 */
export class TransferInterrupted extends Error {
  constructor(cause: unknown) {
    super(`the transfer broke off: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'TransferInterrupted';
  }
}

export const CLIENT_ID = 'stevedore';
const MAX_REDIRECTS = 5;
/** Error bodies are read for their diagnostics only; a proxy's HTML page is cut short. */
const MAX_ERROR_BODY = 64 * 1024;

export class RegistryClient {
  readonly host: RegistryHost;
  private readonly options: RegistryOptions;
  private readonly retry: RetryOptions;
  private base: URL | undefined;
  private pinging: Promise<void> | undefined;
  private challenge: AuthChallenge | undefined;
  private credential: Promise<RegistryCredential | undefined> | undefined;
  private readonly tokens = new Map<string, Promise<IssuedToken>>();
  private readonly agents = new Map<string, Promise<Dispatcher>>();
  private readonly connectOptions = new Map<string, Promise<ConnectionOptions>>();

  constructor(registry: string, options: RegistryOptions = {}) {
    this.host = registryHost(registry);
    this.options = options;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
  }

  /** The backoff settings, for callers that retry whole transfers themselves (resumes, uploads). */
  get retryOptions(): RetryOptions {
    return this.retry;
  }

  /** How long a blob download may bring almost nothing before it fails (RegistryOptions.stallTimeoutMs). */
  get stallTimeoutMs(): number {
    return this.options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
  }

  /** The idle timeout of response bodies (RegistryOptions.bodyTimeoutMs). */
  get bodyTimeoutMs(): number {
    return this.options.bodyTimeoutMs ?? 60_000;
  }

  /** The registry's name as references use it: "docker.io", "localhost:5000". */
  get domain(): string {
    return this.host.domain;
  }

  /** Whether this host may be reached over plain HTTP or with an unverified certificate. */
  isInsecure(hostPort: string = this.host.apiHost): boolean {
    if (isListedInsecure(hostPort, this.options.insecureRegistries ?? [])) return true;
    return (this.options.insecureLoopback ?? true) && isLoopbackHost(hostPort);
  }

  /** Pings /v2/ once: decides the scheme and learns how the registry wants to be authenticated. */
  async ping(signal?: AbortSignal): Promise<void> {
    if (this.base) return;
    this.pinging ??= this.doPing(signal).finally(() => {
      this.pinging = undefined;
    });
    await this.pinging;
  }

  /** The challenge the registry answered the ping with; undefined when it allows anonymous access. */
  async authChallenge(signal?: AbortSignal): Promise<AuthChallenge | undefined> {
    await this.ping(signal);
    return this.challenge;
  }

  /** Sends a request with authentication, retries and redirects; the caller consumes or dumps the body. */
  async request(req: RegistryRequest): Promise<RegistryResponse> {
    await this.ping(req.signal);
    let scopes = req.scopes;
    let authorization = await this.authorization(scopes, req.signal);
    let reauthenticated = false;
    for (;;) {
      const res = await this.sendWithRetries(req, authorization);
      if (res.status !== 401 || reauthenticated) return res;
      // A 401 after authenticating: the token expired, lacks a scope, or the registry wants auth
      // for this repository although /v2/ did not. Ask again once, with the scopes it names.
      const challenge = preferredChallenge(parseAuthChallenges(res.headers['www-authenticate']));
      if (!challenge) return res;
      await res.body.dump().catch(() => undefined);
      reauthenticated = true;
      this.challenge = challenge;
      if (challenge.params.scope) scopes = mergeScopes(scopes, challenge.params.scope.split(' '));
      this.tokens.delete(scopeKey(scopes));
      this.tokens.delete(scopeKey(req.scopes));
      authorization = await this.authorization(scopes, req.signal);
    }
  }

  /** Reads an error response and turns it into a typed error. */
  async errorFrom(res: RegistryResponse, what: string): Promise<StevedoreError> {
    const text = await readLimited(res.body, MAX_ERROR_BODY).catch(() => '');
    return registryErrorFrom(res.status, text, { what, registry: this.host.domain });
  }

  /** Logs in: checks credentials against the registry; returns a refresh token when the service issues one. */
  async verifyCredential(credential: RegistryCredential, signal?: AbortSignal): Promise<{ identityToken?: string }> {
    await this.ping(signal);
    const challenge = this.challenge;
    if (!challenge) return {};
    if (challenge.scheme === 'bearer') {
      this.checkRealm(challenge, credential);
      const issued = await requestToken(this.tokenTransport(signal), {
        challenge,
        scopes: [],
        credential,
        registry: this.host.domain,
        clientId: CLIENT_ID,
        offline: true,
      });
      return issued.refreshToken ? { identityToken: issued.refreshToken } : {};
    }
    const res = await this.send(new URL('/v2/', this.base), 'GET', { authorization: basicAuth(credential) }, undefined, signal);
    if (res.status === 200) {
      await res.body.dump();
      return {};
    }
    const text = await readLimited(res.body, MAX_ERROR_BODY).catch(() => '');
    if (res.status === 401) {
      throw new StevedoreError('UNAUTHORIZED', `${this.host.domain} refused the credentials: incorrect username or password.`, { detail: { status: 401 } });
    }
    throw registryErrorFrom(res.status, text, { what: 'the login', registry: this.host.domain });
  }

  /** Resolves a Location or Link target against the registry's base URL. */
  resolve(url: string): URL {
    if (!this.base) throw new Error('registry not pinged yet');
    return new URL(url, this.base);
  }

  async close(): Promise<void> {
    const agents = [...this.agents.values()];
    this.agents.clear();
    await Promise.all(agents.map(async (a) => (await a.catch(() => undefined))?.close().catch(() => undefined)));
  }

  // ---- internals ----

  private async doPing(signal: AbortSignal | undefined): Promise<void> {
    const schemes = this.isInsecure() ? ['https:', 'http:'] : ['https:'];
    let lastError: unknown;
    for (const [i, scheme] of schemes.entries()) {
      const url = new URL(`${scheme}//${this.host.apiHost}/v2/`);
      const last = i === schemes.length - 1;
      let res: RegistryResponse;
      try {
        // An HTTPS probe of an insecure registry is tried once: failing it only means "use HTTP".
        res = await this.sendWithRetries({ method: 'GET', url: url.href, scopes: [], ...(signal ? { signal } : {}), retry: last }, undefined);
      } catch (err) {
        if (err instanceof CancelledError) throw err;
        // A proxy that refused the HTTPS probe is the problem to report, not what plain HTTP then meets.
        if (isProxyError(err)) throw err;
        lastError = err;
        continue;
      }
      if (res.status === 200 || res.status === 401) {
        this.challenge = res.status === 401 ? preferredChallenge(parseAuthChallenges(res.headers['www-authenticate'])) : undefined;
        await res.body.dump().catch(() => undefined);
        if (res.status === 401 && !this.challenge) {
          throw new StevedoreError('REGISTRY_ERROR', `${this.host.domain} requires authentication but sent no usable WWW-Authenticate challenge.`);
        }
        this.base = new URL('/', url);
        return;
      }
      if (res.status === 404) {
        await res.body.dump().catch(() => undefined);
        throw new StevedoreError('REGISTRY_ERROR', `${this.host.apiHost} does not serve the registry API (GET /v2/ answered 404). Check the registry address.`);
      }
      throw await this.errorFrom(res, 'the API version check (/v2/)');
    }
    throw lastError instanceof StevedoreError ? lastError : networkError(lastError, this.host.apiHost, this.isInsecure());
  }

  private async sendWithRetries(req: RegistryRequest, authorization: string | undefined): Promise<RegistryResponse> {
    const maxAttempts = req.retry === false ? 1 : this.retry.attempts;
    const clock = new RetryClock(this.retry);
    for (let attempt = 0; ; attempt++) {
      let res: RegistryResponse;
      try {
        res = await this.sendFollowingRedirects(req, authorization);
      } catch (err) {
        if (err instanceof CancelledError || req.signal?.aborted) throw new CancelledError();
        if (err instanceof StevedoreError || err instanceof TransferInterrupted) throw err;
        const url = this.base ? this.resolve(req.url) : new URL(req.url);
        const delay = backoffDelay(attempt, this.retry);
        if (attempt + 1 < maxAttempts && isRetryableNetworkError(err) && clock.allows(delay)) {
          await sleep(delay, req.signal);
          continue;
        }
        throw networkError(err, url.host, this.isInsecure(url.host), proxyOrThrow(url, this.options.proxy));
      }
      if (isTemporaryStatus(res.status) && attempt + 1 < maxAttempts) {
        const retryAfter = parseRetryAfter(res.headers['retry-after']);
        if (retryAfter !== undefined && retryAfter > this.retry.maxRetryAfterMs) return res;
        const delay = retryAfter ?? backoffDelay(attempt, this.retry);
        if (!clock.allows(delay)) return res;
        await res.body.dump().catch(() => undefined);
        await sleep(delay, req.signal);
        continue;
      }
      return res;
    }
  }

  private async sendFollowingRedirects(req: RegistryRequest, authorization: string | undefined): Promise<RegistryResponse> {
    let url = this.base ? this.resolve(req.url) : new URL(req.url);
    const registryOrigin = this.base?.origin ?? url.origin;
    const firstOrigin = url.origin;
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = { 'user-agent': this.options.userAgent ?? CLIENT_ID, ...req.headers };
      // Credentials go only where they were meant for: never to the host a redirect leads to.
      if (url.origin !== firstOrigin) delete headers.authorization;
      else if (authorization && url.origin === registryOrigin) headers.authorization = authorization;
      const res =
        (req.receiverSink && req.method === 'GET' && !proxyOrThrow(url, this.options.proxy) ? await this.sendOnSocket(url, headers, req.signal, req.receiverSink, req.bodyTimeoutMs) : undefined) ??
        (await this.send(url, req.method, headers, req.body?.(), req.signal, req.sink, req.bodyTimeoutMs));
      const location = res.headers.location;
      const redirect = [301, 302, 303, 307, 308].includes(res.status) && typeof location === 'string' && (req.method === 'GET' || req.method === 'HEAD');
      if (!redirect) return res;
      await res.body.dump().catch(() => undefined);
      if (hop >= MAX_REDIRECTS) throw new StevedoreError('REGISTRY_ERROR', `${this.host.domain} redirected more than ${MAX_REDIRECTS} times for ${url.pathname}.`);
      url = new URL(location, url);
      if (url.protocol !== 'https:' && url.protocol !== 'http:') {
        throw new StevedoreError('REGISTRY_ERROR', `${this.host.domain} redirected to an unsupported address (${url.protocol}).`);
      }
    }
  }

  private async send(url: URL, method: HttpMethod, headers: Record<string, string>, body: string | Buffer | Readable | undefined, signal: AbortSignal | undefined, sink?: BodySink, bodyTimeoutMs?: number): Promise<RegistryResponse> {
    const agent = await this.agentFor(url);
    const options = {
      origin: url.origin,
      path: `${url.pathname}${url.search}`,
      method,
      headers,
      body: body ?? null,
      signal: signal ?? null,
      headersTimeout: this.options.headersTimeoutMs ?? 120_000,
      bodyTimeout: bodyTimeoutMs ?? this.options.bodyTimeoutMs ?? 60_000,
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
  private async sendOnSocket(url: URL, headers: Record<string, string>, signal: AbortSignal | undefined, receiverFor: ReceiverSink, bodyTimeoutMs?: number): Promise<RegistryResponse | undefined> {
    const tls = url.protocol === 'https:' ? await this.connectOptionsFor(url) : undefined;
    let res: SocketGetResponse | undefined;
    try {
      res = await socketGet({
        url,
        headers,
        ...(tls ? { tls } : {}),
        ...(signal ? { signal } : {}),
        headersTimeoutMs: this.options.headersTimeoutMs ?? 120_000,
        bodyTimeoutMs: bodyTimeoutMs ?? this.options.bodyTimeoutMs ?? 60_000,
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

  /** One undici dispatcher per host, trust setting and proxy, with that host's certs.d material. */
  private agentFor(url: URL): Promise<Dispatcher> {
    const insecure = this.isInsecure(url.host);
    const proxy = proxyOrThrow(url, this.options.proxy);
    const key = `${url.protocol}//${url.host}|${insecure}|${proxy?.href ?? ''}`;
    let agent = this.agents.get(key);
    if (!agent) {
      agent = this.connectOptionsFor(url).then((connect) => dispatcherFor(url, connect, proxy));
      this.agents.set(key, agent);
    }
    return agent;
  }

  /** How to connect to a host: its certs.d material, verification unless the host is insecure. */
  private connectOptionsFor(url: URL): Promise<ConnectionOptions> {
    const insecure = this.isInsecure(url.host);
    const key = `${url.protocol}//${url.host}|${insecure}`;
    let options = this.connectOptions.get(key);
    if (!options) {
      options = (async () => {
        const material = url.protocol === 'https:' ? await loadTlsMaterial(url.host, this.options.certsDirs ?? []) : { extraCas: [], files: [] };
        const ca = caBundle(material);
        return {
          rejectUnauthorized: !insecure,
          ...(ca ? { ca } : {}),
          ...(material.clientCert && material.clientKey ? { cert: material.clientCert, key: material.clientKey } : {}),
        };
      })();
      this.connectOptions.set(key, options);
    }
    return options;
  }

  private async getCredential(): Promise<RegistryCredential | undefined> {
    this.credential ??= this.options.credentials ? this.options.credentials(this.host.domain) : Promise.resolve(undefined);
    return this.credential;
  }

  private async authorization(scopes: readonly string[], signal: AbortSignal | undefined): Promise<string | undefined> {
    const challenge = this.challenge;
    if (!challenge) return undefined;
    const credential = await this.getCredential();
    if (challenge.scheme === 'basic') {
      return credential && (credential.username || credential.password) ? basicAuth(credential) : undefined;
    }
    if (challenge.scheme !== 'bearer') return undefined;
    if (credential?.registryToken) return `Bearer ${credential.registryToken}`;
    const key = scopeKey(scopes);
    const cached = this.tokens.get(key);
    if (cached) {
      const token = await cached.catch(() => undefined);
      if (token && token.expiresAt > Date.now()) return `Bearer ${token.token}`;
      if (this.tokens.get(key) === cached) this.tokens.delete(key);
    }
    let pending = this.tokens.get(key);
    if (!pending) {
      this.checkRealm(challenge, credential);
      pending = requestToken(this.tokenTransport(signal), { challenge, scopes: key ? key.split(' ') : [], credential, registry: this.host.domain, clientId: CLIENT_ID });
      this.tokens.set(key, pending);
      pending.catch(() => {
        if (this.tokens.get(key) === pending) this.tokens.delete(key);
      });
    }
    return `Bearer ${(await pending).token}`;
  }

  /**
   * Credentials go to a token service on another host (that is the token protocol, and Docker does
   * the same), but never over plain HTTP when the registry itself was reached over HTTPS (the
   * registry's TLS would then protect nothing), and never over plain HTTP to a host the user did
   * not allow for insecure use. Anonymous token requests carry no secret and are not held back.
   */
  private checkRealm(challenge: AuthChallenge, credential: RegistryCredential | undefined): void {
    if (!credential || !(credential.username || credential.password || credential.identityToken)) return;
    let realm: URL;
    try {
      realm = new URL(challenge.params.realm ?? '');
    } catch {
      return; // requestToken says the realm is invalid
    }
    if (realm.protocol === 'https:') return;
    const where = `${realm.protocol}//${realm.host}`;
    if (this.base?.protocol === 'https:') {
      throw new StevedoreError(
        'UNAUTHORIZED',
        `${this.host.domain} was reached over HTTPS but names a token service over plain HTTP (${where}); Stevedore does not send your credentials there. Ask the registry's operator to serve the token service over HTTPS.`,
        { detail: { realm: where } },
      );
    }
    if (!this.isInsecure(realm.host)) {
      throw new StevedoreError(
        'UNAUTHORIZED',
        `${this.host.domain} names a token service over plain HTTP (${where}), a host not allowed for insecure use; Stevedore does not send your credentials there. If you trust the network to it, allow ${realm.host} as an insecure registry (--insecure-registry, STEVEDORE_INSECURE_REGISTRIES or the stevedore.insecureRegistries setting).`,
        { detail: { realm: where } },
      );
    }
  }

  private tokenTransport(signal: AbortSignal | undefined): TokenTransport {
    return async (url, init) => {
      const res = await this.sendWithRetries(
        { method: init.method, url: url.href, scopes: [], headers: init.headers, ...(init.body !== undefined ? { body: () => init.body! } : {}), ...(signal ? { signal } : {}) },
        undefined,
      );
      return { status: res.status, text: await readLimited(res.body, MAX_ERROR_BODY * 16) };
    };
  }
}

function isProxyError(err: unknown): boolean {
  return err instanceof StevedoreError && err.detail?.proxyRefused === true;
}

function basicAuth(credential: RegistryCredential): string {
  return `Basic ${Buffer.from(`${credential.username ?? ''}:${credential.password ?? ''}`, 'utf8').toString('base64')}`;
}

/** Reads a small body as text, refusing to hold more than `limit` bytes. */
export async function readLimited(body: AsyncIterable<Uint8Array> & { destroy?: () => void }, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.length;
    if (total > limit) {
      body.destroy?.();
      break;
    }
    chunks.push(Buffer.from(chunk));
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, limit);
}

/** A small response body kept in memory (errors, redirects) when a request streams into a sink. */
class CollectedBody implements ResponseBody {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  readonly writable: Writable;

  constructor(limit: number, chunks: Buffer[] = []) {
    for (const chunk of chunks) if (chunk.length > 0) this.chunks.push(chunk);
    this.size = chunks.reduce((sum, c) => sum + c.length, 0);
    this.writable = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        if (this.size < limit) {
          this.chunks.push(chunk);
          this.size += chunk.length;
        }
        done();
      },
    });
  }

  private bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  async dump(): Promise<void> {}

  async text(): Promise<string> {
    return this.bytes().toString('utf8');
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text()) as unknown;
  }

  destroy(): void {}

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return Readable.from(this.chunks.length ? [this.bytes()] : [])[Symbol.asyncIterator]();
  }
}
