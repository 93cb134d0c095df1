// A time given to a filter (`until=`, `before=`, `since=`), read as Docker's timetypes.GetTimestamp
// reads it: a Go duration back from now ("1h", "90m", "1h30m", "1.5h"), an RFC 3339 date or time in
// the layouts Docker tries (a value without a zone is in the machine's current offset), or a Unix
// timestamp with optional fractional seconds. Anything else is an error worded as Docker's, never
// a filter quietly dropped.

import { StevedoreError } from '../errors';
import { parseGoDuration } from './goDuration';
import { goQuote } from './goFmt';

/** A point in time as milliseconds since the epoch (fractional: nanoseconds survive as far as a double allows). */
export type FilterTime = number;

/** The one `until=` a prune takes (Docker refuses two), as a time; undefined when none is given. */
export function untilFilter(values: readonly string[] | undefined, now: Date): FilterTime | undefined {
  if (!values?.length) return undefined;
  if (values.length > 1) throw new StevedoreError('INVALID_ARGUMENT', 'more than one until filter specified');
  return parseFilterTime(values[0]!, now);
}

/**
 * Parses `value` relative to `now`. Throws StevedoreError('INVALID_ARGUMENT') with Docker's
 * message: `failed to parse value as time or duration: "x"`, or Go's time.Parse error for a value
 * that looks like a date ("parsing time …").
 */
export function parseFilterTime(value: string, now: Date): FilterTime {
  const duration = value !== '0' ? parseGoDuration(value) : undefined;
  if (duration !== undefined) {
    // Docker keeps whole seconds of now − d (FormatInt of Unix()).
    return Math.floor((now.getTime() - duration / 1e6) / 1000) * 1000;
  }
  const inLocation = !(/[zZ+]/.test(value) || count(value, '-') === 3);
  let layout: string;
  if (value.includes('.')) {
    layout = inLocation ? '2006-01-02T15:04:05.999999999' : '2006-01-02T15:04:05.999999999Z07:00';
  } else if (value.includes('T')) {
    let colons = count(value, ':');
    if (!inLocation && !/[zZ]/.test(value) && colons > 0) colons--; // the zone offset's colon
    const time = colons === 0 ? '15' : colons === 1 ? '15:04' : '15:04:05';
    layout = `2006-01-02T${time}${inLocation ? '' : 'Z07:00'}`;
  } else {
    layout = inLocation ? '2006-01-02' : '2006-01-02Z07:00';
  }
  // Go's time.FixedZone(reference.Zone()): today's offset, for every date.
  const parsed = parseGoLayout(layout, value, -now.getTimezoneOffset() * 60);
  if (typeof parsed === 'number') return parsed;
  if (value.includes('-')) throw new StevedoreError('INVALID_ARGUMENT', parsed.error);
  const unix = parseUnixTimestamp(value);
  if (unix === undefined) throw new StevedoreError('INVALID_ARGUMENT', `failed to parse value as time or duration: ${goQuote(value)}`);
  return unix;
}

function count(s: string, ch: string): number {
  return s.split(ch).length - 1;
}

/** timetypes.parseTimestamp: "seconds[.fraction]", each part a Go ParseInt. */
function parseUnixTimestamp(value: string): FilterTime | undefined {
  const dot = value.indexOf('.');
  const secText = dot < 0 ? value : value.slice(0, dot);
  if (!/^[+-]?\d+$/.test(secText)) return undefined;
  const seconds = Number(secText);
  if (dot < 0) return seconds * 1000;
  const fracText = value.slice(dot + 1);
  if (!/^[+-]?\d+$/.test(fracText)) return undefined;
  const digits = fracText.replace(/^[+-]/, '').length;
  const nanos = Number(fracText) * 10 ** (9 - digits);
  return seconds * 1000 + nanos / 1e6;
}

const ELEMENTS = ['2006', '01', '02', '15', '04', '05', '.999999999', 'Z07:00'] as const;
type Element = (typeof ELEMENTS)[number];

/**
 * Go's time.Parse for the few layouts above: milliseconds since the epoch, or Go's error text.
 * `offsetSeconds` is the zone assumed when the layout has none.
 */
