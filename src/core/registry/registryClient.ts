// HTTP to one registry: finds the scheme (HTTPS, or plain HTTP for an insecure registry, as Docker
// does), answers the WWW-Authenticate challenge (registryAuth.ts), retries connection errors, 408,
// 429 and 5xx with backoff (honouring Retry-After), and follows redirects, dropping the
// Authorization header when one leads to another host (blob storage must never see registry
// credentials, containerd CVE-2020-15157). How each exchange goes over the wire is the transport's
// business (registryTransport.ts); the operations (manifests, blobs, tags, catalog) build on `request`.

import { CancelledError, StevedoreError } from '../errors';
import { parseAuthChallenges, preferredChallenge, type AuthChallenge } from './authChallenge';
import type { TokenTransport } from './bearerTokens';
import type { RegistryCredential } from './credentials';
import { proxyOrThrow } from './dispatchers';
import { networkError } from './networkErrors';
import { basicAuth, CLIENT_ID, RegistryAuth } from './registryAuth';
import { registryErrorFrom, isTemporaryStatus } from './registryError';
import { isListedInsecure, isLoopbackHost, registryHost, type RegistryHost } from './registryHost';
import { DEFAULT_STALL_TIMEOUT_MS, type RegistryOptions } from './registryOptions';
import { MAX_ERROR_BODY, TransferInterrupted, type RegistryRequest, type RegistryResponse } from './registryRequest';
import { HttpTransport, type RegistryTransport } from './registryTransport';
import { readLimited } from './responseBody';
import { backoffDelay, DEFAULT_RETRY, isRetryableNetworkError, parseRetryAfter, RetryClock, sleep, type RetryOptions } from './retryPolicy';

const MAX_REDIRECTS = 5;

export class RegistryClient {
  readonly host: RegistryHost;
  private readonly options: RegistryOptions;
  private readonly retry: RetryOptions;
  private readonly transport: RegistryTransport;
  private readonly auth: RegistryAuth;
  private base: URL | undefined;
  private pinging: Promise<void> | undefined;

  constructor(registry: string, options: RegistryOptions = {}, transport?: RegistryTransport) {
    this.host = registryHost(registry);
    this.options = options;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    const isInsecure = (hostPort: string): boolean => this.isInsecure(hostPort);
    // The transport takes what it needs of the options (certs.d folders, proxy, timeouts).
    this.transport = transport ?? new HttpTransport({ ...options, isInsecure });
    this.auth = new RegistryAuth({
      domain: this.host.domain,
      ...(options.credentials ? { credentials: options.credentials } : {}),
      isInsecure,
      registryProtocol: () => this.base?.protocol,
      tokenTransport: (signal) => this.tokenTransport(signal),
    });
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
    return this.auth.challenge;
  }

  /** Sends a request with authentication, retries and redirects; the caller consumes or dumps the body. */
  async request(req: RegistryRequest): Promise<RegistryResponse> {
    await this.ping(req.signal);
    let scopes = req.scopes;
    let authorization = await this.auth.authorization(scopes, req.signal);
    let reauthenticated = false;
    for (;;) {
      const res = await this.sendWithRetries(req, authorization);
      if (res.status !== 401 || reauthenticated) return res;
      // Ask again once, with the scopes the new challenge names.
      const challenge = preferredChallenge(parseAuthChallenges(res.headers['www-authenticate']));
      if (!challenge) return res;
      await res.body.dump().catch(() => undefined);
      reauthenticated = true;
      scopes = this.auth.rechallenge(challenge, scopes, req.scopes);
      authorization = await this.auth.authorization(scopes, req.signal);
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
    const challenge = this.auth.challenge;
    if (!challenge) return {};
    if (challenge.scheme === 'bearer') {
      const issued = await this.auth.loginToken(challenge, credential, signal);
      return issued.refreshToken ? { identityToken: issued.refreshToken } : {};
    }
    const res = await this.transport.send({ url: new URL('/v2/', this.base), method: 'GET', headers: { authorization: basicAuth(credential) }, ...(signal ? { signal } : {}) });
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
    await this.transport.close();
  }

  private async doPing(signal: AbortSignal | undefined): Promise<void> {
    const insecure = this.isInsecure();
    // Only for an address with its port: on one port TLS and plain HTTP exclude each other, so a
    // plain answer there proves the registry has not moved to TLS. Without a port, HTTP (:80) and
    // TLS (:443) are two servers, and Docker's order (TLS first) must decide every time.
    const memory = insecure && /:\d+$/.test(this.host.apiHost) ? this.options.plainHttpMemory : undefined;
    const wasPlain = (await memory?.spokePlainHttp(this.host.apiHost)) ?? false;
    if (wasPlain && (await this.pingPlainFirst(signal))) return;
    const schemes = insecure ? ['https:', 'http:'] : ['https:'];
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
        if (err instanceof StevedoreError && err.detail?.proxyRefused === true) throw err;
        lastError = err;
        continue;
      }
      if (res.status === 200 || res.status === 401) {
        this.auth.challenge = res.status === 401 ? preferredChallenge(parseAuthChallenges(res.headers['www-authenticate'])) : undefined;
        await res.body.dump().catch(() => undefined);
        if (res.status === 401 && !this.auth.challenge) {
          throw new StevedoreError('REGISTRY_ERROR', `${this.host.domain} requires authentication but sent no usable WWW-Authenticate challenge.`);
        }
        // The API is where the answer came from: a plain-HTTP address that redirects /v2/ to TLS
        // elsewhere must not keep later requests (credentials and all) on plain HTTP.
        const answered = res.url ?? url;
        this.base = new URL('/', answered);
        await memory?.remember(this.host.apiHost, answered.protocol === 'http:' && answered.host === this.host.apiHost);
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

  /** A ping over plain HTTP of a registry that spoke it last time; false (nothing decided) unless a registry answered. */
  private async pingPlainFirst(signal: AbortSignal | undefined): Promise<boolean> {
    const url = new URL(`http://${this.host.apiHost}/v2/`);
    let res: RegistryResponse;
    try {
      // Sent once and not redirected: only this very address answering over HTTP decides it (a
      // redirect to TLS elsewhere would otherwise leave later requests, credentials and all, on HTTP).
      res = await this.transport.send({ url, method: 'GET', headers: {}, ...(signal ? { signal } : {}) });
    } catch (err) {
      if (err instanceof CancelledError || signal?.aborted) throw new CancelledError();
      return false;
    }
    const challenge = res.status === 401 ? preferredChallenge(parseAuthChallenges(res.headers['www-authenticate'])) : undefined;
    await res.body.dump().catch(() => undefined);
    if (res.status !== 200 && !challenge) return false;
    this.auth.challenge = challenge;
    this.base = new URL('/', url);
    return true;
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
      const body = req.body?.();
      const res = await this.transport.send({
        url,
        method: req.method,
        headers,
        ...(body !== undefined ? { body } : {}),
        ...(req.signal ? { signal: req.signal } : {}),
        ...(req.sink ? { sink: req.sink } : {}),
        ...(req.receiverSink ? { receiverSink: req.receiverSink } : {}),
        ...(req.bodyTimeoutMs !== undefined ? { bodyTimeoutMs: req.bodyTimeoutMs } : {}),
        ...(req.retry === false ? { retry: false } : {}),
      });
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
