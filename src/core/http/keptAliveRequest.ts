// One request on a kept-alive connection from a pool: its body none, one in memory, or a Readable
// streamed as the socket takes it (a blob upload, httpConnection.ts); its answer read whole into
// memory up to a limit, or, when the caller's sink takes it, written into the sink's Writable as it
// arrives (a blob download: configs and small layers). The registry's requests take this path
// (registryTransport.ts), so a pull or push never loads undici, whose WebAssembly parser costs a
// short command more than its work (launcher.ts).
//   - A reused connection the server closed before a byte of the answer came (it dropped an idle
//     connection just as we sent) is not a failure for an idempotent request (GET, HEAD, PUT,
//     DELETE): it is sent once more on a new one. The server may have acted on it before closing,
//     so a POST, a request its caller marks `retry: false` (an upload's closing PUT), and one whose
//     body was a Readable (gone once sent) are not sent again here: their failure goes to the
//     caller, which knows whether repeating is safe (an upload starts over with a new session).
//   - An answer may come before a streamed body is all sent (a 401, a 413): it is read as any
//     other, the rest of the body is not sent, and the connection is dropped.
//   - A sink's Writable gets the body's bytes (copies it may keep) with backpressure: reading waits
//     while it is full. The request settles when the Writable has finished; its errors, and a
//     connection that breaks off once the body has started into it, fail the request with
//     BodyBrokenOff (bodyBrokenOff.ts), since the sink holds part of the body and the caller decides what follows.
//   - Without a sink, a 2xx answer to a GET whose body is larger than the limit comes back
//     `undefined`, read no further than needed to know: the caller asks again on a path that streams it.
//   - Any other answer over its limit (`errorLimit` for a non-2xx) keeps the limit's worth, and its
//     connection is dropped rather than drained (callers read errors for their words).
//   - An answer that says `Connection: close`, an HTTP/1.0 one, one delimited by the close, one
//     followed by stray bytes, and a 204 that announces a body (a server that may send it anyway)
//     end their connection; the others give it back to the pool.
//   - A HEAD's answer (and a 304's) announces a body it does not carry; the connection is kept, as
//     Go's client, undici and curl keep it: a no-op push checks every blob with a HEAD, and one
//     connection for all of them spares a TLS handshake per blob. A server that sends that body
//     anyway has it caught while the connection is idle (stray bytes), or else read as the start of
//     the next answer: an answer that does not begin as one (a bad status line or header, a head
//     past 64 KiB) on such a connection counts as a drop before any answer, and the request goes
//     again on a new connection as above. Only bytes that form a whole answer of their own would
//     pass, and a server can send those as its real answer just as well.

import type { Readable, Writable } from 'node:stream';
import { CancelledError } from '../errors';
import { BodyBrokenOff } from './bodyBrokenOff';
import { BodyDecoder, framingOf, headerList } from './bodyDecoder';
import type { ConnectionPool } from './connectionPool';
import { encodeRequest, withCode, type ConnectTarget, type EncodedRequest, type HeadHeaders, type HttpConnection, type ResponseHead, type ResponseReader } from './httpConnection';
import { HeldBody } from './heldBody';

export interface KeptAliveRequest {
  pool: ConnectionPool;
  /** Connections are shared between requests with the same key (origin and TLS settings). */
  key: string;
  target: ConnectTarget;
  method: string;
  path: string;
  hostHeader: string;
  headers: Record<string, string>;
  body?: Buffer | Readable;
  /** A Readable body's length, when known (else it is sent chunked). */
  bodyLength?: number;
  /** Where a wanted body goes as it arrives; undefined for a status leaves that answer held in memory. */
  sink?: (status: number, headers: HeadHeaders) => Writable | undefined;
  signal?: AbortSignal;
  /** False: never sent again on its own, even when idempotent (default true). */
  retry?: boolean;
  /** Longest wait for the answer's head, from the request's sending, or a streamed body's end (a total, not an idle time); while such a body is sent, its longest stall. */
  headersTimeoutMs: number;
  /** Longest silence between two reads of the body. */
  bodyTimeoutMs: number;
  /** Most bytes of a 2xx answer's body held in memory. */
  limit: number;
  /** Most bytes of any other answer's body held (an error's words; `limit` when not given): the connection is dropped past it, not drained. */
  errorLimit?: number;
}

export interface HeldResponse {
  status: number;
  headers: HeadHeaders;
  /** Empty when the body went into the sink. */
  body: Buffer;
  /** The body went into the sink, every byte of it. */
  streamed?: boolean;
}

