// Takes a download straight from the socket into the ingest file with as little work per byte as
// the platform allows. The socket reads into large pooled buffers (`space()`), each read is hashed
// at once (`received()`), and a full buffer is written at its own file offset while the socket
// fills the next one. Where the file system allows, the page-aligned middle of each buffer is
// written with O_DIRECT: a 1 GB layer then costs no page-cache copies and no fresh page-cache
// memory, which on virtual machines is where most of a buffered write's time goes (measured:
// `npm run bench -- registry`). Unaligned edges go through the ordinary descriptor.
//
// At most MAX_IN_FLIGHT buffers are being written at once; beyond that `received` returns false and
// the reader waits for `whenWritable`. `finish()` writes what is left and resolves once every
// received byte has landed, so after a broken transfer the ingest's size says where to resume.

import { close, constants, open, write } from 'node:fs';
import { explainSystemError } from '../systemErrors';
import { DIRECT_IO_ALIGNMENT, type BufferPool } from './bufferPool';

/** A read always gets at least this much room; a buffer with less left is written out first. */
const MIN_READ_ROOM = 128 * 1024;
const MAX_IN_FLIGHT = 3;

/** The part of an Ingest a receiver works with. */
export interface ReceiverTarget {
  readonly path: string;
  /** The ingest's own (buffered) descriptor. */
  readonly fd: number;
  /** Bytes accounted so far: where the next byte goes in the file. */
  readonly bytes: number;
  /** Counts and hashes bytes about to be written; throws when they pass the expected size. */
  account(chunk: Uint8Array): void;
}

interface Piece {
  from: number;
  to: number;
  direct: boolean;
}

export class IngestReceiver {
  private buffer: Buffer;
  /** File offset of buffer[0]. Buffer offsets and file offsets agree modulo the alignment. */
  private base: number;
  /** buffer[start, filled) is received but not yet handed to a write. */
  private start: number;
  private filled: number;
  private inFlight = 0;
  private failure: Error | undefined;
  private resume: (() => void) | undefined;
  private readonly idleWaiters: (() => void)[] = [];
  private finished = false;

  /** `onProgress` hears the bytes received so far, after every read. */
  static async open(target: ReceiverTarget, pool: BufferPool, onProgress?: (bytes: number) => void): Promise<IngestReceiver> {
    const directFd = pool.aligned ? await openDirect(target.path) : undefined;
    return new IngestReceiver(target, pool, directFd, onProgress);
  }

  private constructor(
    private readonly target: ReceiverTarget,
    private readonly pool: BufferPool,
    private directFd: number | undefined,
    private readonly onProgress: ((bytes: number) => void) | undefined,
  ) {
    const lead = target.bytes % DIRECT_IO_ALIGNMENT;
    this.base = target.bytes - lead;
    this.buffer = pool.acquire();
    this.start = lead;
    this.filled = lead;
  }

  /** Whether page-aligned data is going to disk with O_DIRECT. */
  get direct(): boolean {
    return this.directFd !== undefined;
  }

  /** Where the next read goes. */
  space(): Buffer {
    return this.buffer.subarray(this.filled);
  }

  /** `count` bytes were read into `space()`. False: stop reading until `whenWritable` calls back. */
  received(count: number): boolean {
    if (this.failure) throw this.failure;
    if (this.finished) throw new Error('IngestReceiver: bytes received after finish()');
    this.target.account(this.buffer.subarray(this.filled, this.filled + count));
    this.filled += count;
    // Progress counts bytes received, not written: a transfer that stalls shows where it stalled.
    this.onProgress?.(this.target.bytes);
    if (this.buffer.length - this.filled >= MIN_READ_ROOM) return true;
    this.rotate();
    return this.inFlight < MAX_IN_FLIGHT;
  }

  /**
   * Calls `resume` once, as soon as fewer than MAX_IN_FLIGHT writes are pending; never before the
   * caller has returned (a reader that pauses must not be resumed before its pause took effect).
   */
  whenWritable(resume: () => void): void {
    if (this.inFlight < MAX_IN_FLIGHT || this.failure) queueMicrotask(resume);
    else this.resume = resume;
  }

