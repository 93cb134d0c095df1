// A one-line progress display on a terminal's stderr for the commands that read whole layers
// (layers, verify, efficiency). Nothing is printed when stderr is not a terminal, so scripts and
// CI logs get only the result.

import { humanSize } from '../core/format/humanSize';
import type { CliContext } from './context';

export interface ProgressLine {
  show(text: string): void;
  clear(): void;
}

export function progressLine(ctx: CliContext): ProgressLine {
  const tty = ctx.stderr.isTTY === true;
  let shown = false;
  let last = 0;
  return {
    show(text) {
      if (!tty) return;
      // Redrawing at most every 100 ms keeps a fast read from spending its time on the terminal.
      const now = Date.now();
      if (shown && now - last < 100) return;
      last = now;
      shown = true;
      ctx.stderr.write(`\r\x1b[2K${text}`);
    },
    clear() {
      if (tty && shown) ctx.stderr.write('\r\x1b[2K');
      shown = false;
    },
  };
}

export function bytesOf(done: number, total: number): string {
  return `${humanSize(done)}/${humanSize(total)}`;
}