/** Sends the request; undefined: a 2xx GET body over the limit, left unread (only without a sink). */
export async function keptAliveRequest(request: KeptAliveRequest): Promise<HeldResponse | undefined> {
  if (request.signal?.aborted) throw new CancelledError();
  const { body } = request;
  const encoded = encodeRequest({
    method: request.method,
    path: request.path,
    hostHeader: request.hostHeader,
    headers: request.headers,
    keepAlive: true,
    ...(body ? { body } : {}),
    ...(request.bodyLength !== undefined ? { bodyLength: request.bodyLength } : {}),
  });
  const reused = request.pool.take(request.key);
  if (reused) {
    try {
      return await exchange(request, encoded, reused);
    } catch (err) {
      if (!(err instanceof ClosedBeforeAnswer)) throw err;
      // A streamed body is gone once sent: such a request cannot be sent again.
      if (request.retry === false || !IDEMPOTENT.has(request.method) || encoded.stream) throw err.cause;
    }
  }
  try {
    return await exchange(request, encoded, request.pool.open(request.key, request.target));
  } catch (err) {
    throw err instanceof ClosedBeforeAnswer ? err.cause : err;
  }
}

/** A reused connection ended before any byte of the answer: worth one more try on a new one. */
class ClosedBeforeAnswer extends Error {
  constructor(cause: unknown) {
    super('the connection closed before an answer', { cause });
  }
}

/** Methods whose request has the same effect sent twice as once (RFC 9110, 9.2.2). */
const IDEMPOTENT: ReadonlySet<string> = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

const ROOM = 64 * 1024;
/** A read smaller than this is copied out for the sink; a larger one hands the sink the memory it was read into. */
const COPY_BELOW = 16 * 1024;

function exchange(request: KeptAliveRequest, encoded: EncodedRequest, connection: HttpConnection): Promise<HeldResponse | undefined> {
  return new Promise((resolve, reject) => {
    const { pool, signal } = request;
    const reused = connection.completed > 0;
    const afterUnsentBody = reused && connection.announcedUnsentBody;
    let body: HeldBody | undefined;
    let head: { status: number; headers: HeadHeaders; keep: boolean } | undefined;
    let room: Buffer | undefined;
    /** Set while the body goes into the sink's Writable. */
    let streaming: { writable: Writable; decoder: BodyDecoder; ended: boolean } | undefined;
    let released = false;
    let settled = false;

    /** Done with the connection: given back when it may carry another request, else dropped. */
    const letGo = (keep: boolean, headers?: HeadHeaders): void => {
      if (released) return;
      released = true;
      const reusable = connection.reusable;
      connection.release();
      if (keep && reusable) pool.giveBack(request.key, connection, idleMsOf(headers));
      else pool.drop(connection);
    };
    const settle = (): void => {
      settled = true;
      signal?.removeEventListener('abort', onAbort);
    };
    const finish = (response: HeldResponse | undefined, keep: boolean): void => {
      if (settled) return;
      settle();
      letGo(keep, response?.headers);
      resolve(response);
    };
    const fail = (err: unknown): void => {
      if (settled) return;
      const early = !connection.answerStarted;
      settle();
      letGo(false);
      if (streaming) {
        streaming.writable.off('drain', onDrain);
        // Nothing more comes: the sink is let go of as undici lets go of its stream's Writable.
        if (!streaming.ended) streaming.writable.destroy();
      }
      if (signal?.aborted) return reject(new CancelledError());
      if (streaming) return reject(new BodyBrokenOff(err));
      const desync = afterUnsentBody && !head && isUnreadableHead(err);
      reject(reused && ((early && isDrop(err)) || desync) ? new ClosedBeforeAnswer(err) : err);
    };
    const onAbort = (): void => fail(new CancelledError());

    const took = (bytes: Buffer): void => {
      if (streaming) return void streaming.decoder.feed(bytes);
      body!.feed(bytes);
      const { status, headers, keep } = head!;
      if (body!.overLimit) {
        if (!request.sink && request.method === 'GET' && status >= 200 && status < 300) return finish(undefined, false);
        return finish({ status, headers, body: body!.bytes() }, false);
      }
      if (body!.done) finish({ status, headers, body: body!.bytes() }, keep && !body!.trailing);
    };

    /** The whole body has gone into the sink: the connection is free, the request settles when the sink has finished. */
    const bodyIn = (): void => {
      const s = streaming!;
      const { headers, keep } = head!;
      s.ended = true;
      letGo(keep && !s.decoder.trailing, headers);
      s.writable.end();
    };
    const onDrain = (): void => {
      if (settled || released) return;
      connection.socket.setTimeout(request.bodyTimeoutMs);
      connection.socket.resume();
    };
    /** Hands body bytes to the sink; false when it is full and reading should wait for its 'drain'. */
    let sinkFull = false;
    const toSink = (bytes: Buffer): void => {
      const s = streaming!;
      // The sink may keep what it is given: the memory handed over is never read into again.
      const owned = bytes.length < COPY_BELOW || bytes.buffer !== room?.buffer ? Buffer.from(bytes) : bytes;
      if (owned === bytes) room = undefined;
      if (!s.writable.write(owned)) sinkFull = true;
    };
    const startSink = (writable: Writable, framing: ReturnType<typeof framingOf>): void => {
      streaming = { writable, decoder: new BodyDecoder(framing, toSink), ended: false };
      writable.on('drain', onDrain);
      writable.on('error', fail);
      writable.on('finish', () => {
        if (settled) return;
        settle();
        writable.off('drain', onDrain);
        resolve({ status: head!.status, headers: head!.headers, body: Buffer.alloc(0), streamed: true });
      });
    };
    /** After bytes went to the sink: whether to keep reading now. */
    const afterSinkRead = (): boolean => {
      if (settled) return false;
      if (streaming!.decoder.done) {
        bodyIn();
        // Reading goes on after the answer: an idle connection must see the server's close.
        return true;
      }
      if (!sinkFull) return true;
      sinkFull = false;
      // The sink is behind: reading (and the idle timer) waits until it drains.
      connection.socket.setTimeout(0);
      connection.socket.pause();
      return false;
    };

    const reader: ResponseReader = {
      head(status: number, headers: HeadHeaders, rest: Buffer, info: ResponseHead): boolean {
        const framing = framingOf(request.method, status, headers);
        const announced = announcedLength(headers) > 0;
        const keep = !info.http10 && framing.kind !== 'close' && !headerList(headers, 'connection').includes('close') && !(status === 204 && announced);
        head = { status, headers, keep };
        connection.announcedUnsentBody = announced && (request.method === 'HEAD' || status === 304);
        const writable = request.sink?.(status, headers);
        connection.socket.setTimeout(request.bodyTimeoutMs);
        if (writable) {
          startSink(writable, framing);
          if (streaming!.decoder.done) {
            bodyIn();
            return true;
          }
          streaming!.decoder.feed(rest);
          return afterSinkRead();
        }
        if (!request.sink && framing.kind === 'length' && framing.length > request.limit && request.method === 'GET' && status >= 200 && status < 300) {
          finish(undefined, false);
          return false;
        }
        body = new HeldBody(framing, status >= 200 && status < 300 ? request.limit : (request.errorLimit ?? request.limit));
        took(rest);
        // Reading goes on after the answer: an idle connection must see the server's close.
        return true;
      },
      room: () => (room ??= Buffer.allocUnsafe(ROOM)),
      read(count: number): boolean {
        took(room!.subarray(0, count));
        return streaming ? afterSinkRead() : true;
      },
      fail,
      closed(): void {
        if (settled) return;
        if (streaming) {
          if (streaming.ended) return;
          if (streaming.decoder.ended()) return bodyIn();
          return fail(withCode(new Error('the connection closed before the response was complete'), 'ECONNRESET'));
        }
        if (body?.ended()) return finish({ status: head!.status, headers: head!.headers, body: body.bytes() }, false);
        fail(withCode(new Error(head ? 'the connection closed before the response was complete' : 'the connection closed before an answer'), 'ECONNRESET'));
      },
    };

    signal?.addEventListener('abort', onAbort, { once: true });
    connection.send(encoded, reader, request.headersTimeoutMs);
  });
}

