// The hand-written HTTP/1.1 GET that the registry's blob downloads (registry/socketGet) and an
// engine's image export (engine/streamedGet) share: one request on a connection of its own
// (httpConnection.ts: connecting over unix, TCP or TLS with Node's `onread`, sending, parsing the
// head). After the head, every read goes into the memory the caller's reader names, so a body is
// read once, straight where it is used, without a parser copy or a buffer allocated per read; how
// the body is framed and where it goes is the reader's business.
// `Connection: close` is sent: one response per connection, so nothing is left to drain.

import type { Socket } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { CancelledError } from '../errors';
import { encodeRequest, HttpConnection, type ResponseReader } from './httpConnection';

export { withCode, type HeadHeaders, type ResponseReader } from './httpConnection';

export interface SocketRequestOptions {
  /** A unix socket path; else `host` and `port`, over TLS when `tls` is given. */
  socketPath?: string;
  host?: string;
  port?: number;
  tls?: ConnectionOptions;
  /** The request target, with its query. */
  path: string;
  /** The Host header: the URL's host, or a name for a unix socket. */
  hostHeader: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Longest wait for the connection to be made (httpConnection.ts). */
  connectTimeoutMs?: number;
  /** Longest wait for the answer's head, from sending: a total, not an idle time. */
  headersTimeoutMs?: number;
}

export interface SocketRequest {
  readonly socket: Socket;
  /** Stops listening to the signal and drops the connection. */
  close(): void;
}

/** Connects and sends the GET; throws (before connecting) on a header that cannot be sent. */
export function socketRequest(options: SocketRequestOptions, reader: ResponseReader): SocketRequest {
  const { socketPath, host, port, tls, signal, connectTimeoutMs } = options;
  const request = encodeRequest({ method: 'GET', path: options.path, hostHeader: options.hostHeader, ...(options.headers ? { headers: options.headers } : {}) });
  const connection = new HttpConnection({ ...(socketPath !== undefined ? { socketPath } : { host: host!, port: port! }), ...(tls ? { tls } : {}), ...(connectTimeoutMs !== undefined ? { connectTimeoutMs } : {}) });
  const onAbort = (): void => reader.fail(new CancelledError());
  signal?.addEventListener('abort', onAbort, { once: true });
  connection.send(request, reader, options.headersTimeoutMs);
  return {
    socket: connection.socket,
    close(): void {
      signal?.removeEventListener('abort', onAbort);
      connection.socket.destroy();
    },
  };
}
