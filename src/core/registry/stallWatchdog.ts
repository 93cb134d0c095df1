// Notices a body that arrives too slowly to ever finish. An idle timeout does not: a server that
// drips a few bytes a second resets it forever. Like curl's --speed-limit/--speed-time and git's
// http.lowSpeedLimit/lowSpeedTime, a transfer that brings fewer than STALL_MIN_BYTES over the
// stall time is stalled; the watchdog then aborts its signal, and the caller says which layer.

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

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private tick(): void {
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
