// A client of the Docker Engine API (Docker, and Podman's Docker-compatible service) over a unix
// socket, a Windows named pipe or TCP with TLS, on Node's own HTTP client: its native parser keeps
// up with an image export where undici's (WebAssembly, baseline-compiled in the CLI) cost about a
// CPU-second per GB. The API version is negotiated once from /_ping, as
// the docker CLI does: the lower of the engine's and ours, so an older engine is spoken to in its
// own version. Bodies are streamed both ways; nothing large is buffered.

import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CancelledError, StevedoreError } from '../errors';
import { codeOf, TLS_TRUST_CODES } from '../registry/networkErrors';
import type { EngineEndpoint } from './engineEndpoint';
import { streamedGet } from './streamedGet';

/** Docker 20.10's API; newer engines answer older versions, and Podman 4 speaks 1.41. */
const CLIENT_API_VERSION = '1.41';
/** Below this the image endpoints we use differ (Docker 1.12). */
const MIN_API_VERSION = '1.24';
/** Engine error bodies are short JSON; a bigger body is read only this far. */
const MAX_ERROR_BODY = 64 * 1024;

export interface EngineRequest {
  method?: 'GET' | 'POST' | 'DELETE' | 'HEAD';
  path: string;
  query?: Record<string, string | string[] | undefined>;
  body?: AsyncIterable<Uint8Array> | string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface EngineResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: AsyncIterable<Uint8Array> & { dump?: () => Promise<void> };
}

export interface EngineInfo {
  apiVersion: string;
  /** The `Server` header of /_ping, e.g. "Docker/20.10.24 (linux)" or "Libpod/4.3.1 (linux)". */
  server?: string;
}

export class EngineClient {
  readonly endpoint: EngineEndpoint;
  private agent: HttpAgent | undefined;
  private version: Promise<EngineInfo> | undefined;

  constructor(endpoint: EngineEndpoint) {
    this.endpoint = endpoint;
  }

  /** The engine's name for messages: "Docker at unix:///var/run/docker.sock (context ci)". */
  describe(): string {
    const name = this.endpoint.kind === 'podman' ? 'Podman' : 'Docker';
    return `${name} at ${this.endpoint.host}${this.endpoint.context ? ` (context ${this.endpoint.context})` : ''}`;
  }

  /** Pings the engine and settles the API version; every request calls it first. */
  info(signal?: AbortSignal): Promise<EngineInfo> {
    this.version ??= this.negotiate(signal).catch((err: unknown) => {
      this.version = undefined;
      throw err;
    });
    return this.version;
  }

  /** Sends a request; a status of 400 and above becomes an error carrying the engine's own message. */
  async request(req: EngineRequest): Promise<EngineResponse> {
    const { apiVersion } = await this.info(req.signal);
    const response = await this.send({ ...req, path: `/v${apiVersion}${req.path}` });
    if (response.status >= 400) throw await this.errorOf(response, req);
    return response;
  }

