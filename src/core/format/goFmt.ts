// The parts of Go's fmt and strconv that templates reach: %v printing of values, Sprint,
// Sprintln, Sprintf and strconv.Quote. JavaScript values map onto Go kinds as follows:
// integral numbers print as Go ints, other numbers as float64, arrays as slices, Map instances and
// plain objects as maps (keys sorted, "map[k:v]"), Dates as time.Time, null/undefined as nil.

import { formatFloat, type FloatFormat } from './goFloat';

type Kind = 'nil' | 'bool' | 'int' | 'float' | 'string' | 'slice' | 'map' | 'time' | 'stringer' | 'func';

export function kindOf(value: unknown): Kind {
  if (value === undefined || value === null) return 'nil';
  switch (typeof value) {
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      // An integral number that fits an int64 stands for a Go int; anything else is a float64.
      return Number.isInteger(value) && Math.abs(value) < 2 ** 63 ? 'int' : 'float';
    case 'string':
      return 'string';
    case 'function':
      return 'func';
    default:
      break;
  }
  if (Array.isArray(value)) return 'slice';
  if (value instanceof Map) return 'map';
  if (value instanceof Date) return 'time';
  if (hasOwnToString(value as object)) return 'stringer';
  return 'map';
}

/** A class with its own toString() plays the part of a Go fmt.Stringer. */
function hasOwnToString(value: object): boolean {
  const toString = (value as { toString?: unknown }).toString;
  return typeof toString === 'function' && toString !== Object.prototype.toString;
}

/** Entries of a Map or plain object, sorted the way Go's fmt and text/template sort map keys. */
export function sortedEntries(value: object): Array<[unknown, unknown]> {
  const entries: Array<[unknown, unknown]> = value instanceof Map ? [...value.entries()] : Object.entries(value);
  return entries.sort(([a], [b]) => {
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    const sa = String(a);
    const sb = String(b);
    return sa < sb ? -1 : sa > sb ? 1 : 0;
  });
}

/** The Go type a value stands for, as %T and Go's error messages print it. */
export function goTypeName(value: unknown): string {
  switch (kindOf(value)) {
    case 'nil':
      return '<nil>';
    case 'bool':
      return 'bool';
    case 'int':
      return typeof value === 'bigint' ? 'int64' : 'int';
    case 'float':
      return 'float64';
    case 'string':
      return 'string';
    case 'func':
      return 'func()';
    case 'time':
      return 'time.Time';
    case 'slice': {
      const items = value as unknown[];
      return items.length > 0 && items.every((v) => typeof v === 'string') ? '[]string' : '[]interface {}';
    }
    case 'stringer': {
      const name = (value as object).constructor?.name;
      return name ? name : 'interface {}';
    }
    case 'map': {
      const values = sortedEntries(value as object).map(([, v]) => v);
      return values.length > 0 && values.every((v) => typeof v === 'string') ? 'map[string]string' : 'map[string]interface {}';
    }
  }
}

const HEX = '0123456789abcdef';

function isPrintable(ch: string): boolean {
  return ch === ' ' || /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u.test(ch);
}

function escapeRune(ch: string, quote: string): string {
  const cp = ch.codePointAt(0)!;
  if (ch === quote || ch === '\\') return `\\${ch}`;
  // Lone surrogates cannot be UTF-8; Go would have seen U+FFFD.
  if (cp >= 0xd800 && cp <= 0xdfff) return '\ufffd';
  if (isPrintable(ch)) return ch;
  switch (ch) {
    case '\x07':
      return '\\a';
    case '\b':
      return '\\b';
    case '\f':
      return '\\f';
    case '\n':
      return '\\n';
    case '\r':
      return '\\r';
    case '\t':
      return '\\t';
    case '\v':
      return '\\v';
    default:
      break;
  }
  if (cp < 0x20 || cp === 0x7f) return `\\x${HEX[cp >> 4]}${HEX[cp & 15]}`;
  if (cp < 0x10000) return `\\u${cp.toString(16).padStart(4, '0')}`;
  return `\\U${cp.toString(16).padStart(8, '0')}`;
}

