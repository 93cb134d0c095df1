// One HTTP/1.1 GET to an engine on a connection of its own, its body read with Node's `onread`
// straight into large pieces that are handed to the consumer: for /images/get, whose gigabytes
// Node's HTTP client would deliver as 50,000 freshly allocated buffers through its parser and
// stream machinery (the garbage collector's pauses then hold up reading, and the engine, which
// writes only as fast as we read, waits). Here each byte is read once into a piece and, when the
// engine frames the body in chunks (Docker does), moved once within it to close the gaps the chunk
// lines leave. Reading stays ahead of the consumer by up to `limit` bytes.
//
// Connecting and the head are http/socketRequest's; this reads the body. An answer other than 200
// is not read: the caller is told (`undefined`) and asks again through the engine client, which
// reads the engine's error.

import { CancelledError, StevedoreError } from '../errors';
import { headerList } from '../http/bodyDecoder';
import { socketRequest, withCode, type HeadHeaders, type ResponseReader, type SocketRequest } from '../http/socketRequest';

export interface StreamedGetOptions {
  /** A unix socket path, or a TCP host and port (plain, no TLS). */
  socketPath?: string;
  host?: string;
  port?: number;
  /** The request target, with its query: /v1.41/images/get?names=… */
  path: string;
  signal?: AbortSignal;
  /** Size of the pieces the body is read into. */
  pieceSize?: number;
  /** A consumer that waits gets what has arrived once it is this much. */
  minPiece?: number;
  /** Most bytes read ahead of the consumer before reading pauses. */
  limit?: number;
  /**
   * The consumer is done with each piece it was given once it asks for the next (it copies what it
   * keeps): the pieces are then read into again instead of allocating a fresh megabyte each time,
   * which for a gigabyte's export is a thousand allocations the garbage collector chases.
   */
  reusePieces?: boolean;
}

/** A read always gets at least this much room; a piece with less left is handed on first. */
const MIN_ROOM = 64 * 1024;

/**
 * Sends the GET and waits for the answer's head: undefined when it is not a 200 (nothing of it is
 * read), else the body as an iterable of pieces (close it early with `return`, as `for await`
 * does on `break`, to drop the connection).
 */
export function streamedGet(options: StreamedGetOptions): Promise<AsyncGenerator<Uint8Array> | undefined> {
  return new Promise((resolve, reject) => new Exchange(options, resolve, reject).begin());
}

/** A piece the body is read into, and how many of the parts handed out of it the consumer still holds. */
interface Piece {
  buffer: Buffer;
  held: number;
  /** Reading has moved on to another piece. */
  retired: boolean;
}

type Framing =
  | { kind: 'length'; remaining: number }
  | { kind: 'close' }
  /** Chunked: `left` bytes of the current chunk's data are still to come, or a line is expected. */
  | { kind: 'chunked'; left: number; expect: 'size' | 'data' | 'crlf' | 'trailer' };

class Exchange implements ResponseReader {
  private request: SocketRequest | undefined;
  private readonly pieceSize: number;
  private readonly minPiece: number;
  private readonly limit: number;
  private headDone = false;
  private framing: Framing = { kind: 'close' };
  private current: Piece;
  private piece: Buffer;
  /** Pieces the consumer is done with, ready to be read into again. */
  private readonly spare: Buffer[] = [];
  /** piece[start, dataEnd) is body not yet handed on; piece[parsed, rawEnd) is read but not yet decoded. */
  private start = 0;
  private dataEnd = 0;
  private parsed = 0;
  private rawEnd = 0;
  private readonly ready: { part: Buffer; from: Piece }[] = [];
  private held = 0;
  private ended = false;
  private failure: unknown;
  private paused = false;
  private consumerWaiting: (() => void) | undefined;

  constructor(
    private readonly options: StreamedGetOptions,
    private resolveHead: ((body: AsyncGenerator<Uint8Array> | undefined) => void) | undefined,
    private rejectHead: ((err: unknown) => void) | undefined,
  ) {
    this.pieceSize = options.pieceSize ?? 1024 * 1024;
    this.minPiece = Math.min(options.minPiece ?? 256 * 1024, this.pieceSize);
    this.limit = Math.max(options.limit ?? 32 * 1024 * 1024, this.pieceSize);
    if (this.pieceSize < 2 * MIN_ROOM) throw new RangeError(`pieces must be at least ${2 * MIN_ROOM} bytes`);
    this.piece = Buffer.allocUnsafeSlow(this.pieceSize);
    this.current = { buffer: this.piece, held: 0, retired: false };
  }

