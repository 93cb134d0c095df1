// `--filter key=value` as Docker parses and checks it: the CLI's flag parser rejects a value
// without "=", keys are lower-cased and trimmed, values trimmed, repeated values collapse (a
// filter is a set), and the daemon rejects keys the command does not know.

import { StevedoreError } from '../errors';
import { formatGoValue, goQuote } from './goFmt';

/** Parsed filters: key → values, in the order given, without duplicates. */
export type Filters = Map<string, string[]>;

/**
 * Parses repeated --filter values and checks their keys. Errors are StevedoreError
 * ('INVALID_ARGUMENT') worded as Docker's:
 *   invalid argument "foo" for "-f, --filter" flag: bad format of filter (expected name=value)
 *   invalid filter 'foo'
 */
export function parseFilters(args: readonly string[], allowed: readonly string[], flagName = '-f, --filter'): Filters {
  const filters: Filters = new Map();
  for (const arg of args) {
    if (arg === '') continue;
    const eq = arg.indexOf('=');
    if (eq < 0) {
      throw new StevedoreError(
        'INVALID_ARGUMENT',
        `invalid argument ${goQuote(arg)} for "${flagName}" flag: bad format of filter (expected name=value)`,
      );
    }
    const key = arg.slice(0, eq).trim().toLowerCase();
    const value = arg.slice(eq + 1).trim();
    const values = filters.get(key);
    if (!values) filters.set(key, [value]);
    else if (!values.includes(value)) values.push(value);
  }
  for (const key of filters.keys()) {
    if (!allowed.includes(key)) throw new StevedoreError('INVALID_ARGUMENT', `invalid filter '${key}'`);
  }
  return filters;
}

/**
 * A boolean filter such as dangling=true, as filters.Args.GetBoolOrDefault reads it: only
 * "true"/"1" and "false"/"0" count, and values that disagree are an error
 * ("invalid filter 'dangling=[maybe]'").
 */
export function parseBoolFilter(value: string | readonly string[], key = 'dangling'): boolean {
  const values = typeof value === 'string' ? [value] : value;
  const isFalse = values.includes('0') || values.includes('false');
  const isTrue = values.includes('1') || values.includes('true');
  if (isFalse === isTrue) {
    const shown = values.length === 0 ? '' : `=${formatGoValue([...values])}`;
    throw new StevedoreError('INVALID_ARGUMENT', `invalid filter '${key}${shown}'`);
  }
  return isTrue;
}

/**
 * Go's path.Match, which Docker's reference= filter uses: `*` matches any run of characters
 * except "/", `?` one character except "/", `[a-z]` and `[^a-z]` classes (which may match "/"),
 * and `\` escapes. A malformed pattern throws StevedoreError('INVALID_ARGUMENT', 'syntax error
 * in pattern'), even when the name fails to match before the bad part is reached, as Go does.
 */
export function globMatch(pattern: string, value: string): boolean {
  let pat = [...pattern];
  let name = [...value];
  while (pat.length > 0) {
    const { star, chunk, rest } = scanChunk(pat);
    pat = rest;
    if (star && chunk.length === 0) {
      // A trailing star matches the rest of the name unless it has a "/".
      return !name.includes('/');
    }
    const here = matchChunk(chunk, name);
    if (here !== undefined && (here.length === 0 || pat.length > 0)) {
      name = here;
      continue;
    }
    let matched = false;
    if (star) {
      // Try the chunk after skipping i+1 characters; a star cannot skip "/".
      for (let i = 0; i < name.length && name[i] !== '/'; i++) {
        const t = matchChunk(chunk, name.slice(i + 1));
        if (t !== undefined) {
          // The last chunk must use up the name.
          if (pat.length === 0 && t.length > 0) continue;
          name = t;
          matched = true;
          break;
        }
      }
    }
    if (matched) continue;
    // Before answering false, make sure the rest of the pattern is well formed.
    while (pat.length > 0) {
      const next = scanChunk(pat);
      pat = next.rest;
      matchChunk(next.chunk, []);
    }
    return false;
  }
  return name.length === 0;
}

function badPattern(): never {
  throw new StevedoreError('INVALID_ARGUMENT', 'syntax error in pattern');
}

/** Splits off leading stars and the following run of non-star pattern. */
function scanChunk(pattern: string[]): { star: boolean; chunk: string[]; rest: string[] } {
  let i = 0;
  while (pattern[i] === '*') i++;
  const star = i > 0;
  const start = i;
  let inRange = false;
  for (; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\') {
      if (i + 1 < pattern.length) i++;
    } else if (ch === '[') {
      inRange = true;
    } else if (ch === ']') {
      inRange = false;
    } else if (ch === '*' && !inRange) {
      break;
    }
  }
  return { star, chunk: pattern.slice(start, i), rest: pattern.slice(i) };
}

/**
 * Matches a star-free chunk against the start of `s`, returning the rest of `s`, or undefined.
 * After a mismatch it keeps reading the chunk so that syntax errors are still reported.
 */
function matchChunk(chunk: string[], s: string[]): string[] | undefined {
  let failed = false;
  let c = 0;
  let pos = 0;
  while (c < chunk.length) {
    if (!failed && pos >= s.length) failed = true;
    const ch = chunk[c]!;
    if (ch === '[') {
      const r = failed ? -1 : s[pos++]!.codePointAt(0)!;
      c++;
      let negated = false;
      if (chunk[c] === '^') {
        negated = true;
        c++;
      }
      let match = false;
      let ranges = 0;
      for (;;) {
        if (chunk[c] === ']' && ranges > 0) {
          c++;
          break;
        }
        const lo = getEsc(chunk, c);
        c = lo.next;
        let hi = lo.value;
        if (chunk[c] === '-') {
          const h = getEsc(chunk, c + 1);
          c = h.next;
          hi = h.value;
        }
        if (lo.value <= r && r <= hi) match = true;
        ranges++;
      }
      if (match === negated) failed = true;
    } else if (ch === '?') {
      if (!failed) {
        if (s[pos] === '/') failed = true;
        pos++;
      }
      c++;
    } else {
      let literal = ch;
      if (ch === '\\') {
        c++;
        if (c >= chunk.length) badPattern();
        literal = chunk[c]!;
      }
      if (!failed) {
        if (s[pos] !== literal) failed = true;
        pos++;
      }
      c++;
    }
  }
  return failed ? undefined : s.slice(pos);
}

/** Reads one possibly escaped character of a class; the class must go on after it. */
function getEsc(chunk: string[], c: number): { value: number; next: number } {
  let ch = chunk[c];
  if (ch === undefined || ch === '-' || ch === ']') badPattern();
  if (ch === '\\') {
    c++;
    ch = chunk[c];
    if (ch === undefined) badPattern();
  }
  const next = c + 1;
  if (next >= chunk.length) badPattern();
  return { value: ch.codePointAt(0)!, next };
}