/** How an early end of a reused connection shows: a reset, a broken pipe, or a plain close. */
function isDrop(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return code === 'ECONNRESET' || code === 'EPIPE' || code === 'ECONNABORTED' || code === 'ERR_STREAM_DESTROYED' || code === 'ERR_STREAM_WRITE_AFTER_END';
}

/** How the start of an answer that is not one shows (httpConnection.ts's head parser). */
function isUnreadableHead(err: unknown): boolean {
  const code = (err as { code?: unknown } | undefined)?.code;
  return code === 'ERR_BAD_RESPONSE' || code === 'ERR_HEAD_TOO_LARGE';
}

/** The body length an answer's head announces (Content-Length, or chunked: any), whether or not the answer carries it. */
function announcedLength(headers: HeadHeaders): number {
  if (headerList(headers, 'transfer-encoding').length > 0) return Infinity;
  const length = Number(headerList(headers, 'content-length')[0] ?? 0);
  return Number.isFinite(length) ? length : Infinity;
}

/** How long the server says it keeps an idle connection (`Keep-Alive: timeout=N`), with a second to spare. */
function idleMsOf(headers: HeadHeaders | undefined): number | undefined {
  const hint = headers ? headerList(headers, 'keep-alive').find((v) => v.startsWith('timeout=')) : undefined;
  const seconds = hint ? Number(hint.slice('timeout='.length)) : NaN;
  if (!Number.isFinite(seconds)) return undefined;
  return Math.min(seconds * 1000 - 1000, 10_000);
}