  begin(): void {
    const { socketPath, host, port, path, signal } = this.options;
    if (signal?.aborted) return this.fail(new CancelledError());
    const hostHeader = socketPath !== undefined ? 'localhost' : `${host}:${port}`;
    this.request = socketRequest({ socketPath, host, port, path, hostHeader, signal }, this);
  }

  room(): Uint8Array {
    return this.piece.subarray(this.rawEnd);
  }

  read(count: number): boolean {
    this.rawEnd += count;
    this.decode();
    return this.afterRead();
  }

  head(status: number, headers: HeadHeaders, rest: Buffer): boolean {
    if (status !== 200) {
      this.settleHead(undefined);
      this.cleanUp();
      return false;
    }
    const codings = headerList(headers, 'transfer-encoding');
    if (codings.length > 0) {
      if (codings.join() !== 'chunked') throw badResponse(`it uses a transfer encoding Stevedore does not read (${codings.join(', ')})`);
      this.framing = { kind: 'chunked', left: 0, expect: 'size' };
    } else {
      const lengths = headerList(headers, 'content-length');
      if (lengths.length > 0) {
        if (lengths.some((v) => v !== lengths[0])) throw badResponse('conflicting content-length headers in the response');
        if (!/^\d{1,15}$/.test(lengths[0]!)) throw badResponse('its Content-Length is not a number');
        this.framing = { kind: 'length', remaining: Number(lengths[0]) };
      }
    }
    this.headDone = true;
    rest.copy(this.piece, 0);
    this.rawEnd = rest.length;
    this.settleHead(this.body());
    this.decode();
    return this.afterRead();
  }

  /** Turns piece[parsed, rawEnd) into body bytes at dataEnd, dropping the chunk framing. */
  private decode(): void {
    const f = this.framing;
    const piece = this.piece;
    while (this.parsed < this.rawEnd && !this.ended) {
      if (f.kind === 'close' || f.kind === 'length' || (f.kind === 'chunked' && f.expect === 'data')) {
        let n = this.rawEnd - this.parsed;
        if (f.kind === 'length') n = Math.min(n, f.remaining);
        if (f.kind === 'chunked') n = Math.min(n, f.left);
        if (this.dataEnd !== this.parsed) piece.copyWithin(this.dataEnd, this.parsed, this.parsed + n);
        this.dataEnd += n;
        this.parsed += n;
        if (f.kind === 'length') {
          f.remaining -= n;
          if (f.remaining === 0) this.end();
        } else if (f.kind === 'chunked') {
          f.left -= n;
          if (f.left === 0) f.expect = 'crlf';
        }
        continue;
      }
      // A line of the chunked framing: a chunk's size, the CRLF after its data, or the trailer.
      const lineEnd = piece.subarray(this.parsed, this.rawEnd).indexOf('\r\n');
      if (lineEnd < 0) {
        if (this.rawEnd - this.parsed > 4096) throw badResponse('a chunk line is longer than 4 KiB');
        return;
      }
      const line = piece.subarray(this.parsed, this.parsed + lineEnd).toString('latin1');
      this.parsed += lineEnd + 2;
      if (f.expect === 'crlf') {
        if (line !== '') throw badResponse('a chunk does not end where its size says');
        f.expect = 'size';
      } else if (f.expect === 'size') {
        const size = /^[0-9a-fA-F]{1,12}(?:\s*;.*)?$/.test(line) ? parseInt(line, 16) : NaN;
        if (!Number.isSafeInteger(size)) throw badResponse('a chunk size is not a number');
        if (size === 0) f.expect = 'trailer';
        else {
          f.left = size;
          f.expect = 'data';
        }
      } else if (line === '') {
        this.end();
      }
    }
  }

