// Per-layer progress of a pull, push or load folded into what one notification line can show:
// "2/3 layers · 12.3MB/45MB · a1b2c3d4e5f6 downloading". Plain data in, plain text out (no vscode),
// so that it can be tested without VS Code.

import { shortId } from '../core/shortId';
import { humanSize } from '../core/format/humanSize';

export interface LayerState {
  id: string;
  status: string;
  current: number;
  total: number;
  /** Nothing left to transfer: done, already there, mounted. */
  finished: boolean;
}

export interface TransferSnapshot {
  /** Whole percent, 0–100, of all bytes. */
  percent: number;
  message: string;
}

/** Layers in flight named in the one-line summary; the rest are counted. */
const MAX_LISTED = 3;

export class TransferProgress {
  private readonly layers = new Map<string, LayerState & { seq: number }>();
  private seq = 0;

  /** `key` is usually the layer digest; it is shown shortened. */
  update(key: string, status: string, current: number, total: number, finished: boolean): void {
    const id = key.startsWith('sha256:') ? shortId(key) : key.slice(0, 12);
    this.layers.set(key, { id, status, current: finished ? Math.max(current, total) : current, total, finished, seq: ++this.seq });
  }

  /** The unfinished layers that have started (bytes, or a status past waiting), the one that moved last first. */
  private active(): LayerState[] {
    return [...this.layers.values()]
      .filter((l) => !l.finished && !(l.current === 0 && /^(waiting|queued|preparing)$/i.test(l.status)))
      .sort((a, b) => b.seq - a.seq);
  }

  get layerCount(): number {
    return this.layers.size;
  }

  get totalBytes(): number {
    let sum = 0;
    for (const l of this.layers.values()) sum += l.total;
    return sum;
  }

  snapshot(): TransferSnapshot {
    let done = 0;
    let current = 0;
    let total = 0;
    for (const l of this.layers.values()) {
      if (l.finished) done++;
      current += Math.min(l.current, l.total || l.current);
      total += l.total;
    }
    const percent = total > 0 ? Math.min(100, Math.floor((current / total) * 100)) : 0;
    const parts = [`${done}/${this.layers.size} layers`];
    if (total > 0) parts.push(`${humanSize(current)}/${humanSize(total)} (${percent} %)`);
    // Every layer in flight with its own percentage, as docker pull lists them; a few, then a count.
    const active = this.active();
    for (const l of active.slice(0, MAX_LISTED)) parts.push(`${l.id} ${l.status.toLowerCase()}${l.total > 0 ? ` ${humanSize(l.current)}/${humanSize(l.total)} (${Math.min(100, Math.floor((l.current / l.total) * 100))} %)` : ''}`);
    if (active.length > MAX_LISTED) parts.push(`${active.length - MAX_LISTED} more in progress`);
    return { percent, message: parts.join(' · ') };
  }
}

/** "3.2 s", "850 ms", "2 min 5 s": how long an operation took, for success messages. */
export function elapsedText(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** "1 layer", "3 layers". */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
