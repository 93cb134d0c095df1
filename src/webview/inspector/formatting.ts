// How the inspector writes numbers, digests and dates. Sizes are Docker's (decimal units, as
// `docker images` and `stevedore layers` print them), so the panel and the CLI agree.

import { humanDuration } from '../../core/format/humanDuration';
import { humanSize } from '../../core/format/humanSize';

/** 0.97352 → "97.35 %", as `stevedore layers` prints the efficiency score. */
export function percent(fraction: number): string {
  return `${(fraction * 100).toFixed(2)} %`;
}

/** 12345 → "12,345". */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}

/** "2024-01-01 12:00:00 UTC · 9 days ago"; the raw text when it is not a date. */
export function createdText(iso: string | undefined, now: Date): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const stamp = `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
  return `${stamp} · ${humanDuration(now.getTime() - date.getTime())} ago`;
}

/** "45.2MB / 98MB (46 %)" for progress lines. */
export function progressText(bytes: number, total: number): string {
  if (total <= 0) return humanSize(bytes);
  return `${humanSize(bytes)} / ${humanSize(total)} (${Math.floor((bytes / total) * 100)} %)`;
}

/** How the efficiency score reads: dive's CI gate fails below 0.9 by default. */
export function efficiencyGrade(score: number): 'good' | 'fair' | 'poor' {
  if (score >= 0.9) return 'good';
  if (score >= 0.75) return 'fair';
  return 'poor';
}
