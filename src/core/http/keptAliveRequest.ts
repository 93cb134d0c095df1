// One request with a small body (none, a string or a Buffer) on a kept-alive connection from a
// pool, its answer read whole into memory up to a limit. The registry's API requests take this
// path (registryTransport.ts), so a command that only asks a few questions opens one connection
// for all of them and never loads undici.
//   - A reused connection the server closed before a byte of the answer came (it dropped an idle
//     connection just as we sent) is not a failure for an idempotent request (GET, HEAD, PUT,
//     DELETE): it is sent once more on a new one. The server may have acted on it before closing,
//     so a POST, and a request its caller marks `retry: false` (an upload's closing PUT), are not
//     sent again here: their failure goes to the caller, which knows whether repeating is safe.
//   - A 2xx answer to a GET whose body is larger than the limit comes back `undefined`, read no
//     further than needed to know: the caller asks again on a path that streams it.
//   - Any other answer over its limit (`errorLimit` for a non-2xx) keeps the limit's worth, and its
//     connection is dropped rather than drained (callers read errors for their words).
//   - An answer that says `Connection: close`, an HTTP/1.0 one, one delimited by the close, and one
//     followed by stray bytes end their connection; the others give it back to the pool.

import { CancelledError } from '../errors';
import type { ConnectionPool } from './connectionPool';
import { encodeRequest, withCode, type ConnectTarget, type EncodedRequest, type HeadHeaders, type HttpConnection, type ResponseHead, type ResponseReader } from './httpConnection';
import { framingOf, headerList, HeldBody } from './heldBody';

export interface KeptAliveRequest {
  pool: ConnectionPool;
  /** Connections are shared between requests with the same key (origin and TLS settings). */
  key: string;
  target: ConnectTarget;
  method: string;
  path: string;
  hostHeader: string;
  headers: Record<string, string>;
  body?: Buffer;
  signal?: AbortSignal;
  /** False: never sent again on its own, even when idempotent (default true). */
  retry?: boolean;
  /** Longest wait for the answer's head, from the request's sending (a total, not an idle time). */
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
  body: Buffer;
}

/** Sends the request; undefined: a 2xx GET body over the limit, left unread. */
export async function keptAliveRequest(request: KeptAliveRequest): Promise<HeldResponse | undefined> {
  if (request.signal?.aborted) throw new CancelledError();
  const encoded = encodeRequest({ method: request.method, path: request.path, hostHeader: request.hostHeader, headers: request.headers, keepAlive: true, ...(request.body ? { body: request.body } : {}) });
  const reused = request.pool.take(request.key);
  if (reused) {
    try {
      return await exchange(request, encoded, reused);
    } catch (err) {
      if (!(err instanceof ClosedBeforeAnswer)) throw err;
      if (request.retry === false || !IDEMPOTENT.has(request.method)) throw err.cause;
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

function exchange(request: KeptAliveRequest, encoded: EncodedRequest, connection: HttpConnection): Promise<HeldResponse | undefined> {
  return new Promise((resolve, reject) => {
    const { pool, signal } = request;
    const reused = connection.completed > 0;
    let body: HeldBody | undefined;
    let head: { status: number; headers: HeadHeaders; keep: boolean } | undefined;
    let room: Buffer | undefined;
    let settled = false;

    const settle = (): void => {
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      connection.release();
    };
    const finish = (response: HeldResponse | undefined, keep: boolean): void => {
      if (settled) return;
      settle();
      if (keep) pool.giveBack(request.key, connection, idleMsOf(response?.headers));
      else pool.drop(connection);
      resolve(response);
    };
    const fail = (err: unknown): void => {
      if (settled) return;
      const early = !connection.answerStarted;
      settle();
      pool.drop(connection);
      if (signal?.aborted) return reject(new CancelledError());
      reject(reused && early && isDrop(err) ? new ClosedBeforeAnswer(err) : err);
    };
    const onAbort = (): void => fail(new CancelledError());

    const took = (bytes: Buffer): void => {
      body!.feed(bytes);
      const { status, headers, keep } = head!;
      if (body!.overLimit) {
        if (request.method === 'GET' && status >= 200 && status < 300) return finish(undefined, false);
        return finish({ status, headers, body: body!.bytes() }, false);
      }
      if (body!.done) finish({ status, headers, body: body!.bytes() }, keep && !body!.trailing);
    };

    const reader: ResponseReader = {
      head(status: number, headers: HeadHeaders, rest: Buffer, info: ResponseHead): boolean {
        const framing = framingOf(request.method, status, headers);
        const keep = !info.http10 && framing.kind !== 'close' && !headerList(headers, 'connection').includes('close');
        head = { status, headers, keep };
        if (framing.kind === 'length' && framing.length > request.limit && request.method === 'GET' && status >= 200 && status < 300) {
          finish(undefined, false);
          return false;
        }
        body = new HeldBody(framing, status >= 200 && status < 300 ? request.limit : (request.errorLimit ?? request.limit));
        connection.socket.setTimeout(request.bodyTimeoutMs);
        took(rest);
        // Reading goes on after the answer: an idle connection must see the server's close.
        return true;
      },
      room: () => (room ??= Buffer.allocUnsafe(ROOM)),
      read(count: number): boolean {
        took(room!.subarray(0, count));
        return true;
      },
      fail,
      closed(): void {
        if (settled) return;
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

/** How long the server says it keeps an idle connection (`Keep-Alive: timeout=N`), with a second to spare. */
function idleMsOf(headers: HeadHeaders | undefined): number | undefined {
  const hint = headers ? headerList(headers, 'keep-alive').find((v) => v.startsWith('timeout=')) : undefined;
  const seconds = hint ? Number(hint.slice('timeout='.length)) : NaN;
  if (!Number.isFinite(seconds)) return undefined;
  return Math.min(seconds * 1000 - 1000, 10_000);
}
