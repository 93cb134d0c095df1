// One HTTP/1.1 GET on a connection of its own, read with Node's `onread` so that a blob's body goes
// from the socket straight into a receiver's buffers: no parser copy, no buffer allocated per read,
// no stream machinery between the kernel and the hash. Layer downloads use it; everything else
// goes through undici. Connecting and the head are http/socketRequest's; this reads the body:
//   - a 2xx body framed by Content-Length goes to the receiver the caller picks for it; a 2xx the
//     caller does not take, or one framed otherwise, comes back as `undefined` before a byte of it
//     is read, and the caller asks again through undici;
//   - any other response (an error, a redirect, a 401) is read whole up to a limit, in any framing.

import type { ConnectionOptions } from 'node:tls';
import { BodyBrokenOff } from '../http/bodyBrokenOff';
import { CancelledError, StevedoreError } from '../errors';
import { framingOf, HeldBody } from '../http/heldBody';
import { socketRequest, withCode, type ResponseReader, type SocketRequest } from '../http/socketRequest';
import type { ResponseHeaders } from './registryRequest';

/** Where a body is read into: see IngestReceiver, which implements it. */
export interface BodyReceiver {
  /** The room the next read goes into. */
  space(): Uint8Array;
  /** `count` bytes were read into `space()`; false asks to stop reading until `whenWritable` calls back. */
  received(count: number): boolean;
  whenWritable(resume: () => void): void;
}

export interface SocketGetOptions {
  url: URL;
  headers: Record<string, string>;
  /** For https: trust settings and client certificate (servername is set here). */
  tls?: ConnectionOptions;
  signal?: AbortSignal;
  /** Longest wait for the connection to be made. */
  connectTimeoutMs?: number;
  /** Longest wait for the answer's head, from sending (a total, not an idle time). */
  headersTimeoutMs: number;
  /** Longest pause between two reads of the body (not counted while the receiver holds reading). */
  bodyTimeoutMs: number;
  /** Bytes of a non-2xx body kept; the rest is not read. */
  smallBodyLimit: number;
  /** The receiver for a 2xx body of `length` bytes, or undefined to leave that response to undici. */
  receiverFor(status: number, headers: ResponseHeaders, length: number): BodyReceiver | undefined;
}

export interface SocketGetResponse {
  status: number;
  headers: ResponseHeaders;
  /** A non-2xx body (up to the limit); empty when the body went to the receiver. */
  body: Buffer;
  /** True when the body went to the receiver, every byte of it. */
  streamed: boolean;
}


/** Room a non-2xx body is read into, a read at a time, before it is copied out. */
const SMALL_ROOM = 64 * 1024;

export function socketGet(options: SocketGetOptions): Promise<SocketGetResponse | undefined> {
  return new Promise((resolve, reject) => new Exchange(options, resolve, reject).start());
}

type Phase = 'head' | 'body' | 'small' | 'done';

class Exchange implements ResponseReader {
  private request: SocketRequest | undefined;
  private phase: Phase = 'head';
  private scratch: Buffer | undefined;
  private status = 0;
  private headers: ResponseHeaders = {};
  private receiver: BodyReceiver | undefined;
  private remaining = 0;
  /** A non-2xx body, read whole up to the limit in whichever framing it has. */
  private small: HeldBody | undefined;

  constructor(
    private readonly options: SocketGetOptions,
    private readonly resolve: (value: SocketGetResponse | undefined) => void,
    private readonly reject: (err: unknown) => void,
  ) {}

  start(): void {
    const { url, signal } = this.options;
    if (signal?.aborted) return this.reject(new CancelledError());
    const port = Number(url.port) || (url.protocol === 'https:' ? 443 : 80);
    try {
      this.request = socketRequest(
        { host: url.hostname, port, tls: url.protocol === 'https:' ? (this.options.tls ?? {}) : undefined, path: `${url.pathname}${url.search}`, hostHeader: url.host,
          headers: this.options.headers,
          signal,
          headersTimeoutMs: this.options.headersTimeoutMs,
          ...(this.options.connectTimeoutMs !== undefined ? { connectTimeoutMs: this.options.connectTimeoutMs } : {}),
        },
        this,
      );
    } catch (err) {
      return this.reject(err);
    }
  }

