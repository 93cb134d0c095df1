// Go's text/tabwriter (docker/cli vendors a copy that measures cells with go-runewidth), with
// the settings Docker's table output uses: tabwriter.NewWriter(out, 10, 1, 3, ' ', 0).
//
// Cells are tab-terminated, not tab-separated: the text after a line's last tab is not part of a
// column, so it is never padded. A column is a run of consecutive lines that have a cell in that
// position; its width is the widest cell plus the padding, and at least minWidth.

import { displayWidth } from './textWidth';

export interface TabwriterOptions {
  /** Minimal cell width including padding (Docker: 10). */
  minWidth: number;
  /** Cells added to the widest cell of a column (Docker: 3). */
  padding: number;
  /** The character cells are padded with (Docker: a space). */
  padChar?: string;
}

/** The settings of docker/cli's formatter.Context table output. */
export const DOCKER_TABWRITER: TabwriterOptions = Object.freeze({ minWidth: 10, padding: 3, padChar: ' ' });

interface Cell {
  text: string;
  width: number;
}

/** Formats one flush-delimited section: lines split at "\n", cells terminated by "\t" or "\v". */
function formatSection(text: string, options: TabwriterOptions): string {
  const rawLines = text.split('\n');
  const lines: Cell[][] = rawLines.map((raw, i) => {
    const cells = raw.split(/[\t\v]/).map((t) => ({ text: t, width: displayWidth(t) }));
    // The text after the final newline is an unterminated line: an empty trailing cell there
    // does not exist, so "a\t" at the very end has one (terminated) cell and no trailing text.
    if (i === rawLines.length - 1 && cells[cells.length - 1]!.text === '') cells.pop();
    return cells;
  });
  let out = '';
  const widths: number[] = [];
  const padChar = options.padChar ?? ' ';

  const writeLines = (line0: number, line1: number): void => {
    for (let i = line0; i < line1; i++) {
      const line = lines[i]!;
      line.forEach((cell, j) => {
        out += cell.text;
        if (j < widths.length) out += padChar.repeat(widths[j]! - cell.width);
      });
      if (i + 1 < lines.length) out += '\n';
    }
  };

  // Go's format(): widths of the columns to the left are on the `widths` stack.
  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    for (let current = line0; current < line1; current++) {
      if (column >= lines[current]!.length - 1) continue;
      // A cell exists in this column: print the lines above, then size the column block.
      writeLines(line0, current);
      line0 = current;
      let width = options.minWidth;
      for (; current < line1; current++) {
        const line = lines[current]!;
        if (column >= line.length - 1) break;
        width = Math.max(width, line[column]!.width + options.padding);
      }
      widths.push(width);
      format(line0, current);
      widths.pop();
      line0 = current;
    }
    writeLines(line0, line1);
  };

  format(0, lines.length);
  return out;
}

/**
 * Aligns tab-separated text as Go's tabwriter does when the whole text is written and flushed.
 * A form feed ("\f") ends a line and also every column, as in Go.
 */
export function tabwriteText(text: string, options: TabwriterOptions = DOCKER_TABWRITER): string {
  const sections = text.split('\f');
  return sections.map((section, i) => formatSection(i < sections.length - 1 ? `${section}\n` : section, options)).join('');
}

/** Aligns lines of tab-separated cells the way Docker prints tables; every line ends in "\n". */
export function tabwrite(lines: readonly string[], options: TabwriterOptions = DOCKER_TABWRITER): string {
  return tabwriteText(lines.map((l) => `${l}\n`).join(''), options);
}
