// Words as BuildKit's Dockerfile frontend reads them, shared by the Dockerfile builder and the
// `-c/--change` instructions of import and commit (configChanges.ts), so that quotes, escapes and
// `$VAR`s mean the same in both: Go's notion of white space, the parser's word splitting
// (parseWords) and JSON arrays (parseJSON), and the shell lexer (frontend/dockerfile/shell). A word
// is read into parts once, then expanded against an Env: quotes and escapes removed, `$NAME` /
// `${NAME…}` substituted.

/** What is wrong with a word; callers tie it to their instruction (configChanges, the build). */
export class WordProblem extends Error {}

function problem(message: string): WordProblem {
  return new WordProblem(message);
}

export type Env = ReadonlyMap<string, string>;

// Go's unicode.IsSpace, which the parser and the shell lexer use; JavaScript's \s differs from it
// (it has U+FEFF and lacks U+0085).
const SPACE_CLASS = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const SPACE = new RegExp(`^[${SPACE_CLASS}]$`, 'u');
const EDGE_SPACES = new RegExp(`^[${SPACE_CLASS}]+|[${SPACE_CLASS}]+$`, 'gu');
// The narrower whitespace the parser splits commands and plain argument lists on.
export const SEPARATOR = /[\t\v\f\r ]+/;
// Docker's default escape character; the shell lexer uses it whatever `# escape=` says.
const ESCAPE = '\\';

export function isSpace(ch: string): boolean {
  return SPACE.test(ch);
}

export function trimSpace(text: string): string {
  return text.replace(EDGE_SPACES, '');
}

/**
 * BuildKit's parseJSON: a JSON array of strings is the exec form; anything that is not valid JSON
 * (`[oops`) silently becomes the shell form; a JSON array holding a non-string is an error.
 */
export function parseJsonArray(args: string): string[] | undefined {
  if (!args.startsWith('[')) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  if (!parsed.every((item): item is string => typeof item === 'string')) {
    throw problem('when using JSON array syntax, arrays must be comprised of strings only');
  }
  return parsed;
}

/** BuildKit's parseWords: splits on unquoted, unescaped spaces, keeping quotes and escapes in the words. */
export function splitQuotedWords(text: string): string[] {
  const chars = Array.from(text);
  const words: string[] = [];
  let word = '';
  let phase: 'spaces' | 'word' | 'quote' = 'spaces';
  let quote = '';
  let blankOK = false; // a quoted empty string ("") is still a word
  for (let pos = 0; pos <= chars.length; pos++) {
    let ch = chars[pos] ?? '';
    const atEnd = pos === chars.length;
    if (phase === 'spaces') {
      if (atEnd) break;
      if (isSpace(ch)) continue;
      phase = 'word';
    }
    if (atEnd) {
      if (blankOK || word !== '') words.push(word);
      break;
    }
    if (phase === 'word') {
      if (isSpace(ch)) {
        if (blankOK || word !== '') words.push(word);
        phase = 'spaces';
        word = '';
        blankOK = false;
        continue;
      }
      if (ch === "'" || ch === '"') {
        quote = ch;
        blankOK = true;
        phase = 'quote';
      }
      if (ch === ESCAPE) {
        if (pos + 1 === chars.length) continue; // an escape at the very end is dropped
        word += ch;
        ch = chars[++pos] ?? '';
      }
      word += ch;
      continue;
    }
    if (ch === quote) phase = 'word';
    // Single quotes escape nothing.
    if (ch === ESCAPE && quote !== "'") {
      if (pos + 1 === chars.length) {
        phase = 'word';
        continue;
      }
      word += ch;
      ch = chars[++pos] ?? '';
    }
    word += ch;
  }
  return words;
}

/** Plain arguments (EXPOSE, VOLUME, COPY sources): split at spaces, quotes left to the lexer. */
export function splitPlainWords(args: string): string[] {
  return args === '' ? [] : args.split(SEPARATOR);
}


/**
 * `text` is literal; it `splits` into words at spaces only when it was neither quoted nor
 * escaped. `quoted` is a "…" string, never split. Variables split (the only multi-word source).
 */
