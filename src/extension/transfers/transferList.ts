// The transfers the extension is running (pulls, pushes, loads, saves, copies) and the last few
// that ended, for the Transfers view and its status bar item. Each has its own TransferProgress and
// its own AbortController, so the view's Cancel stops exactly that one (the notification's Cancel
// aborts the same signal). Plain data and listeners, no vscode: built once in activate().

import { TransferProgress, type LayerRow, type LayerUpdate } from '../transferProgress';
import type { TransferView } from '../../webview/transfers/protocol';

export type TransferState = 'running' | 'done' | 'failed' | 'cancelled';

/** Ended transfers kept in the view, newest first, so a result can still be read. */
const KEEP_ENDED = 5;

export class Transfer {
  readonly progress = new TransferProgress();
  private readonly controller = new AbortController();
  state: TransferState = 'running';
  /** The result in words once ended: "Pulled … — 3 layers, 9MB, 2.1 s", or the error. */
  outcome = '';
  ended?: number;

  constructor(
    readonly id: number,
    readonly title: string,
    readonly started: number,
    private readonly changed: () => void,
  ) {}

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  update(update: LayerUpdate | undefined, now = Date.now()): void {
    if (!update || this.state !== 'running') return;
    this.progress.apply(update, now);
    this.changed();
  }

  cancel(): void {
    if (this.state === 'running') this.controller.abort();
  }

  end(state: Exclude<TransferState, 'running'>, outcome: string, now = Date.now()): void {
    if (this.state !== 'running') return;
    this.state = state;
    this.outcome = outcome;
    this.ended = now;
    this.changed();
  }
}

export class TransferList {
  private readonly transfers: Transfer[] = [];
  private readonly listeners = new Set<() => void>();
  private nextId = 1;

  begin(title: string, now = Date.now()): Transfer {
    const transfer = new Transfer(this.nextId++, title, now, () => this.changed());
    this.transfers.unshift(transfer);
    this.changed();
    return transfer;
  }

  get running(): Transfer[] {
    return this.transfers.filter((t) => t.state === 'running');
  }

  cancel(id: number): void {
    this.transfers.find((t) => t.id === id)?.cancel();
  }

  /** Forgets the ended transfers (the view's Clear button). */
  clearEnded(): void {
    for (let i = this.transfers.length - 1; i >= 0; i--) if (this.transfers[i]!.state !== 'running') this.transfers.splice(i, 1);
    this.changed();
  }

  /** What the view draws: plain JSON, newest transfer first. */
  view(now = Date.now()): TransferView[] {
    return this.transfers.map((t) => {
      // A layer still moving when its transfer was cancelled or failed says it stopped there.
      const stopped = t.state === 'cancelled' ? 'Cancelled' : t.state === 'failed' ? 'Stopped by the failure' : undefined;
      const layers: LayerRow[] = t.progress.rows(now).map((l) => (stopped && (l.phase === 'transferring' || l.phase === 'verifying' || l.phase === 'waiting') ? { ...l, status: stopped, bytesPerSecond: undefined } : l));
      const snap = t.progress.snapshot();
      const speed = t.state === 'running' ? layers.reduce((sum, l) => sum + (l.bytesPerSecond ?? 0), 0) : undefined;
      return {
        id: t.id,
        title: t.title,
        state: t.state,
        outcome: t.outcome,
        percent: snap.percent,
        current: layers.reduce((sum, l) => sum + Math.min(l.current, l.total || l.current), 0),
        total: t.progress.totalBytes,
        ...(speed !== undefined ? { bytesPerSecond: speed } : {}),
        elapsedMs: (t.ended ?? now) - t.started,
        layers,
      };
    });
  }

  onDidChange(listener: () => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  private changed(): void {
    const ended = this.transfers.filter((t) => t.state !== 'running');
    for (const old of ended.slice(KEEP_ENDED)) this.transfers.splice(this.transfers.indexOf(old), 1);
    for (const listener of this.listeners) listener();
  }
}
