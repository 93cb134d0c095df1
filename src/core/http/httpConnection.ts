// One HTTP/1.1 connection (unix, TCP or TLS) written by hand, read with Node's `onread`: it sends
// a request, parses the answer's head (skipping 1xx) and hands every later read to the reader of
// that request, which frames the body and says when it is done (`release`). A connection may carry
// one request after another (keep-alive): between them it is idle, and bytes that arrive then are
// not an answer to anything, so the connection is dropped. Used by socketRequest.ts (one request,
// `Connection: close`) and by the registry's kept-alive requests (keptAliveRequest.ts).
// A request body is a Buffer, written with the head, or a Readable (a blob upload), piped after
// the head as the socket takes it, framed by the Content-Length the caller knows or else chunked.
// An answer may come before that body is all sent (a 401, a 413): the reader has it as usual, and
// the rest of the body is never sent (`release` stops it; the connection cannot carry another
// request then, since the server would read what follows as the body's end).

import { connect as netConnect, isIP, type Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { ConnectionOptions } from 'node:tls';

export type HeadHeaders = Record<string, string | string[] | undefined>;

export interface ConnectTarget {
  /** A unix socket path; else `host` and `port`, over TLS when `tls` is given. */
  socketPath?: string;
  host?: string;
  port?: number;
  tls?: ConnectionOptions;
  /**
   * Longest wait for the connection (and its TLS handshake) to be made. Without it an address that
   * never answers (SYNs dropped, a full backlog) waits for the kernel's own give-up, minutes away.
   */
  connectTimeoutMs?: number;
}

export interface OutgoingRequest {
  method: string;
  /** The request target, with its query. */
  path: string;
  /** The Host header: the URL's host, or a name for a unix socket. */
  hostHeader: string;
  headers?: Record<string, string>;
  body?: Buffer | Readable;
  /** A Readable body's length when the caller knows it (sent as Content-Length); else it goes chunked. */
  bodyLength?: number;
  /** Ask for the connection to be kept for another request; else `Connection: close` is sent. */
  keepAlive?: boolean;
}

/** The answer's head as the reader gets it. */
export interface ResponseHead {
  status: number;
  headers: HeadHeaders;
  /** HTTP/1.0 answers end the connection unless they say otherwise. */
  http10: boolean;
}

/** What the caller does with the answer; an exception thrown by `head` or `read` goes to `fail`. */
export interface ResponseReader {
  /**
   * The head is in (1xx answers are skipped). `rest` holds the bytes read along with it and is
   * valid only during the call. Returns whether to keep reading.
   */
  head(status: number, headers: HeadHeaders, rest: Buffer, info: ResponseHead): boolean;
  /** The memory the next read of the body goes into. */
  room(): Uint8Array;
  /** `count` bytes were read into `room()`; false holds reading (resume the socket to go on). */
  read(count: number): boolean;
  /** A socket error, an unreadable head, a thrown exception, a timeout (ERR_CONNECT_TIMEOUT, ETIMEDOUT), or the caller's cancel. */
  fail(err: unknown): void;
  /** The connection closed (after an end, a failure, or early: the reader tells which). */
  closed(): void;
}

const MAX_HEAD = 64 * 1024;
/** How every answer begins. */
const STATUS_START = Buffer.from('HTTP/1.', 'latin1');

export class HttpConnection {
  readonly socket: Socket;
  private reader: ResponseReader | undefined;
  private head: Buffer | undefined;
  private headLength = 0;
  /** Bytes of the current request's answer read so far. */
  private answered = 0;
  /** Requests whose answers were read to their end on this connection. */
  completed = 0;
  /**
   * The last answer announced a body it does not carry (a HEAD's, a 304's Content-Length): a server
   * that sends that body anyway has it read as the start of the next answer (keptAliveRequest.ts).
   */
  announcedUnsentBody = false;
  /** Where reads go while no request is on the connection (the first answer's first read, and stray bytes). */
  private spare: Buffer | undefined;
  /** The memory the next read goes into, and whose it was when handed to Node. */
  private handed: { buffer: Uint8Array; head?: Buffer; reader?: ResponseReader } | undefined;
  /** Fails the current request when its answer's head is not all in by then (send's `headersTimeoutMs`). */
  private headDeadline: NodeJS.Timeout | undefined;
  /** A streamed request body still being sent: its source and how to stop listening to it. */
  private pumping: { source: Readable; detach(): void; onWire: boolean } | undefined;
  /** The last request's body was not all sent (the answer came first, or sending failed): the connection carries nothing more. */
  private bodyCutShort = false;

  /** `whenIdleCloses`: the connection ended while no request was on it (a pool forgets it). */
  constructor(target: ConnectTarget, private readonly whenIdleCloses: () => void = () => undefined) {
    // Node asks for the next read's memory right after each read (and once when connecting), which
    // may be before the next request is sent: onRead moves bytes that landed elsewhere.
    const onread = { buffer: (): Uint8Array => this.nextRoom(), callback: (count: number): boolean => this.onRead(count) };
    const { socketPath, tls } = target;
    if (socketPath !== undefined) this.socket = netConnect({ path: socketPath, onread });
    else {
      const host = target.host!.startsWith('[') ? target.host!.slice(1, -1) : target.host!;
      this.socket = tls
        ? // Node's TLS sockets take `onread` as net sockets do; its type declarations leave it out.
          // node:tls is loaded when a TLS connection is made (~4 ms): a command that meets only a
          // plain-HTTP registry (a local one, remembered: plainHttpMemory.ts) never loads it.
          process.getBuiltinModule('node:tls').connect({ ...tls, host, port: target.port!, onread, ...(isIP(host) ? {} : { servername: host }) } as ConnectionOptions)
        : netConnect({ host, port: target.port!, onread });
      this.socket.setNoDelay(true);
    }
    if (target.connectTimeoutMs !== undefined) this.limitConnectWait(target.connectTimeoutMs, tls ? 'secureConnect' : 'connect');
    this.socket.on('error', (err) => this.reader?.fail(err));
    this.socket.on('close', () => {
      clearTimeout(this.headDeadline);
      if (this.reader) this.reader.closed();
      else this.whenIdleCloses();
    });
    // One listener for the connection's life: a request's wait and an idle spell share the timer.
    this.socket.on('timeout', () => (this.reader ? this.reader.fail(withCode(new Error('no answer in time'), 'ETIMEDOUT')) : this.socket.destroy()));
  }

  /** Whether any byte of the current request's answer has arrived. */
  get answerStarted(): boolean {
    return this.answered > 0;
  }

  /** Whether the connection may carry another request: the last one's body was all sent. */
  get reusable(): boolean {
    return !this.bodyCutShort && (!this.pumping || this.pumping.onWire);
  }

  /**
   * Sends a request (encodeRequest's) whose answer goes to `reader`. `headersTimeoutMs` bounds the
   * whole wait for the answer's head, from now: a deadline, not an idle timer, so a server sending
   * its head a byte at a time cannot hold the request for longer. For a streamed body the wait
   * starts once the body is all sent; while it is being sent, that long without the socket taking
   * a byte fails the request (an upload may take as long as it keeps moving).
   */
  send(request: EncodedRequest, reader: ResponseReader, headersTimeoutMs?: number): void {
    const { head } = request;
    this.reader = reader;
    this.head = Buffer.allocUnsafe(MAX_HEAD);
    this.headLength = 0;
    this.answered = 0;
    clearTimeout(this.headDeadline);
    const waitForHead = (): void => {
      if (headersTimeoutMs === undefined || this.reader !== reader || !this.head) return;
      this.headDeadline = setTimeout(() => {
        if (this.reader === reader && this.head) reader.fail(withCode(new Error(`no response head within ${headersTimeoutMs} ms`), 'ETIMEDOUT'));
      }, headersTimeoutMs);
    };
    if (!request.stream) waitForHead();
    else if (headersTimeoutMs !== undefined) this.socket.setTimeout(headersTimeoutMs);
    // A reader that held reading for the last answer may have left the socket paused.
    if (this.socket.isPaused()) this.socket.resume();
    if (request.body && request.body.length > 0) {
      this.socket.cork();
      this.socket.write(head, 'latin1');
      this.socket.write(request.body);
      this.socket.uncork();
    } else this.socket.write(head, 'latin1');
    if (request.stream) {
      this.pump(request.stream.source, request.stream.length, reader, () => {
        // The body is all sent: from here on it is the wait for the answer's head.
        if (this.reader === reader && this.head) this.socket.setTimeout(0);
        waitForHead();
      });
    }
  }

  /** The reader is done with the answer: the connection is idle again (or about to be dropped). */
  release(): void {
    clearTimeout(this.headDeadline);
    const pumping = this.pumping;
    if (pumping) {
      pumping.detach();
      // The answer came before the body was all sent: the rest is not wanted.
      if (!pumping.onWire) {
        this.bodyCutShort = true;
        pumping.source.destroy();
      }
    }
    this.reader = undefined;
    this.head = undefined;
    this.completed++;
  }

  /**
   * Sends a Readable body as the socket takes it (the source paused while the socket's buffer is
   * full); `sent` is called once every byte is written. The source failing, or giving other than
   * `length` bytes, fails the request with that error; the connection is then dropped by the
   * reader, never reused.
   */
  private pump(source: Readable, length: number | undefined, reader: ResponseReader, sent: () => void): void {
    const socket = this.socket;
    const chunked = length === undefined;
    let written = 0;
    const fail = (err: unknown): void => {
      this.bodyCutShort = true;
      pumping.detach();
      // Left alone, a source that gave too much would keep its file open until it ended.
      source.destroy();
      if (this.reader === reader) reader.fail(err);
    };
    const onData = (chunk: Buffer | string): void => {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      if (bytes.length === 0) return;
      written += bytes.length;
      if (!chunked && written > length) return fail(lengthMismatch(written, length));
      let more: boolean;
      if (chunked) {
        socket.cork();
        socket.write(`${bytes.length.toString(16)}\r\n`, 'latin1');
        socket.write(bytes);
        more = socket.write('\r\n', 'latin1');
        socket.uncork();
      } else more = socket.write(bytes);
      if (written === length) {
        // Every byte is written: the answer may come before the source says it has ended.
        pumping.onWire = true;
        sent();
      }
      if (!more) {
        source.pause();
        socket.once('drain', onDrain);
      }
    };
    const onDrain = (): void => {
      if (this.pumping === pumping) source.resume();
    };
    const onEnd = (): void => {
      if (!chunked && written !== length) return fail(lengthMismatch(written, length));
      pumping.detach();
      if (chunked) socket.write('0\r\n\r\n', 'latin1');
      if (!pumping.onWire) {
        pumping.onWire = true;
        sent();
      }
    };
    const onError = (err: unknown): void => fail(err);
    // A source destroyed without an error has not given its whole body either.
    const onClose = (): void => fail(withCode(new Error('the request body ended before its end'), 'ERR_STREAM_PREMATURE_CLOSE'));
    const pumping = {
      source,
      onWire: false,
      detach: (): void => {
        if (this.pumping === pumping) this.pumping = undefined;
        source.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
        socket.off('drain', onDrain);
      },
    };
    this.pumping = pumping;
    // The source may have failed while the connection was being found (the caller keeps a listener on it meanwhile).
    if (source.errored) return fail(source.errored);
    if (source.destroyed) return onClose();
    source.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
    // Callers may hand the source paused (a counter listening beside us pauses it so no byte goes unseen).
    source.resume();
  }

  /** Destroys the socket with ERR_CONNECT_TIMEOUT unless it has connected (`event`) within `ms`. */
  private limitConnectWait(ms: number, event: 'connect' | 'secureConnect'): void {
    const timer = setTimeout(() => this.socket.destroy(withCode(new Error(`no connection within ${ms} ms`), 'ERR_CONNECT_TIMEOUT')), ms);
    const stop = (): void => {
      clearTimeout(timer);
      this.socket.off(event, stop).off('close', stop);
    };
    this.socket.once(event, stop).once('close', stop);
  }

  private nextRoom(): Uint8Array {
    if (this.head) this.handed = { buffer: this.head.subarray(this.headLength), head: this.head };
    else if (this.reader) this.handed = { buffer: this.reader.room(), reader: this.reader };
    else this.handed = { buffer: (this.spare ??= Buffer.allocUnsafe(16 * 1024)) };
    return this.handed.buffer;
  }

  private onRead(count: number): boolean {
    const reader = this.reader;
    if (!reader) {
      // Nothing was asked: these bytes answer nothing, and the connection cannot be trusted again.
      if (count > 0) this.socket.destroy();
      return false;
    }
    this.answered += count;
    const handed = this.handed!;
    try {
      if (this.head) {
        if (handed.head !== this.head) this.moveIntoHead(handed.buffer.subarray(0, count));
        return this.readHead(count, reader);
      }
      if (handed.reader === reader) return reader.read(count);
      return this.moveToReader(Buffer.from(handed.buffer.buffer, handed.buffer.byteOffset, count), reader);
    } catch (err) {
      reader.fail(err);
      return false;
    }
  }

  private moveIntoHead(bytes: Uint8Array): void {
    if (this.headLength + bytes.length > this.head!.length) throw withCode(new Error('the response head is larger than 64 KiB'), 'ERR_HEAD_TOO_LARGE');
    this.head!.set(bytes, this.headLength);
  }

  /** Bytes of the body that were read before the reader's memory was asked for, handed over through it. */
  private moveToReader(bytes: Buffer, reader: ResponseReader): boolean {
    let more = true;
    for (let at = 0; at < bytes.length && this.reader === reader; ) {
      const room = reader.room();
      const n = Math.min(room.length, bytes.length - at);
      bytes.copy(room, 0, at, at + n);
      at += n;
      more = reader.read(n);
    }
    return more;
  }

  private readHead(count: number, reader: ResponseReader): boolean {
    const head = this.head!;
    this.headLength += count;
    // Bytes that cannot begin an answer fail now, not after 64 KiB of them or the head's deadline.
    const start = Math.min(this.headLength, STATUS_START.length);
    if (head.compare(STATUS_START, 0, start, 0, start) !== 0) throw withCode(new Error(`not an HTTP/1.1 response: ${JSON.stringify(head.subarray(0, Math.min(this.headLength, 40)).toString('latin1'))}`), 'ERR_BAD_RESPONSE');
    for (;;) {
      const end = head.subarray(0, this.headLength).indexOf('\r\n\r\n');
      if (end < 0) {
        if (this.headLength === head.length) throw withCode(new Error('the response head is larger than 64 KiB'), 'ERR_HEAD_TOO_LARGE');
        return true;
      }
      const parsed = parseHead(head.subarray(0, end).toString('latin1'));
      // 1xx answers (100 Continue) come before the real one: skip them.
      if (parsed.status >= 100 && parsed.status < 200) {
        head.copyWithin(0, end + 4, this.headLength);
        this.headLength -= end + 4;
        continue;
      }
      const rest = head.subarray(end + 4, this.headLength);
      this.head = undefined; // from here on reads go to the reader's memory
      clearTimeout(this.headDeadline);
      return reader.head(parsed.status, parsed.headers, rest, parsed);
    }
  }
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

export interface EncodedRequest {
  head: string;
  body?: Buffer;
  /** A body sent after the head as it is read (`length` undefined: chunked). */
  stream?: { source: Readable; length: number | undefined };
}

/** The request as it goes on the wire; throws on a header that cannot be sent (before any connection is made for it). */
export function encodeRequest(request: OutgoingRequest): EncodedRequest {
  const { body } = request;
  if (body && !Buffer.isBuffer(body)) return { head: requestHead(request), stream: { source: body, length: request.bodyLength } };
  return { head: requestHead(request), ...(body ? { body } : {}) };
}

function requestHead(request: OutgoingRequest): string {
  if (!TOKEN.test(request.method) || /[\s\0]/.test(request.path) || /[\r\n\0]/.test(request.hostHeader)) throw new TypeError('invalid request line');
  const lines = [`${request.method} ${request.path} HTTP/1.1`, `Host: ${request.hostHeader}`];
  const names = new Set<string>();
  for (const [name, value] of Object.entries(request.headers ?? {})) {
    if (!TOKEN.test(name) || /[\r\n\0]/.test(value)) throw new TypeError(`invalid request header ${name}`);
    const lower = name.toLowerCase();
    // Framing is ours to say: the body given is the body sent.
    if (lower === 'content-length' || lower === 'transfer-encoding' || lower === 'connection' || lower === 'host') continue;
    names.add(lower);
    lines.push(`${name}: ${value}`);
  }
  if (!names.has('accept-encoding')) lines.push('Accept-Encoding: identity');
  const { body } = request;
  const streamed = body !== undefined && !Buffer.isBuffer(body);
  if (streamed && request.bodyLength !== undefined && !(Number.isSafeInteger(request.bodyLength) && request.bodyLength >= 0)) throw new TypeError('invalid request body length');
  const length = streamed ? request.bodyLength : (body?.length ?? 0);
  if (length === undefined) lines.push('Transfer-Encoding: chunked');
  // Methods that carry a body say how long it is even when it is empty, as undici and Go do.
  else if (length > 0 || streamed || !['GET', 'HEAD', 'DELETE', 'OPTIONS'].includes(request.method)) lines.push(`Content-Length: ${length}`);
  if (!request.keepAlive) lines.push('Connection: close');
  lines.push('', '');
  return lines.join('\r\n');
}

function parseHead(text: string): ResponseHead {
  const lines = text.split('\r\n');
  const match = /^HTTP\/1\.([01]) (\d{3})(?: .*)?$/.exec(lines[0] ?? '');
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
  return { status: Number(match[2]), headers, http10: match[1] === '0' };
}

function lengthMismatch(sent: number, length: number): Error {
  return withCode(new Error(`the request body gave ${sent > length ? 'more' : 'fewer'} bytes than its Content-Length (${length})`), 'ERR_BODY_LENGTH_MISMATCH');
}

export function withCode(err: Error, code: string): Error {
  return Object.assign(err, { code });
}