export type WordPart =
  | { readonly kind: 'text'; readonly text: string; readonly splits: boolean }
  | { readonly kind: 'quoted'; readonly parts: readonly WordPart[] }
  | { readonly kind: 'variable'; readonly name: string; readonly modifier?: Modifier };

/**
 * `${NAME-word}`, `${NAME:-word}` and the like (`nullIsUnset` for the `:` forms); `${NAME#pattern}`,
 * `${NAME%pattern}` (doubled for the longest match); `${NAME/pattern/replacement}` (`//`: all).
 */
type Modifier =
  | { readonly op: '-' | '+' | '?' | '#' | '%'; readonly nullIsUnset: boolean; readonly word: readonly WordPart[] }
  | { readonly op: '/'; readonly all: boolean; readonly pattern: readonly WordPart[]; readonly replacement: readonly WordPart[] };

export interface Expansion {
  readonly text: string;
  readonly words: readonly string[];
}

interface Scanner {
  readonly chars: readonly string[];
  pos: number;
}

function peek(scanner: Scanner): string | undefined {
  return scanner.chars[scanner.pos];
}

function next(scanner: Scanner): string | undefined {
  const ch = scanner.chars[scanner.pos];
  if (ch !== undefined) scanner.pos++;
  return ch;
}

function text(value: string, splits: boolean): WordPart {
  return { kind: 'text', text: value, splits };
}

/** Lexes and expands one word; problems name the word, as Docker's "failed to process" does. */
export function processWord(word: string, env: Env): Expansion {
  return inWord(word, () => expandWord(lex(word), env));
}

export function inWord<T>(word: string, work: () => T): T {
  try {
    return work();
  } catch (err) {
    if (err instanceof WordProblem) throw problem(`failed to process ${JSON.stringify(word)}: ${err.message}`);
    throw err;
  }
}

export function lex(word: string): readonly WordPart[] {
  return lexUntil({ chars: Array.from(word), pos: 0 }, undefined, false);
}

export function referencesVariables(parts: readonly WordPart[]): boolean {
  return parts.some((part) => part.kind === 'variable' || (part.kind === 'quoted' && referencesVariables(part.parts)));
}

/** `rawEscapes` keeps backslashes, for patterns, where they escape `*` and `?`. */
function lexUntil(scanner: Scanner, stop: string | undefined, rawEscapes: boolean): WordPart[] {
  const parts: WordPart[] = [];
  for (let ch = next(scanner); ch !== undefined; ch = next(scanner)) {
    if (ch === stop) return parts;
    if (ch === "'") parts.push(lexSingleQuoted(scanner));
    else if (ch === '"') parts.push(lexDoubleQuoted(scanner, rawEscapes));
    else if (ch === '$') parts.push(lexDollar(scanner));
    else if (ch === ESCAPE) parts.push(...lexEscaped(scanner, rawEscapes));
    else parts.push(text(ch, true));
  }
  if (stop !== undefined) throw problem(`unexpected end of statement while looking for matching ${stop}`);
  return parts;
}

function lexEscaped(scanner: Scanner, rawEscapes: boolean): WordPart[] {
  const escaped = next(scanner);
  const kept = rawEscapes ? [text(ESCAPE, false)] : [];
  return escaped === undefined ? kept : [...kept, text(escaped, false)];
}

function lexSingleQuoted(scanner: Scanner): WordPart {
  let value = '';
  for (let ch = next(scanner); ch !== "'"; ch = next(scanner)) {
    if (ch === undefined) throw problem('unexpected end of statement while looking for matching single-quote');
    value += ch;
  }
  return text(value, false);
}

function lexDoubleQuoted(scanner: Scanner, rawEscapes: boolean): WordPart {
  const parts: WordPart[] = [];
  for (;;) {
    const ch = next(scanner);
    if (ch === undefined) throw problem('unexpected end of statement while looking for matching double-quote');
    if (ch === '"') return { kind: 'quoted', parts };
    if (ch === '$') parts.push(lexDollar(scanner));
    else parts.push(text(ch === ESCAPE ? escapedInDoubleQuotes(scanner, rawEscapes) : ch, false));
  }
}