  /** A request whose answer is one JSON document. */
  async json<T>(req: EngineRequest): Promise<T> {
    const response = await this.request(req);
    const text = await readText(response.body, Number.POSITIVE_INFINITY);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new StevedoreError('ENGINE_ERROR', `${this.describe()} sent an answer to ${req.path} that is not JSON.`, { detail: { body: text.slice(0, 200) } });
    }
  }

  /**
   * A GET whose large body is read on a connection of its own into big pieces (streamedGet.ts):
   * undefined when the engine is reached over TLS or answers other than 200, and the caller then
   * asks through `request`, which reads the engine's error.
   */
  async streamedGet(req: { path: string; query?: Record<string, string[]>; signal?: AbortSignal; reusePieces?: boolean }): Promise<AsyncIterable<Uint8Array> | undefined> {
    if (this.endpoint.tls) return undefined;
    const { apiVersion } = await this.info(req.signal);
    const query = new URLSearchParams();
    for (const [key, values] of Object.entries(req.query ?? {})) for (const v of values) query.append(key, v);
    const path = `/v${apiVersion}${req.path}${query.size > 0 ? `?${query.toString()}` : ''}`;
    const url = this.endpoint.url ? new URL(this.endpoint.url) : undefined;
    const where = this.endpoint.socketPath !== undefined ? { socketPath: this.endpoint.socketPath } : { host: url!.hostname, port: Number(url!.port) || 2375 };
    try {
      const body = await streamedGet({ ...where, path, ...(req.signal ? { signal: req.signal } : {}), ...(req.reusePieces ? { reusePieces: true } : {}) });
      return body && guarded(body, (err) => this.connectionError(err, req.signal));
    } catch (err) {
      throw this.connectionError(err, req.signal);
    }
  }

  async close(): Promise<void> {
    this.agent?.destroy();
    this.agent = undefined;
  }

  private async negotiate(signal?: AbortSignal): Promise<EngineInfo> {
    const response = await this.send({ path: '/_ping', signal });
    const apiVersion = header(response.headers, 'api-version');
    const server = header(response.headers, 'server');
    const body = await readText(response.body, 1024);
    if (!apiVersion || !/^\d+\.\d+$/.test(apiVersion)) {
      throw new StevedoreError(
        'ENGINE_UNAVAILABLE',
        `Something answered at ${this.endpoint.host}, but not the Docker Engine API (status ${response.status}${server ? `, server "${server}"` : ''}). Check the address: ${this.endpoint.startHint}`,
        { detail: { body: body.slice(0, 200) } },
      );
    }
    if (compareVersions(apiVersion, MIN_API_VERSION) < 0) {
      throw new StevedoreError('UNSUPPORTED', `${this.describe()} speaks API ${apiVersion}; Stevedore needs ${MIN_API_VERSION} or newer (Docker 1.12+, Podman 2+). Update the engine.`);
    }
    return { apiVersion: compareVersions(apiVersion, CLIENT_API_VERSION) < 0 ? apiVersion : CLIENT_API_VERSION, ...(server ? { server } : {}) };
  }

  private send(req: EngineRequest): Promise<EngineResponse> {
    if (req.signal?.aborted) return Promise.reject(new CancelledError());
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(req.query ?? {})) {
      if (value === undefined) continue;
      for (const v of Array.isArray(value) ? value : [value]) query.append(key, v);
    }
    const search = query.size > 0 ? `?${query.toString()}` : '';
    const tls = this.endpoint.tls;
    const url = this.endpoint.url ? new URL(this.endpoint.url) : undefined;
    this.agent ??= tls
      ? new HttpsAgent({ keepAlive: true, ca: tls.ca, cert: tls.cert, key: tls.key, rejectUnauthorized: tls.verify, ...(tls.secureContext ? { secureContext: tls.secureContext } : {}) })
      : new HttpAgent({ keepAlive: true });
    return new Promise<EngineResponse>((resolve, reject) => {
      // An upload that fails on our side (the store, a file) is reported as itself, not as the
      // broken connection it leaves behind.
      let uploadError: unknown;
      const request = (tls ? httpsRequest : httpRequest)(
        {
          agent: this.agent,
          method: req.method ?? 'GET',
          path: `${req.path}${search}`,
          headers: { host: url ? url.host : 'localhost', ...req.headers },
          ...(this.endpoint.socketPath ? { socketPath: this.endpoint.socketPath } : { hostname: url!.hostname, port: url!.port }),
          ...(req.signal ? { signal: req.signal } : {}),
        },
        (res) => {
          const describe = (err: unknown): unknown => uploadError ?? this.connectionError(err, req.signal);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: guarded(res, describe) });
        },
      );
      request.on('error', (err) => reject(uploadError ?? this.connectionError(err, req.signal)));
      if (req.body === undefined || typeof req.body === 'string') {
        request.end(req.body);
        return;
      }
      pipeline(Readable.from(req.body, { objectMode: false }), request).catch((err: unknown) => {
        uploadError ??= err;
        request.destroy(err instanceof Error ? err : new Error(String(err)));
      });
    });
  }

  private connectionError(err: unknown, signal?: AbortSignal): Error {
    if (signal?.aborted || (err instanceof Error && err.name === 'AbortError')) return new CancelledError();
    if (err instanceof StevedoreError) return err;
    const code = codeOf(err);
    const where = this.describe();
    const hint = this.endpoint.startHint;
    switch (code) {
      case 'ENOENT':
        return new StevedoreError('ENGINE_UNAVAILABLE', `Cannot connect to ${where}: there is no socket at ${this.endpoint.socketPath}. ${hint}`, { cause: err });
      case 'ECONNREFUSED':
        return new StevedoreError('ENGINE_UNAVAILABLE', `Cannot connect to ${where}: nothing is listening there. ${hint}`, { cause: err });
      case 'EACCES':
      case 'EPERM':
        return new StevedoreError(
          'ENGINE_UNAVAILABLE',
          this.endpoint.kind === 'docker'
            ? `Permission denied while connecting to ${where}. Add your user to the "docker" group (sudo usermod -aG docker $USER, then log in again), or use rootless Docker.`
            : `Permission denied while connecting to ${where}. Use your own user's socket ($XDG_RUNTIME_DIR/podman/podman.sock) or run as the socket's owner.`,
          { cause: err },
        );
      case 'ENOTSOCK':
      case 'ECONNRESET':
      case 'UND_ERR_SOCKET':
        return new StevedoreError('ENGINE_UNAVAILABLE', `${this.endpoint.host} did not answer as a Docker Engine API would (${code}). Check the address: ${hint}`, { cause: err });
      default:
        if (code?.startsWith('HPE_') || (err as Error).name === 'HTTPParserError') {
          return new StevedoreError('ENGINE_UNAVAILABLE', `${this.endpoint.host} did not answer as a Docker Engine API would (it does not speak HTTP). Check the address: ${hint}`, { cause: err });
        }
        if (code && (TLS_TRUST_CODES.has(code) || code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL'))) {
          return new StevedoreError('TLS_ERROR', `TLS with ${where} failed (${code}). Check DOCKER_CERT_PATH or the context's certificates.`, { cause: err });
        }
        return new StevedoreError('ENGINE_UNAVAILABLE', `Cannot talk to ${where}: ${(err as Error).message}. ${hint}`, { cause: err });
    }
  }

  private async errorOf(response: EngineResponse, req: EngineRequest): Promise<StevedoreError> {
    const text = await readText(response.body, MAX_ERROR_BODY);
    let message = text.trim();
    try {
      const parsed = JSON.parse(text) as { message?: unknown };
      if (typeof parsed.message === 'string') message = parsed.message;
    } catch {
      // A plain-text error body is shown as it is.
    }
    const name = this.endpoint.kind === 'podman' ? 'Podman' : 'Docker';
    const detail = { status: response.status, path: req.path };
    // The engine's own words are what a user of that engine knows; they are passed through.
    if (response.status === 404) return new StevedoreError('IMAGE_NOT_FOUND', `${name}: ${message || 'not found'}`, { detail });
    if (response.status === 409) return new StevedoreError('IMAGE_CONFLICT', `${name}: ${message}`, { detail });
    return new StevedoreError('ENGINE_ERROR', `${name} refused ${req.method ?? 'GET'} ${req.path} (status ${response.status}): ${message || 'no reason given'}`, { detail });
  }
}

function header(headers: EngineResponse['headers'], name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

export async function readText(body: AsyncIterable<Uint8Array>, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size < limit) {
      chunks.push(Buffer.from(chunk));
      size += chunk.length;
    }
  }
  return Buffer.concat(chunks).toString('utf8');
}

export function compareVersions(a: string, b: string): number {
  const [am, an] = a.split('.').map(Number) as [number, number];
  const [bm, bn] = b.split('.').map(Number) as [number, number];
  return am !== bm ? am - bm : an - bn;
}

/** The response body, with a failure mid-way turned into an error that says what happened. */
async function* guarded(body: AsyncIterable<Uint8Array>, describe: (err: unknown) => unknown): AsyncGenerator<Uint8Array> {
  try {
    yield* body;
  } catch (err) {
    throw describe(err);
  }
}
