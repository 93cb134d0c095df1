// Byte counts as Docker prints them (github.com/docker/go-units size.go): decimal units formatted
// with Go's "%.*g", so 591000000 → "591MB", 1024 → "1.024kB" and 999999 at precision 3 → "1e+03kB"
// (a real Docker quirk: rounding happens after the unit is chosen).

import { StevedoreError } from '../errors';
import { formatFloat } from './goFloat';

const DECIMAL_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'] as const;
const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'] as const;

/**
 * `docker images` prints SIZE with units.HumanSizeWithPrecision(size, 3); pulls, pushes and the
 * SharedSize/UniqueSize columns use units.HumanSize, which is precision 4.
 */
export const IMAGE_LIST_SIZE_PRECISION = 3;

function scale(size: number, base: number, units: readonly string[]): [number, string] {
  let i = 0;
  while (size >= base && i < units.length - 1) {
    size /= base;
    i++;
  }
  return [size, units[i]!];
}

/** units.HumanSizeWithPrecision: 0 → "0B", 1000 → "1kB", 1048576 → "1.049MB" (precision 4). */
export function humanSize(bytes: number, precision = 4): string {
  const [value, unit] = scale(bytes, 1000, DECIMAL_UNITS);
  return formatFloat(value, 'g', precision) + unit;
}

/** units.BytesSize: binary units, four significant digits ("1KiB", "3.42GiB"). */
export function bytesSize(bytes: number): string {
  const [value, unit] = scale(bytes, 1024, BINARY_UNITS);
  return formatFloat(value, 'g', 4) + unit;
}

// go-units accepts "32", "32k", "32 kB", "1.5GiB"; case-insensitive, the "b" optional.
const SIZE_PATTERN = /^(\d+(\.\d+)*) ?([kmgtp])?i?b?$/i;
const PREFIX_POWER: Readonly<Record<string, number>> = { k: 1, m: 2, g: 3, t: 4, p: 5 };

function parseSize(text: string, base: number): number {
  const match = SIZE_PATTERN.exec(text);
  if (!match) throw new StevedoreError('INVALID_ARGUMENT', `invalid size: '${text}'`);
  const number = match[1]!;
  // The pattern lets "1.2.3" through; Go's ParseFloat then rejects it with this message.
  if (number.split('.').length > 2) {
    throw new StevedoreError('INVALID_ARGUMENT', `strconv.ParseFloat: parsing "${number}": invalid syntax`);
  }
  let size = Number(number);
  const prefix = match[3]?.toLowerCase();
  if (prefix) size *= base ** PREFIX_POWER[prefix]!;
  return Math.trunc(size);
}

/** units.FromHumanSize: decimal units ("32kB" → 32000). Throws StevedoreError('INVALID_ARGUMENT'). */
export function fromHumanSize(text: string): number {
  return parseSize(text, 1000);
}

/** units.RAMInBytes: binary units ("32k" → 32768, "1GiB" → 1073741824). */
export function ramInBytes(text: string): number {
  return parseSize(text, 1024);
}