// Inside double quotes a backslash escapes only `"`, `$` and itself; before anything else it stays.
function escapedInDoubleQuotes(scanner: Scanner, rawEscapes: boolean): string {
  const kept = rawEscapes ? ESCAPE : '';
  const following = peek(scanner);
  if (following === undefined) return kept;
  if (following === '"' || following === '$' || following === ESCAPE) {
    next(scanner);
    return kept + following;
  }
  return kept + ESCAPE;
}

/** Called with the `$` consumed. */
function lexDollar(scanner: Scanner): WordPart {
  if (peek(scanner) !== '{') {
    const name = lexName(scanner);
    return name === '' ? text('$', true) : { kind: 'variable', name };
  }
  next(scanner);
  const first = peek(scanner);
  if (first === undefined) throw problem("syntax error: missing '}'");
  if (first === '{' || first === '}' || first === ':') throw problem('syntax error: bad substitution');
  const name = lexName(scanner);
  const ch = next(scanner);
  if (ch === '}') return { kind: 'variable', name };
  if (ch === '/') return { kind: 'variable', name, modifier: lexReplacement(scanner) };
  if (ch === ':') return { kind: 'variable', name, modifier: lexModifier(scanner, next(scanner), true) };
  return { kind: 'variable', name, modifier: lexModifier(scanner, ch, false) };
}

function lexModifier(scanner: Scanner, op: string | undefined, nullIsUnset: boolean): Modifier {
  if (op === undefined) throw problem("syntax error: missing '}'");
  if (op !== '-' && op !== '+' && op !== '?' && op !== '#' && op !== '%') {
    throw problem(`unsupported modifier (${nullIsUnset ? ':' : ''}${op}) in substitution`);
  }
  const word = lexNested(scanner, '}', op === '#' || op === '%', "syntax error: missing '}'");
  return { op, nullIsUnset, word };
}

function lexReplacement(scanner: Scanner): Modifier {
  const all = peek(scanner) === '/';
  if (all) next(scanner);
  const pattern = lexNested(scanner, '/', true, "syntax error: missing '/' in ${}");
  const replacement = lexNested(scanner, '}', true, "syntax error: missing '}'");
  return { op: '/', all, pattern, replacement };
}

// Whatever goes wrong inside `${…}` at the end of the word is reported as the missing delimiter.
function lexNested(scanner: Scanner, stop: string, rawEscapes: boolean, missing: string): WordPart[] {
  try {
    return lexUntil(scanner, stop, rawEscapes);
  } catch (err) {
    if (err instanceof WordProblem && peek(scanner) === undefined) throw problem(missing);
    throw err;
  }
}

/** A name is letters, digits and `_`; or only digits (`$1`); or one special parameter (`$@`). */
function lexName(scanner: Scanner): string {
  let name = '';
  for (let ch = peek(scanner); ch !== undefined; ch = peek(scanner)) {
    if (name === '' && /^\p{Nd}$/u.test(ch)) return lexDigits(scanner);
    if (name === '' && '@*#?-$!0'.includes(ch)) return next(scanner) ?? '';
    if (!/^[\p{L}\p{Nd}_]$/u.test(ch)) break;
    name += next(scanner) ?? '';
  }
  return name;
}

function lexDigits(scanner: Scanner): string {
  let digits = '';
  for (let ch = peek(scanner); ch !== undefined && /^\p{Nd}$/u.test(ch); ch = peek(scanner)) digits += next(scanner) ?? '';
  return digits;
}

function expandWord(parts: readonly WordPart[], env: Env): Expansion {
  const words = newWordSplitter();
  let result = '';
  for (const part of parts) {
    const value = expandPart(part, env);
    result += value;
    if (part.kind === 'quoted' || (part.kind === 'text' && !part.splits)) words.addRaw(value);
    else words.addSplitting(value);
  }
  return { text: result, words: words.finish() };
}

