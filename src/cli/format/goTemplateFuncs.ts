// The functions a Docker format string can call: Go's text/template builtins and the ones
// docker/cli adds in templates/templates.go (json, split, join, title, lower, upper, pad,
// truncate). Each declares its Go parameter types so that argument checking, and its error
// messages, follow text/template.

import { marshalGoJSON } from './goJson';
import { formatGoValue, goTypeName, kindOf, sortedEntries, sprint, sprintf, sprintln } from '../../core/format/goFmt';

/**
 * Go parameter types: 'any' is interface{} (a missing value arrives as null), 'value' is
 * reflect.Value (a missing value arrives as undefined), 'strings' is []string.
 */
export type TemplateArgType = 'any' | 'value' | 'string' | 'int' | 'bool' | 'strings';

export interface TemplateFunction {
  readonly params: readonly TemplateArgType[];
  /** Present when the Go function is variadic: the type of each extra argument. */
  readonly variadic?: TemplateArgType;
  /** Throwing reports "error calling NAME: message", as a Go function returning an error does. */
  readonly call: (...args: unknown[]) => unknown;
}

/** Go's truth: false, 0, nil and empty strings, slices and maps are false; structs are true. */
export function isTrue(value: unknown): boolean {
  switch (kindOf(value)) {
    case 'nil':
      return false;
    case 'bool':
      return value as boolean;
    case 'int':
    case 'float':
      return typeof value === 'bigint' ? value !== 0n : value !== 0;
    case 'string':
      return (value as string).length > 0;
    case 'slice':
      return (value as unknown[]).length > 0;
    case 'map': {
      if (value instanceof Map) return value.size > 0;
      const proto = Object.getPrototypeOf(value) as unknown;
      // Plain objects stand for Go maps; instances of classes for structs, which are always true.
      return proto === Object.prototype || proto === null ? Object.keys(value as object).length > 0 : true;
    }
    default:
      return true;
  }
}

type BasicKind = 'bool' | 'number' | 'string' | 'nil' | 'other';

function basicKind(value: unknown): BasicKind {
  switch (typeof value) {
    case 'boolean':
      return 'bool';
    case 'number':
    case 'bigint':
      return 'number';
    case 'string':
      return 'string';
    default:
      return value === undefined || value === null ? 'nil' : 'other';
  }
}

function eq(arg1: unknown, ...rest: unknown[]): boolean {
  if (rest.length === 0) throw new Error('missing argument for comparison');
  const k1 = basicKind(arg1);
  for (const arg of rest) {
    const k2 = basicKind(arg);
    let truth: boolean;
    if (k1 !== k2) {
      if (k1 !== 'nil' && k2 !== 'nil') throw new Error('incompatible types for comparison');
      truth = false;
    } else if (k1 === 'number') {
      truth = Number(arg1) === Number(arg);
    } else if (k1 === 'nil') {
      truth = true;
    } else if (k1 === 'other') {
      const kind = kindOf(arg);
      if (kind === 'slice' || kind === 'map' || kind === 'func') throw new Error(`non-comparable type ${formatGoValue(arg)}: ${goTypeName(arg)}`);
      truth = arg1 === arg;
    } else {
      truth = arg1 === arg;
    }
    if (truth) return true;
  }
  return false;
}

function lt(arg1: unknown, arg2: unknown): boolean {
  const k1 = basicKind(arg1);
  const k2 = basicKind(arg2);
  if (k1 === 'nil' || k1 === 'other' || k2 === 'nil' || k2 === 'other') throw new Error('invalid type for comparison');
  if (k1 !== k2) throw new Error('incompatible types for comparison');
  if (k1 === 'bool') throw new Error('invalid type for comparison');
  if (k1 === 'number') return Number(arg1) < Number(arg2);
  // Go compares strings bytewise, which is code point order.
  return (arg1 as string) < (arg2 as string);
}

function len(item: unknown): number {
  switch (kindOf(item)) {
    case 'nil':
      throw new Error('len of nil pointer');
    case 'string':
      return Buffer.byteLength(item as string, 'utf8');
    case 'slice':
      return (item as unknown[]).length;
    case 'map':
      return item instanceof Map ? item.size : Object.keys(item as object).length;
    default:
      throw new Error(`len of type ${goTypeName(item)}`);
  }
}

/** The zero value Go's index returns for a missing key: "" for string maps such as labels. */
function mapZero(container: object): unknown {
  const values = sortedEntries(container).map(([, v]) => v);
  return values.length > 0 && values.every((v) => typeof v === 'string') ? '' : undefined;
}

function index(item: unknown, ...indexes: unknown[]): unknown {
  if (item === undefined || item === null) throw new Error('index of untyped nil');
  for (const key of indexes) {
    if (item === undefined || item === null) throw new Error('index of nil pointer');
    const kind = kindOf(item);
    if (kind === 'slice' || kind === 'string') {
      if (key === undefined || key === null) throw new Error('cannot index slice/array with nil');
      if (typeof key !== 'number' || !Number.isInteger(key)) throw new Error(`cannot index slice/array with type ${goTypeName(key)}`);
      const length = kind === 'string' ? Buffer.byteLength(item as string, 'utf8') : (item as unknown[]).length;
      if (key < 0 || key > length) throw new Error(`index out of range: ${key}`);
      if (key === length) throw new Error(`reflect: ${kind === 'string' ? 'string' : 'slice'} index out of range`);
      // Indexing a Go string gives a byte.
      item = kind === 'string' ? Buffer.from(item as string, 'utf8')[key] : (item as unknown[])[key];
    } else if (kind === 'map') {
      if (item instanceof Map) {
        item = item.has(key) ? item.get(key) : mapZero(item);
      } else {
        if (typeof key !== 'string') throw new Error(`value has type ${goTypeName(key)}; should be string`);
        const record = item as Record<string, unknown>;
        item = Object.prototype.hasOwnProperty.call(record, key) ? record[key] : mapZero(record);
      }
    } else {
      throw new Error(`can't index item of type ${goTypeName(item)}`);
    }
  }
  return item;
}