/** strconv.Quote: a double-quoted Go string literal. */
export function goQuote(text: string): string {
  let out = '"';
  for (const ch of text) out += escapeRune(ch, '"');
  return `${out}"`;
}

/** strconv.QuoteRune: a single-quoted Go character literal. */
export function goQuoteRune(codePoint: number): string {
  const valid = codePoint >= 0 && codePoint <= 0x10ffff && !(codePoint >= 0xd800 && codePoint <= 0xdfff);
  return `'${escapeRune(String.fromCodePoint(valid ? codePoint : 0xfffd), "'")}'`;
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** time.Time.String() in UTC: "2024-01-02 03:04:05.5 +0000 UTC". */
export function goTimeString(date: Date): string {
  if (Number.isNaN(date.getTime())) return '0001-01-01 00:00:00 +0000 UTC';
  const ms = date.getUTCMilliseconds();
  const fraction = ms === 0 ? '' : `.${String(ms).padStart(3, '0').replace(/0+$/, '')}`;
  return (
    `${String(date.getUTCFullYear()).padStart(4, '0')}-${pad2(date.getUTCMonth() + 1)}-${pad2(date.getUTCDate())} ` +
    `${pad2(date.getUTCHours())}:${pad2(date.getUTCMinutes())}:${pad2(date.getUTCSeconds())}${fraction} +0000 UTC`
  );
}

interface Flags {
  plus: boolean;
  minus: boolean;
  sharp: boolean;
  space: boolean;
  zero: boolean;
  width: number | undefined;
  prec: number | undefined;
}

const NO_FLAGS: Flags = { plus: false, minus: false, sharp: false, space: false, zero: false, width: undefined, prec: undefined };

function runeCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

function pad(text: string, f: Flags, zero = f.zero): string {
  if (f.width === undefined) return text;
  const missing = f.width - runeCount(text);
  if (missing <= 0) return text;
  if (f.minus) return text + ' '.repeat(missing);
  return (zero ? '0' : ' ').repeat(missing) + text;
}

function truncateRunes(text: string, prec: number | undefined): string {
  if (prec === undefined) return text;
  return [...text].slice(0, prec).join('');
}

function fmtInteger(value: bigint, verb: string, f: Flags): string {
  const negative = value < 0n;
  const abs = negative ? -value : value;
  if (verb === 'c') return pad(String.fromCodePoint(Number(abs) <= 0x10ffff ? Number(abs) : 0xfffd), f);
  if (verb === 'q') return pad(goQuoteRune(Number(value)), f);
  if (verb === 'U') {
    const hex = abs.toString(16).toUpperCase().padStart(4, '0');
    const n = Number(abs);
    const suffix = f.sharp && n <= 0x10ffff && isPrintable(String.fromCodePoint(n)) ? ` '${String.fromCodePoint(n)}'` : '';
    return pad(`U+${hex}${suffix}`, f, false);
  }
  const base = verb === 'b' ? 2 : verb === 'o' || verb === 'O' ? 8 : verb === 'x' || verb === 'X' ? 16 : 10;
  let digits = abs.toString(base);
  if (verb === 'X') digits = digits.toUpperCase();
  let prec = f.prec;
  if (prec === 0 && value === 0n) return pad('', f, false);
  if (prec === undefined && f.zero && !f.minus && f.width !== undefined) {
    // Zero padding goes between the sign and the digits.
    prec = f.width - (negative || f.plus || f.space ? 1 : 0);
  }
  if (prec !== undefined && digits.length < prec) digits = '0'.repeat(prec - digits.length) + digits;
  let prefix = '';
  if (verb === 'O') prefix = '0o';
  else if (f.sharp) {
    if (verb === 'b') prefix = '0b';
    else if (verb === 'o' && !digits.startsWith('0')) prefix = '0';
    else if (verb === 'x') prefix = '0x';
    else if (verb === 'X') prefix = '0X';
  }
  const sign = negative ? '-' : f.plus ? '+' : f.space ? ' ' : '';
  return pad(sign + prefix + digits, f, false);
}

function fmtFloatVerb(value: number, verb: string, f: Flags): string {
  const lower = verb.toLowerCase();
  const format: FloatFormat = lower === 'v' ? 'g' : (lower as FloatFormat);
  const defaultPrec = format === 'g' ? -1 : 6;
  let num = formatFloat(value, format, f.prec ?? defaultPrec, verb === 'E' || verb === 'G');
  if (!num.startsWith('-') && !num.startsWith('+')) num = `+${num}`;
  if (f.space && num.startsWith('+') && !f.plus) num = ` ${num.slice(1)}`;
  if (num.endsWith('Inf') || num.endsWith('NaN')) {
    // Go keeps "+Inf" but drops the sign of NaN unless one was asked for; no zero padding.
    if (num.endsWith('NaN') && !f.space && !f.plus) num = num.slice(1);
    return pad(num, f, false);
  }
  if (f.plus || !num.startsWith('+')) {
    // Zero padding goes between the sign and the digits.
    if (f.zero && f.width !== undefined && f.width > num.length) return num[0]! + '0'.repeat(f.width - num.length) + num.slice(1);
    return pad(num, f);
  }
  return pad(num.slice(1), f);
}

function fmtString(text: string, verb: string, f: Flags): string {
  switch (verb) {
    case 'v':
      return f.sharp ? pad(goQuote(text), f) : pad(truncateRunes(text, f.prec), f);
    case 's':
      return pad(truncateRunes(text, f.prec), f);
    case 'q':
      return pad(goQuote(truncateRunes(text, f.prec)), f);
    case 'x':
    case 'X': {
      let bytes = Buffer.from(text, 'utf8');
      if (f.prec !== undefined) bytes = bytes.subarray(0, f.prec);
      let hex = [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(f.space ? ' ' : '');
      if (verb === 'X') hex = hex.toUpperCase();
      return pad(hex, f);
    }
    default:
      return badVerb(text, verb, f);
  }
}

function badVerb(value: unknown, verb: string, f: Flags): string {
  if (kindOf(value) === 'nil') return `%!${verb}(<nil>)`;
  return `%!${verb}(${goTypeName(value)}=${printValue(value, 'v', f)})`;
}

const INT_VERBS = new Set(['v', 'd', 'b', 'o', 'O', 'x', 'X', 'c', 'q', 'U']);
const FLOAT_VERBS = new Set(['v', 'e', 'E', 'f', 'F', 'g', 'G']);

function printValue(value: unknown, verb: string, f: Flags, nested = false): string {
  if (verb === 'T') return pad(goTypeName(value), f);
  switch (kindOf(value)) {
    case 'nil':
      return verb === 'v' || nested ? pad('<nil>', f) : badVerb(value, verb, f);
    case 'bool':
      return verb === 'v' || verb === 't' ? pad(String(value), f) : badVerb(value, verb, f);
    case 'int': {
      const big = BigInt(value as number | bigint);
      if (INT_VERBS.has(verb)) return fmtInteger(big, verb === 'v' ? 'd' : verb, f);
      // A JavaScript number does not say whether Go would have held an int or a float64;
      // float verbs on integral numbers format them as floats rather than as "%!f(int=1)".
      if (FLOAT_VERBS.has(verb) && typeof value === 'number') return fmtFloatVerb(value, verb, f);
      return badVerb(value, verb, f);
    }
    case 'float':
      return FLOAT_VERBS.has(verb) ? fmtFloatVerb(value as number, verb, f) : badVerb(value, verb, f);
    case 'string':
      return fmtString(value as string, verb, f);
    case 'time':
    case 'stringer': {
      if (!['v', 's', 'q', 'x', 'X'].includes(verb)) return badVerb(value, verb, f);
      const text = value instanceof Date ? goTimeString(value) : String(value);
      return fmtString(text, verb, f);
    }
    case 'slice':
      return `[${(value as unknown[]).map((v) => printValue(v, verb, f, true)).join(' ')}]`;
    case 'map':
      return `map[${sortedEntries(value as object)
        .map(([k, v]) => `${printValue(k, verb, f, true)}:${printValue(v, verb, f, true)}`)
        .join(' ')}]`;
    case 'func':
      return pad('<func>', f);
  }
}

/** fmt.Sprint(value): what a template prints for a value, and what %v gives. */
export function formatGoValue(value: unknown): string {
  return printValue(value, 'v', NO_FLAGS);
}

/** fmt.Sprint: spaces go between operands only when neither side is a string. */
export function sprint(args: readonly unknown[]): string {
  let out = '';
  let prevString = false;
  args.forEach((arg, i) => {
    const isString = typeof arg === 'string';
    if (i > 0 && !isString && !prevString) out += ' ';
    out += formatGoValue(arg);
    prevString = isString;
  });
  return out;
}

/** fmt.Sprintln: operands always separated by spaces, newline appended. */
export function sprintln(args: readonly unknown[]): string {
  return `${args.map(formatGoValue).join(' ')}\n`;
}

/** fmt.Sprintf for the verbs templates use: %v %s %q %d %t %x %X %o %b %c %U %e %f %g %T and %%. */
export function sprintf(format: string, args: readonly unknown[]): string {
  let out = '';
  let argNum = 0;
  const chars = [...format];
  let i = 0;
  while (i < chars.length) {
    const ch = chars[i]!;
    if (ch !== '%') {
      out += ch;
      i++;
      continue;
    }
    i++;
    const f: Flags = { ...NO_FLAGS };
    for (; i < chars.length; i++) {
      const c = chars[i];
      if (c === '+') f.plus = true;
      else if (c === '-') f.minus = true;
      else if (c === '#') f.sharp = true;
      else if (c === ' ') f.space = true;
      else if (c === '0') f.zero = true;
      else break;
    }
    // Go only zero-pads on the left.
    if (f.minus) f.zero = false;
    let badWidth = false;
    if (chars[i] === '*') {
      i++;
      const w = args[argNum++];
      if (typeof w === 'number' && Number.isInteger(w)) {
        f.width = Math.abs(w);
        if (w < 0) {
          f.minus = true;
          f.zero = false;
        }
      } else {
        badWidth = true;
      }
    } else {
      let digits = '';
      while (i < chars.length && /[0-9]/.test(chars[i]!)) digits += chars[i++];
      if (digits) f.width = Number(digits);
    }
    let badPrec = false;
    if (chars[i] === '.') {
      i++;
      if (chars[i] === '*') {
        i++;
        const p = args[argNum++];
        if (typeof p === 'number' && Number.isInteger(p) && p >= 0) f.prec = p;
        else badPrec = true;
      } else {
        let digits = '';
        while (i < chars.length && /[0-9]/.test(chars[i]!)) digits += chars[i++];
        f.prec = digits ? Number(digits) : 0;
      }
    }
    if (badWidth) out += '%!(BADWIDTH)';
    if (badPrec) out += '%!(BADPREC)';
    const verb = chars[i];
    if (verb === undefined) {
      out += '%!(NOVERB)';
      break;
    }
    i++;
    if (verb === '%') {
      out += '%';
      continue;
    }
    if (argNum >= args.length) {
      out += `%!${verb}(MISSING)`;
      continue;
    }
    const arg = args[argNum++];
    out += verb === 'v' && f.sharp && typeof arg === 'string' ? pad(goQuote(arg), f) : printValue(arg, verb, f);
  }
  if (argNum < args.length) {
    const extra = args.slice(argNum).map((a) => (kindOf(a) === 'nil' ? '<nil>' : `${goTypeName(a)}=${formatGoValue(a)}`));
    out += `%!(EXTRA ${extra.join(', ')})`;
  }
  return out;
}