/** Collects the words of an expansion as BuildKit's wordsStruct does; local to one expansion. */
function newWordSplitter(): { addRaw(value: string): void; addSplitting(value: string): void; finish(): string[] } {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  return {
    addRaw(value) {
      current += value;
      inWord = true;
    },
    addSplitting(value) {
      for (const ch of value) {
        if (!isSpace(ch)) {
          current += ch;
          inWord = true;
        } else if (inWord && current !== '') {
          words.push(current);
          current = '';
          inWord = false;
        }
      }
    },
    finish: () => (current === '' ? words : [...words, current]),
  };
}

function expandText(parts: readonly WordPart[], env: Env): string {
  return parts.map((part) => expandPart(part, env)).join('');
}

function expandPart(part: WordPart, env: Env): string {
  switch (part.kind) {
    case 'text':
      return part.text;
    case 'quoted':
      return expandText(part.parts, env);
    case 'variable':
      return expandVariable(part.name, part.modifier, env);
  }
}

function expandVariable(name: string, modifier: Modifier | undefined, env: Env): string {
  const value = env.get(name);
  if (!modifier) return value ?? '';
  if (modifier.op === '/') return replacePattern(value ?? '', expandText(modifier.pattern, env), expandText(modifier.replacement, env), modifier.all);
  // The word is expanded even when unused, as Docker does, so its own errors always surface.
  const word = expandText(modifier.word, env);
  const unset = value === undefined || (modifier.nullIsUnset && value === '');
  switch (modifier.op) {
    case '-':
      return unset ? word : (value ?? '');
    case '+':
      return unset ? '' : word;
    case '?':
      if (value === undefined) throw problem(`${name}: ${word || 'is not allowed to be unset'}`);
      if (unset) throw problem(`${name}: ${word || 'is not allowed to be empty'}`);
      return value;
    case '#':
    case '%':
      return trimAffix(modifier.op, word, value ?? '');
  }
}

// `#` trims the shortest matching prefix, `##` the longest; `%` and `%%` do the same at the end,
// by matching the reversed pattern against the reversed value.
function trimAffix(op: '#' | '%', word: string, value: string): string {
  const greedy = word.startsWith(op);
  const pattern = greedy ? word.slice(1) : word;
  if (op === '#') return trimPrefix(pattern, value, greedy);
  return reverse(trimPrefix(reversePattern(pattern), reverse(value), greedy));
}

function trimPrefix(pattern: string, value: string, greedy: boolean): string {
  const match = shellPatternToRegExp(pattern, greedy, true).exec(value);
  return match ? value.slice(match[0].length) : value;
}

function replacePattern(value: string, pattern: string, replacement: string, all: boolean): string {
  const regExp = shellPatternToRegExp(pattern, true, false);
  return value.replace(all ? new RegExp(regExp.source, 'gu') : regExp, () => replacement);
}

function reverse(value: string): string {
  return Array.from(value).reverse().join('');
}

/** Reverses a pattern but keeps each escape before the character it escapes: `a\*c` → `c\*a`. */
function reversePattern(pattern: string): string {
  const chars = Array.from(pattern);
  const tokens: string[] = [];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] ?? '';
    tokens.push(ch === ESCAPE && i + 1 < chars.length ? ch + (chars[++i] ?? '') : ch);
  }
  return tokens.reverse().join('');
}

/** `*` is any string (shortest unless greedy), `?` any one character, `\` escapes `*`, `?` and `\`. */
function shellPatternToRegExp(pattern: string, greedy: boolean, anchored: boolean): RegExp {
  const chars = Array.from(pattern);
  let source = anchored ? '^' : '';
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i] ?? '';
    if (ch === '*') source += greedy ? '.*' : '.*?';
    else if (ch === '?') source += '.';
    else if (ch === ESCAPE) {
      const following = chars[i + 1];
      // `\}` and `\/` only kept the delimiter out of the way; the escape is not part of the pattern.
      if (following === '}' || following === '/') continue;
      if (following !== '*' && following !== '?' && following !== ESCAPE) {
        throw problem(`invalid pattern (${pattern}) in substitution: invalid escape '\\${following ?? ''}'`);
      }
      source += ESCAPE + following;
      i++;
    } else source += '[]{}.+()|^$'.includes(ch) ? ESCAPE + ch : ch;
  }
  return new RegExp(source, 'u');
}