  /** Writes everything received and resolves once it has landed; rejects with a write's error. */
  async finish(): Promise<void> {
    if (!this.finished) {
      this.finished = true;
      this.submit(this.buffer, this.start, this.filled, true);
    }
    if (this.inFlight > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    if (this.directFd !== undefined) {
      const fd = this.directFd;
      this.directFd = undefined;
      await new Promise<void>((resolve) => close(fd, () => resolve()));
    }
    if (this.failure) throw this.failure;
  }

  /** Hands the full buffer to a write and moves on to a fresh one, carrying over an unaligned tail. */
  private rotate(): void {
    const full = this.buffer;
    const end = this.directFd === undefined ? this.filled : alignDown(this.filled);
    const next = this.pool.acquire();
    full.copy(next, 0, end, this.filled);
    const carried = this.filled - end;
    const from = this.start;
    this.submit(full, from, end, false);
    this.base += end;
    this.buffer = next;
    this.start = 0;
    this.filled = carried;
  }

  /**
   * Writes buffer[from, to) at its file offset and gives the buffer back to the pool once written.
   * The buffer is not reused before then: the writes read from it on other threads.
   */
  private submit(buffer: Buffer, from: number, to: number, last: boolean): void {
    const pieces = this.piecesOf(from, to, last);
    const base = this.base;
    if (pieces.length === 0) {
      if (last) this.pool.release(buffer);
      return;
    }
    this.inFlight++;
    let pending = pieces.length;
    for (const piece of pieces) {
      this.writePiece(buffer, piece, base, (err) => {
        if (err && !this.failure) this.failure = writeFailure(err, this.target.path);
        if (--pending > 0) return;
        this.pool.release(buffer);
        this.inFlight--;
        this.wake();
      });
    }
  }

  private piecesOf(from: number, to: number, last: boolean): Piece[] {
    if (to <= from) return [];
    if (this.directFd === undefined) return [{ from, to, direct: false }];
    const pieces: Piece[] = [];
    const a = Math.min(alignUp(from), to);
    const b = Math.max(a, last ? alignDown(to) : to);
    if (a > from) pieces.push({ from, to: a, direct: false });
    if (b > a) pieces.push({ from: a, to: b, direct: true });
    if (to > b) pieces.push({ from: b, to, direct: false });
    return pieces;
  }

  private writePiece(buffer: Buffer, piece: Piece, base: number, done: (err: NodeJS.ErrnoException | null) => void): void {
    const fd = piece.direct ? this.directFd : this.target.fd;
    if (fd === undefined) return this.writePiece(buffer, { ...piece, direct: false }, base, done);
    writeFully(fd, buffer, piece.from, piece.to, base + piece.from, (err) => {
      // A file system may open with O_DIRECT yet refuse the write (alignment rules of its own):
      // fall back to ordinary writes for the rest of this transfer.
      if (err?.code === 'EINVAL' && piece.direct) {
        this.dropDirect();
        return this.writePiece(buffer, { ...piece, direct: false }, base, done);
      }
      done(err);
    });
  }

  private dropDirect(): void {
    if (this.directFd === undefined) return;
    const fd = this.directFd;
    this.directFd = undefined;
    close(fd, () => undefined);
  }

  private wake(): void {
    if (this.inFlight < MAX_IN_FLIGHT || this.failure) {
      const resume = this.resume;
      this.resume = undefined;
      resume?.();
    }
    if (this.inFlight === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}

function writeFully(fd: number, buffer: Buffer, from: number, to: number, position: number, done: (err: NodeJS.ErrnoException | null) => void): void {
  write(fd, buffer, from, to - from, position, (err, written) => {
    if (err) return done(err);
    if (from + written < to) return writeFully(fd, buffer, from + written, to, position + written, done);
    done(null);
  });
}

/** A second descriptor on the ingest file that bypasses the page cache; undefined where unsupported. */
function openDirect(path: string): Promise<number | undefined> {
  const flag = (constants as { O_DIRECT?: number }).O_DIRECT;
  if (flag === undefined) return Promise.resolve(undefined);
  return new Promise((resolve) => open(path, constants.O_WRONLY | flag, (err, fd) => resolve(err ? undefined : fd)));
}

function writeFailure(err: NodeJS.ErrnoException, path: string): Error {
  return explainSystemError(Object.assign(err, { path: err.path ?? path })) ?? err;
}

function alignDown(n: number): number {
  return n - (n % DIRECT_IO_ALIGNMENT);
}

function alignUp(n: number): number {
  return alignDown(n + DIRECT_IO_ALIGNMENT - 1);
}