  /** After a read: hands on what is due and says whether to keep reading. */
  private afterRead(): boolean {
    const room = this.pieceSize - this.rawEnd;
    if (room < MIN_ROOM || this.ended) this.handOn(true);
    else if (this.consumerWaiting && this.dataEnd - this.start >= this.minPiece) this.handOn(false);
    if (this.ended) {
      this.cleanUp();
      // The end may come in a read with no data of its own ("0\r\n\r\n"): a consumer waiting for more must hear of it.
      this.wakeConsumer();
      return false;
    }
    if (this.held >= this.limit) {
      this.paused = true;
      return false;
    }
    return true;
  }

  /** Queues piece[start, dataEnd) for the consumer; `fresh` moves on to a new piece (carrying undecoded bytes over). */
  private handOn(fresh: boolean): void {
    if (this.dataEnd > this.start) {
      this.ready.push({ part: this.piece.subarray(this.start, this.dataEnd), from: this.current });
      this.current.held++;
      this.held += this.dataEnd - this.start;
      this.start = this.dataEnd;
      this.wakeConsumer();
    }
    if (fresh && !this.ended) {
      const next = this.spare.pop() ?? Buffer.allocUnsafeSlow(this.pieceSize);
      const carried = this.piece.copy(next, 0, this.parsed, this.rawEnd);
      this.current.retired = true;
      this.recycle(this.current);
      this.current = { buffer: next, held: 0, retired: false };
      this.piece = next;
      this.start = this.dataEnd = this.parsed = 0;
      this.rawEnd = carried;
    }
  }

  /** Keeps a retired piece that the consumer no longer holds any part of, when the consumer said it lets go. */
  private recycle(piece: Piece): void {
    if (this.options.reusePieces && piece.retired && piece.held === 0) this.spare.push(piece.buffer);
  }

  private end(): void {
    this.ended = true;
  }

  closed(): void {
    if (this.ended || this.failure !== undefined) return;
    if (!this.headDone) return this.fail(withCode(new Error('the engine closed the connection before answering'), 'ECONNRESET'));
    if (this.framing.kind === 'close') {
      this.ended = true;
      this.handOn(false);
      this.wakeConsumer();
      return;
    }
    this.fail(withCode(new Error('the engine closed the connection before the end of the export'), 'ECONNRESET'));
  }

  fail(err: unknown): void {
    if (this.failure !== undefined || this.ended) return;
    this.failure = this.options.signal?.aborted ? new CancelledError() : unreadableHead(err) ?? err;
    this.cleanUp();
    if (this.rejectHead) {
      const reject = this.rejectHead;
      this.resolveHead = this.rejectHead = undefined;
      reject(this.failure);
    }
    this.wakeConsumer();
  }

  private settleHead(body: AsyncGenerator<Uint8Array> | undefined): void {
    const resolve = this.resolveHead;
    this.resolveHead = this.rejectHead = undefined;
    resolve?.(body);
  }

  private cleanUp(): void {
    this.request?.close();
  }

  private wakeConsumer(): void {
    const resume = this.consumerWaiting;
    this.consumerWaiting = undefined;
    resume?.();
  }

  private async *body(): AsyncGenerator<Uint8Array> {
    try {
      for (;;) {
        const next = this.ready.shift();
        if (next) {
          this.held -= next.part.length;
          if (this.paused && this.held < this.limit) {
            this.paused = false;
            this.request?.socket.resume();
          }
          yield next.part;
          // Asked for more: the consumer is done with that part.
          next.from.held--;
          this.recycle(next.from);
          continue;
        }
        if (this.failure !== undefined) throw this.failure;
        if (this.ended) return;
        await new Promise<void>((resolve) => (this.consumerWaiting = resolve));
      }
    } finally {
      // Given up early (or finished): nothing more is read.
      if (!this.ended && this.failure === undefined) {
        this.failure = new CancelledError();
        this.cleanUp();
      }
    }
  }
}

/** A head the shared reader could not parse, told as the engine's. */
function unreadableHead(err: unknown): StevedoreError | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (err instanceof StevedoreError || (code !== 'ERR_BAD_RESPONSE' && code !== 'ERR_HEAD_TOO_LARGE')) return undefined;
  return badResponse((err as Error).message);
}

function badResponse(why: string): StevedoreError {
  return new StevedoreError('ENGINE_ERROR', `The engine's answer to an image export cannot be read: ${why}.`);
}