  /** The memory the next read of the body goes into; Node asks right after each read, for the one after. */
  room(): Uint8Array {
    if (this.phase === 'body') return this.receiver!.space();
    return (this.scratch ??= Buffer.allocUnsafe(SMALL_ROOM)); // small bodies are copied out of it after each read
  }

  read(count: number): boolean {
    if (this.phase === 'body') return this.readBody(count);
    if (this.phase === 'small') this.readSmall(this.scratch!.subarray(0, count));
    return true;
  }

  /** The head is in: decides where the body goes and hands over the bytes that came with the head. */
  head(status: number, headers: ResponseHeaders, rest: Buffer): boolean {
    this.status = status;
    this.headers = headers;
    const framing = framingOf('GET', status, headers);
    if (this.status >= 200 && this.status < 300) {
      const length = framing.kind === 'length' ? framing.length : undefined;
      const receiver = length !== undefined ? this.options.receiverFor(this.status, this.headers, length) : undefined;
      if (!receiver) {
        this.finish(undefined);
        return false;
      }
      this.receiver = receiver;
      this.remaining = length!;
      this.phase = 'body';
      this.request!.socket.setTimeout(this.options.bodyTimeoutMs);
      let more = true;
      for (let offset = 0; offset < rest.length && this.phase === 'body'; ) {
        const room = receiver.space();
        const n = Math.min(room.length, rest.length - offset);
        rest.copy(room, 0, offset, offset + n);
        offset += n;
        more = this.readBody(n);
      }
      if (this.remaining === 0 && this.phase === 'body') this.finish({ status: this.status, headers: this.headers, body: Buffer.alloc(0), streamed: true });
      return more;
    }
    this.phase = 'small';
    this.small = new HeldBody(framing, this.options.smallBodyLimit);
    this.readSmall(rest);
    return true;
  }

  private readBody(count: number): boolean {
    // With Connection: close nothing may follow the body; anything that does is not ours to keep.
    const n = Math.min(count, this.remaining);
    this.remaining -= n;
    const more = n > 0 ? this.receiver!.received(n) : true;
    if (this.remaining === 0) {
      this.finish({ status: this.status, headers: this.headers, body: Buffer.alloc(0), streamed: true });
      return false;
    }
    if (more) return true;
    // The receiver's writes are behind: hold reading (and the idle timer) until they catch up.
    const socket = this.request!.socket;
    socket.pause();
    socket.setTimeout(0);
    this.receiver!.whenWritable(() => {
      if (this.phase !== 'body') return;
      socket.setTimeout(this.options.bodyTimeoutMs);
      socket.resume();
    });
    return false;
  }

  private readSmall(bytes: Buffer): void {
    const small = this.small!;
    small.feed(bytes);
    // Past the limit the rest is not read: the connection is closed, not drained.
    if (small.done || small.overLimit) this.finishSmall();
  }

  private finishSmall(): void {
    this.finish({ status: this.status, headers: this.headers, body: this.small!.bytes(), streamed: false });
  }

  closed(): void {
    if (this.phase === 'done') return;
    if (this.phase === 'small') return this.finishSmall();
    this.fail(withCode(new Error('the connection closed before the response was complete'), 'ECONNRESET'));
  }

  private finish(response: SocketGetResponse | undefined): void {
    if (this.phase === 'done') return;
    this.phase = 'done';
    this.cleanUp();
    this.resolve(response);
  }

  fail(err: unknown): void {
    if (this.phase === 'done') return;
    const engaged = this.phase === 'body';
    this.phase = 'done';
    this.cleanUp();
    if (this.options.signal?.aborted) return this.reject(new CancelledError());
    // Errors of the receiver's own (a size overrun, a full disk) are final, not a broken transfer.
    const own = err instanceof StevedoreError || err instanceof CancelledError;
    this.reject(engaged && !own ? new BodyBrokenOff(err) : err);
  }

  private cleanUp(): void {
    this.request?.close();
  }
}
