// Notices a body that arrives too slowly to ever finish. An idle timeout does not: a server that
// drips a few bytes a second resets it forever. Like curl's --speed-limit/--speed-time and git's
// http.lowSpeedLimit/lowSpeedTime, a transfer that brings fewer than STALL_MIN_BYTES over the
// stall time is stalled; the watchdog then aborts its signal, and the caller says which layer.
// Only time the transfer waits on the network counts: while the bytes already received wait for
// the reader (a slow upload, an engine's load, a paused consumer), the download holds its socket
// and the watchdog is held too; once it is released, the server gets a whole stall time afresh.

import type { BodyReceiver } from './socketGet';

/** Less than this over the whole stall time is a stall (about 550 B/s over the default 30 s). */
export const STALL_MIN_BYTES = 16 * 1024;
/** The stall time is watched in this many slices, so a stall is seen within 1¼ stall times. */
const SLICES = 4;

export class StallWatchdog {
  /** Aborts when the caller's signal does, or on a stall. */
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly slices: number[] = [];
  private current = 0;
  private fired = false;
  private holds = 0;

  constructor(
    private readonly timeoutMs: number,
    outer?: AbortSignal,
  ) {
    this.signal = outer ? AbortSignal.any([outer, this.controller.signal]) : this.controller.signal;
  }

  /** Whether the watchdog aborted the transfer. */
  get stalled(): boolean {
    return this.fired;
  }

  /** Starts the clock once the body begins: waiting for the answer is the headers timeout's business. */
  start(): void {
    if (this.timer || this.fired || !(this.timeoutMs > 0)) return;
    this.timer = setInterval(() => this.tick(), Math.max(1, Math.floor(this.timeoutMs / SLICES)));
  }

  received(bytes: number): void {
    this.current += bytes;
  }

  /** The transfer waits on its reader, not the network, until `release`: that time is not a stall. */
  hold(): void {
    this.holds++;
  }

  release(): void {
    if (this.holds > 0) this.holds--;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
    if (this.holds > 0) {
      this.slices.length = 0;
      this.current = 0;
      return;
    }
    this.slices.push(this.current);
    this.current = 0;
    if (this.slices.length > SLICES) this.slices.shift();
    if (this.slices.length < SLICES) return;
    if (this.slices.reduce((a, b) => a + b, 0) >= STALL_MIN_BYTES) return;
    this.fired = true;
    this.stop();
    this.controller.abort();
  }
}

/** A receiver whose pauses (its writes are behind, the socket waits) hold the watchdog. */
export function holdingWhileFull(receiver: BodyReceiver, watchdog: StallWatchdog): BodyReceiver {
  return {
    space: () => receiver.space(),
    received: (count) => receiver.received(count),
    whenWritable: (resume) => {
      watchdog.hold();
      receiver.whenWritable(() => {
        watchdog.release();
        resume();
      });
    },
  };
}
