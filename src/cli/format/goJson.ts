// Go's encoding/json output for JavaScript values, which differs from JSON.stringify in ways that
// show up in `--format '{{json .}}'`: Map keys are sorted (Go maps), "<", ">" and "&" become
// \u003c, \u003e and \u0026 when HTML escaping is on, U+2028/U+2029 are always escaped, times
// are RFC 3339 with trimmed nanoseconds, and NaN or Infinity are errors rather than null.

import { formatFloat } from '../../core/format/goFloat';
import { sortedEntries } from '../../core/format/goFmt';

/**
 * A value with this method encodes as the JSON text it returns, as a Go json.Marshaler does.
 * Docker's list rows marshal themselves this way (formatter.MarshalJSON), which is why
 * `docker images --format json` has sorted keys and "\u003cnone\u003e".
 */
export const goMarshalJSON: unique symbol = Symbol('stevedore.goMarshalJSON');

export interface GoJSONMarshaler {
  [goMarshalJSON](): string;
}

export interface GoJSONOptions {
  /** json.Marshal escapes HTML characters; Docker's `json` template function turns that off. */
  escapeHTML?: boolean;
}

const HEX = '0123456789abcdef';

function quote(text: string, escapeHTML: boolean): string {
  let out = '"';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (cp < 0x20 || (escapeHTML && (ch === '<' || ch === '>' || ch === '&'))) out += `\\u00${HEX[cp >> 4]}${HEX[cp & 15]}`;
    else if (cp === 0x2028 || cp === 0x2029) out += `\\u${cp.toString(16)}`;
    // A lone surrogate cannot be UTF-8; Go replaces invalid bytes the same way.
    else if (cp >= 0xd800 && cp <= 0xdfff) out += '\\ufffd';
    else out += ch;
  }
  return `${out}"`;
}

function number(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`json: unsupported value: ${formatFloat(value, 'g', -1)}`);
  const abs = Math.abs(value);
  if (Number.isInteger(value) && abs < 1e21) return Object.is(value, -0) ? '0' : String(value);
  const text = formatFloat(value, abs < 1e-6 || abs >= 1e21 ? 'e' : 'f', -1);
  // Go cleans "e-07" up to "e-7".
  return text.replace(/e([+-])0(\d)$/, 'e$1$2');
}

/** time.Time.MarshalJSON: RFC 3339 with fractional seconds trimmed of trailing zeros. */
function rfc3339(date: Date): string {
  const iso = date.toISOString();
  return iso.replace(/\.(\d+)Z$/, (_, frac: string) => {
    const trimmed = frac.replace(/0+$/, '');
    return trimmed ? `.${trimmed}Z` : 'Z';
  });
}

function encode(value: unknown, escapeHTML: boolean, seen: Set<object>): string {
  if (value === undefined || value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      return number(value);
    case 'bigint':
      return value.toString();
    case 'string':
      return quote(value, escapeHTML);
    case 'function':
    case 'symbol':
      throw new Error('json: unsupported type: func()');
    default:
      break;
  }
  const obj = value as object;
  if (typeof (obj as Partial<GoJSONMarshaler>)[goMarshalJSON] === 'function') return (obj as GoJSONMarshaler)[goMarshalJSON]();
  if (obj instanceof Date) return quote(rfc3339(obj), escapeHTML);
  if (seen.has(obj)) throw new Error('json: unsupported value: encountered a cycle');
  seen.add(obj);
  try {
    if (Array.isArray(obj)) return `[${obj.map((v) => encode(v, escapeHTML, seen)).join(',')}]`;
    const toJSON = (obj as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return encode(toJSON.call(obj), escapeHTML, seen);
    // A Map is a Go map (sorted keys); a plain object is a struct (fields in declaration order).
    const entries: Array<[unknown, unknown]> = obj instanceof Map ? sortedEntries(obj) : Object.entries(obj);
    const members = entries
      .filter(([, v]) => v !== undefined && typeof v !== 'function')
      .map(([k, v]) => `${quote(String(k), escapeHTML)}:${encode(v, escapeHTML, seen)}`);
    return `{${members.join(',')}}`;
  } finally {
    seen.delete(obj);
  }
}

/** json.Marshal with Go's output rules. Throws an Error for NaN, Infinity, functions and cycles. */
export function marshalGoJSON(value: unknown, options: GoJSONOptions = {}): string {
  return encode(value, options.escapeHTML ?? true, new Set());
}
