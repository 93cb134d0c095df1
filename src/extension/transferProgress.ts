// Per-layer progress of a pull, push, load, save or copy: the rows the Transfers view draws (each
// layer's phase, bytes and speed) and the one line a notification can show ("2/3 layers ·
// 12.3MB/45MB · a1b2c3d4e5f6 downloading"). Plain data in, plain data out (no vscode), so that it
// can be tested without VS Code; times are passed in, never read here, for the same reason.

import { shortId } from '../core/shortId';
import { humanSize } from '../core/format/humanSize';

/** Where a layer is: the Transfers view colours and sorts by this; `status` says it in words. */
export type LayerPhase = 'waiting' | 'transferring' | 'verifying' | 'done' | 'skipped';

/** One layer's news, in one shape whatever the operation (see transfers/layerUpdates.ts). */
export interface LayerUpdate {
  key: string;
  phase: LayerPhase;
  /** What the user reads: "Downloading", "Already exists", "Mounted from team/base". */
  status: string;
  current: number;
  total: number;
}

export interface LayerState {
  id: string;
  status: string;
  current: number;
  total: number;
  /** Nothing left to transfer: done, already there, mounted. */
  finished: boolean;
}

export interface LayerRow {
  /** Short form: 12 hex digits of a digest, or the key as given. */
  id: string;
  key: string;
  phase: LayerPhase;
  status: string;
  current: number;
  total: number;
  /** Whole percent of this layer, 0–100; undefined while the size is unknown. */
  percent?: number;
  /** Bytes per second over the last few seconds; undefined until two samples are apart in time. */
  bytesPerSecond?: number;
}

export interface TransferSnapshot {
  /** Whole percent, 0–100, of all bytes. */
  percent: number;
  message: string;
}

/** Layers in flight named in the one-line summary; the rest are counted. */
const MAX_LISTED = 3;
/** Speed is measured over this much recent history, so a stall shows as a falling speed. */
const SPEED_WINDOW_MS = 3_000;

interface Sample {
  at: number;
  bytes: number;
}

interface Layer extends LayerState {
  key: string;
  phase: LayerPhase;
  seq: number;
  samples: Sample[];
}

export class TransferProgress {
  private readonly layers = new Map<string, Layer>();
  private seq = 0;

  /** `key` is usually the layer digest; it is shown shortened. */
  update(key: string, status: string, current: number, total: number, finished: boolean, now = Date.now()): void {
    const phase: LayerPhase = finished ? 'done' : current === 0 && /^(waiting|queued|preparing)$/i.test(status) ? 'waiting' : 'transferring';
    this.apply({ key, phase, status, current, total }, now);
  }

  apply(update: LayerUpdate, now = Date.now()): void {
    const { key, phase, status, total } = update;
    const finished = phase === 'done' || phase === 'skipped';
    const current = finished ? Math.max(update.current, total) : update.current;
    const id = key.startsWith('sha256:') ? shortId(key) : key.slice(0, 12);
    const previous = this.layers.get(key);
    // A layer that was already there moved no bytes: it gets no speed.
    const samples = phase === 'skipped' ? [] : [...(previous?.samples ?? []).filter((s) => now - s.at <= SPEED_WINDOW_MS), { at: now, bytes: current }];
    this.layers.set(key, { key, id, phase, status, current, total, finished, seq: ++this.seq, samples });
  }

  /** The unfinished layers that have started (bytes, or a status past waiting), the one that moved last first. */
  private active(): Layer[] {
    return [...this.layers.values()].filter((l) => !l.finished && l.phase !== 'waiting').sort((a, b) => b.seq - a.seq);
  }

  get layerCount(): number {
    return this.layers.size;
  }

  get totalBytes(): number {
    let sum = 0;
    for (const l of this.layers.values()) sum += l.total;
    return sum;
  }

  /** Every layer in the order it was first reported (the manifest's order for pulls and pushes). */
  rows(now = Date.now()): LayerRow[] {
    return [...this.layers.values()].map((l) => {
      const row: LayerRow = { id: l.id, key: l.key, phase: l.phase, status: l.status, current: l.current, total: l.total };
      if (l.total > 0) row.percent = Math.min(100, Math.floor((l.current / l.total) * 100));
      const speed = l.phase === 'transferring' ? bytesPerSecond(l.samples, now) : undefined;
      if (speed !== undefined) row.bytesPerSecond = speed;
      return row;
    });
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

/** Bytes moved over the last few seconds up to `now`: a layer that stopped moving falls to 0. */
function bytesPerSecond(samples: readonly Sample[], now: number): number | undefined {
  const last = samples[samples.length - 1];
  if (!last) return undefined;
  const base = samples.find((s) => now - s.at <= SPEED_WINDOW_MS) ?? last;
  if (now <= base.at) return undefined;
  return Math.max(0, ((last.bytes - base.bytes) * 1000) / (now - base.at));
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