function parseGoLayout(layout: string, value: string, offsetSeconds: number): FilterTime | { error: string } {
  const fail = (valueElem: string, layoutElem: string): { error: string } => ({
    error: `parsing time ${goQuote(value)} as ${goQuote(layout)}: cannot parse ${goQuote(valueElem)} as ${goQuote(layoutElem)}`,
  });
  const outOfRange = (what: string): { error: string } => ({ error: `parsing time ${goQuote(value)}: ${what} out of range` });
  let rest = value;
  let lay = layout;
  let year = 0;
  let month = 1;
  let day = 1;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let nanos = 0;
  let zone: number | undefined;
  while (lay !== '') {
    const next = nextElement(lay);
    const literal = lay.slice(0, next.at);
    if (!rest.startsWith(literal)) return fail(rest, literal);
    rest = rest.slice(literal.length);
    if (!next.element) break;
    lay = lay.slice(next.at + next.element.length);
    const before = rest;
    const num = (fixed: boolean): number | undefined => {
      const m = (fixed ? /^\d\d/ : /^\d\d?/).exec(rest);
      if (!m) return undefined;
      rest = rest.slice(m[0].length);
      return Number(m[0]);
    };
    switch (next.element) {
      case '2006': {
        if (!/^\d{4}/.test(rest)) return fail(before, '2006');
        year = Number(rest.slice(0, 4));
        rest = rest.slice(4);
        break;
      }
      case '01': {
        const n = num(true);
        if (n === undefined) return fail(before, '01');
        if (n < 1 || n > 12) return outOfRange('month');
        month = n;
        break;
      }
      case '02': {
        const n = num(true);
        if (n === undefined) return fail(before, '02');
        if (n < 1 || n > 31) return outOfRange('day');
        day = n;
        break;
      }
      case '15': {
        const n = num(false);
        if (n === undefined) return fail(before, '15');
        if (n > 23) return outOfRange('hour');
        hour = n;
        break;
      }
      case '04': {
        const n = num(true);
        if (n === undefined) return fail(before, '04');
        if (n > 59) return outOfRange('minute');
        minute = n;
        break;
      }
      case '05': {
        const n = num(true);
        if (n === undefined) return fail(before, '05');
        if (n > 59) return outOfRange('second');
        second = n;
        // Go reads a fraction after seconds even when the layout has none.
        if (!lay.startsWith('.999999999') && /^[.,]\d/.test(rest)) {
          const m = /^[.,](\d+)/.exec(rest)!;
          nanos = fraction(m[1]!);
          rest = rest.slice(m[0].length);
        }
        break;
      }
      case '.999999999': {
        const m = /^[.,](\d{1,9})/.exec(rest);
        if (m) {
          nanos = fraction(m[1]!);
          rest = rest.slice(m[0].length);
        }
        break;
      }
      case 'Z07:00': {
        if (rest.startsWith('Z')) {
          zone = 0;
          rest = rest.slice(1);
          break;
        }
        const m = /^([+-])(\d\d):(\d\d)/.exec(rest);
        if (!m) return fail(before, 'Z07:00');
        const hh = Number(m[2]);
        const mm = Number(m[3]);
        if (hh > 24) return outOfRange('time zone offset hour');
        if (mm > 60) return outOfRange('time zone offset minute');
        zone = (m[1] === '-' ? -1 : 1) * (hh * 3600 + mm * 60);
        rest = rest.slice(6);
        break;
      }
    }
  }
  if (rest !== '') return { error: `parsing time ${goQuote(value)}: extra text: ${goQuote(rest)}` };
  if (day > daysIn(month, year)) return outOfRange('day');
  const utc = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC maps years 0–99 to 1900–1999; Go does not.
  const fixed = year < 100 ? new Date(utc).setUTCFullYear(year) : utc;
  return fixed - (zone ?? offsetSeconds) * 1000 + nanos / 1e6;
}

function nextElement(layout: string): { at: number; element?: Element } {
  for (let i = 0; i < layout.length; i++) {
    for (const element of ELEMENTS) if (layout.startsWith(element, i)) return { at: i, element };
  }
  return { at: layout.length };
}

function fraction(digits: string): number {
  return Number(digits.slice(0, 9).padEnd(9, '0'));
}

function daysIn(month: number, year: number): number {
  if (month === 2) return (year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0)) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