function mapRunes(text: string, map: (ch: string) => string): string {
  let out = '';
  for (const ch of text) {
    const mapped = map(ch);
    // Go maps rune by rune; "ß".toUpperCase() is "SS" in JavaScript but stays "ß" in Go.
    out += [...mapped].length === 1 ? mapped : ch;
  }
  return out;
}

/** strings.Title: upper-cases the first letter of each word; words are split at separators. */
function title(text: string): string {
  const isSeparator = (ch: string): boolean => {
    if (ch.charCodeAt(0) <= 0x7f) return !/[0-9A-Za-z_]/.test(ch);
    if (/[\p{L}\p{Nd}]/u.test(ch)) return false;
    return /\s/u.test(ch);
  };
  let prev = ' ';
  return mapRunes(text, (ch) => {
    const out = isSeparator(prev) ? ch.toUpperCase() : ch;
    prev = ch;
    return out;
  });
}

function pad(source: string, prefix: number, suffix: number): string {
  if (source === '') return source;
  if (prefix < 0 || suffix < 0) throw new Error('strings: negative Repeat count');
  return ' '.repeat(prefix) + source + ' '.repeat(suffix);
}

/** docker's truncate cuts bytes, not characters, as Go slicing does. */
function truncate(source: string, length: number): string {
  const bytes = Buffer.from(source, 'utf8');
  if (bytes.length < length) return source;
  if (length < 0) throw new Error(`runtime error: slice bounds out of range [:${length}]`);
  return bytes.subarray(0, length).toString('utf8');
}

/** docker's `json` template function: encoding/json with HTML escaping off; an error prints nothing. */
export function templateJson(value: unknown): string {
  try {
    return marshalGoJSON(value, { escapeHTML: false });
  } catch {
    return '';
  }
}

const str = (v: unknown): string => v as string;
const int = (v: unknown): number => v as number;

/** Go's builtins plus docker/cli's basicFunctions. */
export const BUILTIN_FUNCTIONS: Readonly<Record<string, TemplateFunction>> = Object.freeze({
  // and/or short-circuit in the executor; these bodies only document their result.
  and: { params: ['value'], variadic: 'value', call: (...args) => args.find((a) => !isTrue(a)) ?? args[args.length - 1] },
  or: { params: ['value'], variadic: 'value', call: (...args) => args.find((a) => isTrue(a)) ?? args[args.length - 1] },
  not: { params: ['value'], call: (v) => !isTrue(v) },
  len: { params: ['value'], call: len },
  index: { params: ['value'], variadic: 'value', call: index },
  print: { params: [], variadic: 'any', call: (...args) => sprint(args) },
  printf: { params: ['string'], variadic: 'any', call: (format, ...args) => sprintf(str(format), args) },
  println: { params: [], variadic: 'any', call: (...args) => sprintln(args) },
  eq: { params: ['value'], variadic: 'value', call: eq },
  ne: { params: ['value', 'value'], call: (a, b) => !eq(a, b) },
  lt: { params: ['value', 'value'], call: lt },
  le: { params: ['value', 'value'], call: (a, b) => lt(a, b) || eq(a, b) },
  gt: { params: ['value', 'value'], call: (a, b) => !(lt(a, b) || eq(a, b)) },
  ge: { params: ['value', 'value'], call: (a, b) => !lt(a, b) },
  json: { params: ['any'], call: templateJson },
  split: {
    params: ['string', 'string'],
    // strings.Split with an empty separator splits into characters.
    call: (s, sep) => (str(sep) === '' ? [...str(s)] : str(s).split(str(sep))),
  },
  join: { params: ['strings', 'string'], call: (elems, sep) => (elems as string[]).join(str(sep)) },
  title: { params: ['string'], call: (s) => title(str(s)) },
  lower: { params: ['string'], call: (s) => mapRunes(str(s), (ch) => ch.toLowerCase()) },
  upper: { params: ['string'], call: (s) => mapRunes(str(s), (ch) => ch.toUpperCase()) },
  pad: { params: ['string', 'int', 'int'], call: (s, prefix, suffix) => pad(str(s), int(prefix), int(suffix)) },
  truncate: { params: ['string', 'int'], call: (s, length) => truncate(str(s), int(length)) },
});

const identity = (v: unknown): unknown => v;

/**
 * docker/cli's HeaderFunctions: when a table header is rendered from the column names, these
 * replace the formatting functions so "{{upper .Name}}" still prints the header as given.
 * `pad` is deliberately not replaced, to keep the header aligned with padded cells.
 */
export const HEADER_FUNCTIONS: Readonly<Record<string, TemplateFunction>> = Object.freeze({
  json: { params: ['string'], call: identity },
  split: { params: ['string', 'string'], call: identity },
  join: { params: ['string', 'string'], call: identity },
  title: { params: ['string'], call: identity },
  lower: { params: ['string'], call: identity },
  upper: { params: ['string'], call: identity },
  truncate: { params: ['string', 'int'], call: identity },
});
