// Shell-style globs with the semantics of Go's path.Match, which Docker's `reference=` filter uses:
// `*` is any run of non-"/" characters, `?` one non-"/" character, `[...]` a class (`^` negates,
// `a-z` ranges, `\` escapes), `\x` a literal x. Unlike `*` and `?`, a class may match "/".
// With `doubleStar` (moby's patternmatcher, for .dockerignore), `**` is any run of characters,
// "/" included, and `**/` any run of whole directories, none included.
// Matching walks the pattern once over a set of reachable positions, so no pattern can make it
// backtrack exponentially.

import { StevedoreError } from '../errors';

type GlobToken =
  | { kind: 'star' }
  | { kind: 'anyPath' }
  | { kind: 'anyDirs' }
  | { kind: 'one' }
  | { kind: 'literal'; codePoint: number }
  | { kind: 'class'; negated: boolean; ranges: Array<[number, number]> };

const SLASH = 0x2f;

export interface GlobOptions {
  /** `**` crosses directories (see above). */
  doubleStar?: boolean;
  /** Names the pattern in errors (default "reference filter pattern"). */
  what?: string;
}

/** Throws StevedoreError('INVALID_ARGUMENT') when the pattern is malformed, as path.Match reports ErrBadPattern. */
export function compileGlob(pattern: string, options: GlobOptions = {}): GlobToken[] {
  const chars = [...pattern];
  const tokens: GlobToken[] = [];
  let i = 0;
  const fail = (why: string): never => {
    throw new StevedoreError('INVALID_ARGUMENT', `invalid ${options.what ?? 'reference filter pattern'} ${JSON.stringify(pattern)}: ${why}`);
  };
  // Reads one possibly escaped character of a class, as path.Match's getEsc does.
  const classChar = (): number => {
    let ch = chars[i];
    if (ch === undefined) fail('a "[" character class is not closed with "]"');
    if (ch === '-' || ch === ']') fail('a character class needs a character here (escape "-" and "]" with "\\")');
    if (ch === '\\') {
      i += 1;
      ch = chars[i];
      if (ch === undefined) fail('it ends with "\\"; escape a literal backslash as "\\\\"');
    }
    i += 1;
    if (i >= chars.length) fail('a "[" character class is not closed with "]"');
    return (ch as string).codePointAt(0) as number;
  };

  while (i < chars.length) {
    const ch = chars[i] as string;
    if (ch === '*' && options.doubleStar && chars[i + 1] === '*') {
      const dirs = chars[i + 2] === '/';
      tokens.push({ kind: dirs ? 'anyDirs' : 'anyPath' });
      i += dirs ? 3 : 2;
    } else if (ch === '*') {
      if (tokens.at(-1)?.kind !== 'star') tokens.push({ kind: 'star' });
      i += 1;
    } else if (ch === '?') {
      tokens.push({ kind: 'one' });
      i += 1;
    } else if (ch === '\\') {
      const next = chars[i + 1];
      if (next === undefined) fail('it ends with "\\"; escape a literal backslash as "\\\\"');
      tokens.push({ kind: 'literal', codePoint: (next as string).codePointAt(0) as number });
      i += 2;
    } else if (ch === '[') {
      i += 1;
      const negated = chars[i] === '^';
      if (negated) i += 1;
      const ranges: Array<[number, number]> = [];
      while (!(chars[i] === ']' && ranges.length > 0)) {
        const lo = classChar();
        let hi = lo;
        if (chars[i] === '-') {
          i += 1;
          hi = classChar();
        }
        ranges.push([lo, hi]);
      }
      i += 1;
      tokens.push({ kind: 'class', negated, ranges });
    } else {
      tokens.push({ kind: 'literal', codePoint: ch.codePointAt(0) as number });
      i += 1;
    }
  }
  return tokens;
}

export function matchGlob(tokens: readonly GlobToken[], name: string): boolean {
  const chars = [...name].map((ch) => ch.codePointAt(0) as number);
  let reachable = new Array<boolean>(chars.length + 1).fill(false);
  reachable[0] = true;
  for (const token of tokens) {
    const next = new Array<boolean>(chars.length + 1).fill(false);
    if (token.kind === 'anyPath' || token.kind === 'anyDirs') {
      // anyPath: any run; anyDirs: an empty run, or one that ends just after a "/".
      let open = false;
      for (let j = 0; j <= chars.length; j++) {
        next[j] = reachable[j] === true || (open && (token.kind === 'anyPath' || chars[j - 1] === SLASH));
        if (reachable[j]) open = true;
      }
    } else if (token.kind === 'star') {
      let open = false;
      for (let j = 0; j <= chars.length; j++) {
        if (reachable[j]) open = true;
        next[j] = open;
        if (chars[j] === SLASH) open = false;
      }
    } else {
      for (let j = 0; j < chars.length; j++) {
        if (reachable[j] && matchesOne(token, chars[j] as number)) next[j + 1] = true;
      }
    }
    reachable = next;
  }
  return reachable[chars.length] === true;
}

function matchesOne(token: Extract<GlobToken, { kind: 'one' | 'literal' | 'class' }>, codePoint: number): boolean {
  switch (token.kind) {
    case 'one':
      return codePoint !== SLASH;
    case 'literal':
      return codePoint === token.codePoint;
    case 'class': {
      const inClass = token.ranges.some(([lo, hi]) => lo <= codePoint && codePoint <= hi);
      return inClass !== token.negated;
    }
  }
}
