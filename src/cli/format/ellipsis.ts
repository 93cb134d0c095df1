// docker/cli formatter.Ellipsis: cuts text to a display width and appends "…". East Asian wide and
// fullwidth characters count as two columns, every other character as one (unlike go-runewidth,
// combining marks are not zero here: Docker uses golang.org/x/text/width for this).

import { runeWidth } from './textWidth';

function charWidth(cp: number): number {
  return runeWidth(cp) === 2 ? 2 : 1;
}

export function ellipsis(text: string, maxWidth: number): string {
  if (maxWidth <= 0) return '';
  const chars = [...text];
  if (maxWidth === 1) return chars[0] ?? '';
  let width = 0;
  const ends: number[] = [];
  for (const ch of chars) {
    width += charWidth(ch.codePointAt(0)!);
    ends.push(width);
  }
  if (width <= maxWidth) return text;
  let keep = 0;
  while (keep < chars.length && ends[keep]! <= maxWidth - 1) keep++;
  return `${chars.slice(0, keep).join('')}…`;
}
