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

// Text a terminal shows one column per character, tabs and newlines aside: every cell of such a
// section is as wide as it is long, which one test of the whole section says (a table of 1,000
// rows would otherwise test each of its 5,000 cells).
const ASCII_TABLE = /^[\x20-\x7e\t\v\n]*$/;

/** Formats one flush-delimited section: lines split at "\n", cells terminated by "\t" or "\v". */
function formatSection(text: string, options: TabwriterOptions): string {
  const rawLines = text.split('\n');
  const ascii = ASCII_TABLE.test(text);
  const vertical = text.includes('\v');
  // Each line's cells, and (unless the section is all ASCII) their widths.
  const lines: string[][] = new Array<string[]>(rawLines.length);
  const cellWidths: number[][] | undefined = ascii ? undefined : new Array<number[]>(rawLines.length);
  for (let i = 0; i < rawLines.length; i++) {
    const cells = vertical ? rawLines[i]!.split(/[\t\v]/) : rawLines[i]!.split('\t');
    // The text after the final newline is an unterminated line: an empty trailing cell there
    // does not exist, so "a\t" at the very end has one (terminated) cell and no trailing text.
    if (i === rawLines.length - 1 && cells[cells.length - 1] === '') cells.pop();
    lines[i] = cells;
    if (cellWidths) cellWidths[i] = cells.map(displayWidth);
  }
  const widthOf = (line: number, column: number): number => (cellWidths ? cellWidths[line]![column]! : lines[line]![column]!.length);
  const out: string[] = [];
  const widths: number[] = [];
  const padChar = options.padChar ?? ' ';
  const padding: string[] = [];
  const pad = (n: number): string => (padding[n] ??= padChar.repeat(n));

  const writeLines = (line0: number, line1: number): void => {
    for (let i = line0; i < line1; i++) {
      const line = lines[i]!;
      for (let j = 0; j < line.length; j++) {
        out.push(line[j]!);
        if (j < widths.length) out.push(pad(widths[j]! - widthOf(i, j)));
      }
      if (i + 1 < lines.length) out.push('\n');
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
        width = Math.max(width, widthOf(current, column) + options.padding);
      }
      widths.push(width);
      format(line0, current);
      widths.pop();
      line0 = current;
    }
    writeLines(line0, line1);
  };

  format(0, lines.length);
  return out.join('');
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
