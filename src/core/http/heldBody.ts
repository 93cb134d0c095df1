// A response body read whole into memory, up to a limit, in whichever framing the answer has
// (bodyDecoder.ts). Used for the small answers of a registry's API (manifests, tag lists, tokens,
// errors) on kept-alive connections.

import { BodyDecoder, type Framing } from './bodyDecoder';

export { framingOf, headerList, type Framing } from './bodyDecoder';

export class HeldBody {
  private readonly parts: Buffer[] = [];
  private held = 0;
  /** More body bytes came than the limit: only the first `limit` are kept. */
  overLimit = false;
  private readonly decoder: BodyDecoder;

  constructor(
    readonly framing: Framing,
    private readonly limit: number,
  ) {
    this.decoder = new BodyDecoder(framing, (bytes) => this.keep(bytes));
  }

  /** The body is complete. */
  get done(): boolean {
    return this.decoder.done;
  }

  /** Bytes followed the end of the body: the connection holds something that answers nothing. */
  get trailing(): boolean {
    return this.decoder.trailing;
  }

  /** Takes bytes read off the connection (copied: the caller reuses its memory). */
  feed(bytes: Buffer): void {
    this.decoder.feed(bytes);
  }

  /** The connection closed: whether that completes the body (only a close-delimited one). */
  ended(): boolean {
    return this.decoder.ended();
  }

  bytes(): Buffer {
    return this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.held);
  }

  private keep(bytes: Buffer): void {
    const room = this.limit - this.held;
    if (bytes.length > room) this.overLimit = true;
    const kept = bytes.subarray(0, Math.max(0, room));
    if (kept.length === 0) return;
    this.parts.push(Buffer.from(kept));
    this.held += kept.length;
  }
}
