// Docker's per-layer progress output (docker/cli jsonmessage): on a terminal, one line per layer ID
// rewritten in place with a bar ("abc123def456: Downloading [=====>     ]  12.3MB/45.6MB"); when
// stdout is a pipe or a file, one plain line per status change and no byte counts, so logs stay short.

import { humanSize } from '../core/format/humanSize';
import type { CliContext } from './context';

export interface Progress {
  current: number;
  total: number;
}

/** Redraws of one line are spaced at least this far apart; status changes are always drawn. */
const REDRAW_INTERVAL_MS = 100;

export class ProgressLines {
  private readonly tty: boolean;
  /** Line index of each ID shown on the terminal since the last plain message. */
  private readonly lines = new Map<string, number>();
  private readonly lastStatus = new Map<string, string>();
  private readonly lastDraw = new Map<string, number>();

  constructor(private readonly out: CliContext['stdout']) {
    this.tty = out.isTTY === true;
  }

  /** A line that belongs to no layer ("latest: Pulling from library/redis"). */
  message(text: string): void {
    this.lines.clear();
    this.out.write(`${text}\n`);
  }

  update(id: string, status: string, progress?: Progress): void {
    const statusChanged = this.lastStatus.get(id) !== status;
    this.lastStatus.set(id, status);
    if (!this.tty) {
      if (statusChanged) this.out.write(`${id}: ${status}\n`);
      return;
    }
    const now = Date.now();
    if (!statusChanged && now - (this.lastDraw.get(id) ?? 0) < REDRAW_INTERVAL_MS) return;
    this.lastDraw.set(id, now);
    let line = this.lines.get(id);
    if (line === undefined) {
      line = this.lines.size;
      this.lines.set(id, line);
      this.out.write('\n');
    }
    const up = this.lines.size - line;
    const bar = progress ? progressText(progress, this.out.columns ?? 80) : '';
    // Up to the layer's line, clear it, draw, and back down: other lines stay as they are.
    this.out.write(`\x1b[${up}A\x1b[2K\r${id}: ${status}${bar ? ` ${bar}` : ''}\x1b[${up}B\r`);
  }
}

/** JSONProgress.String(): a 50-character bar when the terminal is wide, then current/total. */
export function progressText(progress: Progress, width: number): string {
  const { current, total } = progress;
  if (current <= 0 && total <= 0) return '';
  if (total <= 0) return humanSize(current).padStart(8);
  const percentage = Math.min(50, Math.floor(Math.floor((current / total) * 100) / 2));
  const bar = width > 110 ? `[${'='.repeat(percentage)}>${' '.repeat(Math.max(0, 50 - percentage))}] ` : '';
  const numbers = current > total ? humanSize(current).padStart(8) : `${humanSize(current).padStart(8)}/${humanSize(total)}`;
  return bar + numbers;
}
