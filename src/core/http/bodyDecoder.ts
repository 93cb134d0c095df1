// A response body's framing (Content-Length, chunked, or the connection's close) and the decoder
// that turns the bytes read off a connection into the body's own bytes, one pass over each byte,
// handing them on as views of the memory they were read into. HEAD answers, 204 and 304 have no
// body whatever their headers say. Bodies held in memory (heldBody.ts) and bodies written into a
// sink as they arrive (keptAliveRequest.ts) share it.

import { withCode, type HeadHeaders } from './httpConnection';

export type Framing = { kind: 'length'; length: number } | { kind: 'chunked' } | { kind: 'close' };

export function framingOf(method: string, status: number, headers: HeadHeaders): Framing {
  if (method === 'HEAD' || status === 204 || status === 304) return { kind: 'length', length: 0 };
  const codings = headerList(headers, 'transfer-encoding');
  // Chunked must be the last coding; any other transfer coding runs to the connection's close.
  if (codings.length > 0) return codings[codings.length - 1] === 'chunked' ? { kind: 'chunked' } : { kind: 'close' };
  const length = headerList(headers, 'content-length');
  if (length.length === 0) return { kind: 'close' };
  if (length.some((v) => v !== length[0]) || !/^\d{1,15}$/.test(length[0]!)) throw withCode(new Error('an invalid Content-Length in the response'), 'ERR_BAD_RESPONSE');
  return { kind: 'length', length: Number(length[0]) };
}

/** The comma-separated tokens of a header, lower-case, across its repeats. */
export function headerList(headers: HeadHeaders, name: string): string[] {
  const value = headers[name];
  const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return values.flatMap((v) => v.split(',')).map((v) => v.trim().toLowerCase()).filter((v) => v !== '');
}

type ChunkState = 'size' | 'data' | 'data-end' | 'trailer';

/** Longest chunk-size or trailer line accepted. */
const MAX_LINE = 8 * 1024;

export class BodyDecoder {
  /** The body is complete. */
  done = false;
  /** Bytes followed the end of the body: the connection holds something that answers nothing. */
  trailing = false;
  private left: number;
  private chunk: ChunkState = 'size';
  private line = '';

  /** `data` gets each piece of the body as a view of the bytes fed (valid only during the call). */
  constructor(
    readonly framing: Framing,
    private readonly data: (bytes: Buffer) => void,
  ) {
    this.left = framing.kind === 'length' ? framing.length : 0;
    if (framing.kind === 'length' && framing.length === 0) this.done = true;
  }

  /** Takes bytes read off the connection. */
  feed(bytes: Buffer): void {
    if (this.done) {
      if (bytes.length > 0) this.trailing = true;
      return;
    }
    if (this.framing.kind === 'close') return this.give(bytes);
    if (this.framing.kind === 'length') {
      const n = Math.min(this.left, bytes.length);
      this.left -= n;
      if (this.left === 0) this.done = true;
      if (n < bytes.length) this.trailing = true;
      this.give(bytes.subarray(0, n));
      return;
    }
    this.feedChunked(bytes);
  }

  /** The connection closed: whether that completes the body (only a close-delimited one). */
  ended(): boolean {
    if (this.framing.kind === 'close') this.done = true;
    return this.done;
  }

  private give(bytes: Buffer): void {
    if (bytes.length > 0) this.data(bytes);
  }

  private feedChunked(bytes: Buffer): void {
    let at = 0;
    while (at < bytes.length) {
      if (this.done) {
        this.trailing = true;
        return;
      }
      if (this.chunk === 'data') {
        const n = Math.min(this.left, bytes.length - at);
        const piece = bytes.subarray(at, at + n);
        at += n;
        this.left -= n;
        if (this.left === 0) this.chunk = 'data-end';
        this.give(piece);
        continue;
      }
      // The other states read lines: up to the next LF.
      const lf = bytes.indexOf(0x0a, at);
      const piece = bytes.subarray(at, lf < 0 ? bytes.length : lf).toString('latin1');
      at = lf < 0 ? bytes.length : lf + 1;
      this.line += piece;
      if (this.line.length > MAX_LINE) throw malformed();
      if (lf < 0) continue;
      const line = this.line.endsWith('\r') ? this.line.slice(0, -1) : this.line;
      this.line = '';
      this.endOfLine(line);
    }
  }

  private endOfLine(line: string): void {
    if (this.chunk === 'data-end') {
      if (line !== '') throw malformed();
      this.chunk = 'size';
    } else if (this.chunk === 'size') {
      const size = line.split(';')[0]!.trim();
      if (!/^[0-9a-fA-F]{1,12}$/.test(size)) throw malformed();
      this.left = parseInt(size, 16);
      this.chunk = this.left === 0 ? 'trailer' : 'data';
    } else if (line === '') this.done = true; // the empty line after the trailer fields
  }
}

function malformed(): Error {
  return withCode(new Error('a malformed chunk in the response'), 'ERR_BAD_RESPONSE');
}
