// The part of a hand-written HTTP/1.1 GET that the registry's blob downloads (registry/socketGet)
// and an engine's image export (engine/streamedGet) share: connecting (unix, TCP or TLS) with
// Node's `onread`, sending the request, reading and parsing the answer's head. After the head,
// every read goes into the memory the caller's reader names, so a body is read once, straight
// where it is used, without a parser copy or a buffer allocated per read; how the body is framed
// and where it goes is the reader's business.
// `Connection: close` is sent: one response per connection, so nothing is left to drain.

import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { CancelledError } from '../errors';

export type HeadHeaders = Record<string, string | string[] | undefined>;

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
}

/** What the caller does with the answer; an exception thrown by `head` or `read` goes to `fail`. */
export interface ResponseReader {
  /**
   * The head is in (1xx answers are skipped). `rest` holds the bytes read along with it and is
   * valid only during the call. Returns whether to keep reading.
   */
  head(status: number, headers: HeadHeaders, rest: Buffer): boolean;
  /** The memory the next read of the body goes into. */
  room(): Uint8Array;
  /** `count` bytes were read into `room()`; false holds reading (resume the socket to go on). */
  read(count: number): boolean;
  /** A socket error, an unreadable head, a thrown exception, or the signal's abort. */
  fail(err: unknown): void;
  /** The connection closed (after an end, a failure, or early: the reader tells which). */
  closed(): void;
}

export interface SocketRequest {
  readonly socket: Socket;
  /** Stops listening to the signal and drops the connection. */
  close(): void;
}

const MAX_HEAD = 64 * 1024;

/** Connects and sends the GET; throws (before connecting) on a header that cannot be sent. */
export function socketRequest(options: SocketRequestOptions, reader: ResponseReader): SocketRequest {
  const request = requestHead(options);
  let head: Buffer | undefined = Buffer.allocUnsafe(MAX_HEAD);
  let headLength = 0;

  const readHead = (count: number): boolean => {
    headLength += count;
    for (;;) {
      const end = head!.subarray(0, headLength).indexOf('\r\n\r\n');
      if (end < 0) {
        if (headLength === head!.length) throw withCode(new Error('the response head is larger than 64 KiB'), 'ERR_HEAD_TOO_LARGE');
        return true;
      }
      const parsed = parseHead(head!.subarray(0, end).toString('latin1'));
      // 1xx answers (100 Continue) come before the real one: skip them.
      if (parsed.status >= 100 && parsed.status < 200) {
        head!.copyWithin(0, end + 4, headLength);
        headLength -= end + 4;
        continue;
      }
      const rest = head!.subarray(end + 4, headLength);
      head = undefined; // from here on reads go to the reader's memory
      return reader.head(parsed.status, parsed.headers, rest);
    }
  };

  const onread = {
    buffer: (): Uint8Array => (head ? head.subarray(headLength) : reader.room()),
    callback: (count: number): boolean => {
      try {
        return head ? readHead(count) : reader.read(count);
      } catch (err) {
        reader.fail(err);
        return false;
      }
    },
  };
  const { socketPath, tls, signal } = options;
  let socket: Socket;
  if (socketPath !== undefined) socket = netConnect({ path: socketPath, onread });
  else {
    const host = options.host!.startsWith('[') ? options.host!.slice(1, -1) : options.host!;
    socket = tls
      ? // Node's TLS sockets take `onread` as net sockets do; its type declarations leave it out.
        tlsConnect({ ...tls, host, port: options.port!, onread, ...(isIP(host) ? {} : { servername: host }) } as ConnectionOptions)
      : netConnect({ host, port: options.port!, onread });
    socket.setNoDelay(true);
  }
  const onAbort = (): void => reader.fail(new CancelledError());
  socket.on('error', (err) => reader.fail(err));
  socket.on('close', () => reader.closed());
  signal?.addEventListener('abort', onAbort, { once: true });
  socket.write(request);
  return {
    socket,
    close(): void {
      signal?.removeEventListener('abort', onAbort);
      socket.destroy();
    },
  };
}

function requestHead(options: SocketRequestOptions): string {
  const lines = [`GET ${options.path} HTTP/1.1`, `Host: ${options.hostHeader}`];
  const names = new Set<string>();
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) || /[\r\n\0]/.test(value)) throw new TypeError(`invalid request header ${name}`);
    names.add(name.toLowerCase());
    lines.push(`${name}: ${value}`);
  }
  if (!names.has('accept-encoding')) lines.push('Accept-Encoding: identity');
  lines.push('Connection: close', '', '');
  return lines.join('\r\n');
}

function parseHead(text: string): { status: number; headers: HeadHeaders } {
  const lines = text.split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(lines[0] ?? '');
  if (!match) throw withCode(new Error(`not an HTTP/1.1 response: ${JSON.stringify((lines[0] ?? '').slice(0, 40))}`), 'ERR_BAD_RESPONSE');
  const headers: HeadHeaders = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0 || /^\s/.test(line)) throw withCode(new Error('a malformed header line in the response'), 'ERR_BAD_RESPONSE');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const before = headers[name];
    headers[name] = before === undefined ? value : Array.isArray(before) ? [...before, value] : [before, value];
  }
  return { status: Number(match[1]), headers };
}

/** The one value of a header sent once (or several times alike); undefined when absent. */
export function singleHeader(headers: HeadHeaders, name: string): string | undefined {
  const value = headers[name];
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  if (values.length === 0) return undefined;
  if (values.some((v) => v !== values[0])) throw withCode(new Error(`conflicting ${name} headers in the response`), 'ERR_BAD_RESPONSE');
  return values[0];
}

export function withCode(err: Error, code: string): Error {
  return Object.assign(err, { code });
}
