// The shapes a registry request and its response take, shared by the client (auth, retries,
// redirects), its transport (undici or the socket fast path) and the operations built on them.

import type { Readable, Writable } from 'node:stream';
import type { BodyReceiver } from './socketGet';

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
 * by the client, since the sink holds part of the body: the caller decides (a download resumes with Range).
 */
export class TransferInterrupted extends Error {
  constructor(cause: unknown) {
    super(`the transfer broke off: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'TransferInterrupted';
  }
}

/** Error bodies are read for their diagnostics only; a proxy's HTML page is cut short. */
export const MAX_ERROR_BODY = 64 * 1024;
