// Go's time.ParseDuration ("1h", "90m", "1h30m", "1.5h", "-2h45m", "300ms"), which Docker's
// filters accept wherever they take a time (timetypes.GetTimestamp tries a duration first).

const UNIT_NS: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
/** Go's Duration is an int64 of nanoseconds; anything longer does not parse. */
const MAX_NS = 2 ** 63 - 1;

/** Nanoseconds (as a float: only comparisons and millisecond arithmetic follow), or undefined when `text` is no Go duration. */
export function parseGoDuration(text: string): number | undefined {
  let s = text;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    if (s[0] === '-') sign = -1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') return undefined;
  let total = 0;
  while (s !== '') {
    const m = /^(\d*)(?:\.(\d*))?/.exec(s)!;
    const [whole, intPart = '', fracPart] = m;
    if (intPart === '' && (fracPart === undefined || fracPart === '')) return undefined;
    s = s.slice(whole.length);
    const unit = /^[^0-9.]+/.exec(s)?.[0];
    if (unit === undefined || !(unit in UNIT_NS)) return undefined; // missing or unknown unit
    s = s.slice(unit.length);
    const value = Number(`${intPart || '0'}.${fracPart || '0'}`);
    total += value * UNIT_NS[unit]!;
    if (total > MAX_NS) return undefined;
  }
  return sign * total;
}
