// The lexer of Go's text/template (text/template/parse/lex.go) for `--format` strings: text,
// "{{" / "}}" with trim markers, comments, and the tokens inside actions. A lexical error becomes
// an error token at the point it occurs, so the parser reports it exactly where Go would.

import { goQuote } from '../../core/format/goFmt';

export type TokenType =
  | 'text'
  | 'leftDelim'
  | 'rightDelim'
  | 'space'
  | 'field'
  | 'variable'
  | 'identifier'
  | 'keyword'
  | 'bool'
  | 'number'
  | 'charConstant'
  | 'string'
  | 'rawString'
  | 'pipe'
  | 'leftParen'
  | 'rightParen'
  | 'assign'
  | 'declare'
  | 'char'
  | 'dot'
  | 'nil'
  | 'eof'
  | 'error';

export interface Token {
  type: TokenType;
  value: string;
  pos: number;
  line: number;
}

const KEYWORDS = new Set(['block', 'break', 'continue', 'define', 'else', 'end', 'if', 'range', 'template', 'with']);

function isSpace(ch: string | undefined): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
}

function isAlphaNumeric(ch: string | undefined): boolean {
  return ch !== undefined && (ch === '_' || /^[\p{L}\p{Nd}]$/u.test(ch));
}

/** Go's %#U: "U+0023 '#'". */
function describeRune(ch: string): string {
  const cp = ch.codePointAt(0)!;
  const hex = cp.toString(16).toUpperCase().padStart(4, '0');
  return /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(ch) ? `U+${hex} '${ch}'` : `U+${hex}`;
}

/** Splits the template into tokens; a lexical error becomes an error token where it occurs. */
export function lex(input: string): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  let line = 1;
  let counted = 0;
  // Tokens are emitted in order, so lines can be counted incrementally.
  const lineAt = (p: number): number => {
    for (; counted < p; counted++) if (input[counted] === '\n') line++;
    return line;
  };
  const emit = (type: TokenType, start: number, end: number, value = input.slice(start, end)): void => {
    tokens.push({ type, value, pos: start, line: lineAt(start) });
  };
  const fail = (at: number, message: string): Token[] => {
    tokens.push({ type: 'error', value: message, pos: at, line: lineAt(at) });
    return tokens;
  };
  const atRightDelim = (p: number): { delim: boolean; trim: boolean } => {
    if (isSpace(input[p]) && input[p + 1] === '-' && input.startsWith('}}', p + 2)) return { delim: true, trim: true };
    return { delim: input.startsWith('}}', p), trim: false };
  };
  const atTerminator = (p: number): boolean => {
    const ch = input[p];
    if (ch === undefined || isSpace(ch)) return true;
    if ('.,|:()'.includes(ch)) return true;
    return input.startsWith('}}', p);
  };
  const skipSpaces = (p: number): number => {
    while (isSpace(input[p])) p++;
    return p;
  };

  for (;;) {
    const open = input.indexOf('{{', pos);
    if (open < 0) {
      if (pos < input.length) emit('text', pos, input.length);
      emit('eof', input.length, input.length, '');
      return tokens;
    }
    const trimLeft = input[open + 2] === '-' && isSpace(input[open + 3]);
    let text = input.slice(pos, open);
    if (trimLeft) text = text.replace(/[ \t\r\n]+$/, '');
    if (text) emit('text', pos, pos + text.length, text);
    pos = open + 2 + (trimLeft ? 2 : 0);

    if (input.startsWith('/*', pos)) {
      const close = input.indexOf('*/', pos + 2);
      if (close < 0) return fail(pos, 'unclosed comment');
      pos = close + 2;
      const rd = atRightDelim(pos);
      if (!rd.delim) return fail(pos, 'comment ends before closing delimiter');
      pos += (rd.trim ? 2 : 0) + 2;
      if (rd.trim) pos = skipSpaces(pos);
      continue;
    }

    emit('leftDelim', open, open + 2);
    let parenDepth = 0;
    for (;;) {
      const rd = atRightDelim(pos);
      if (rd.delim) {
        if (parenDepth !== 0) return fail(pos, 'unclosed left paren');
        if (rd.trim) pos += 2;
        emit('rightDelim', pos, pos + 2);
        pos += 2;
        if (rd.trim) pos = skipSpaces(pos);
        break;
      }
      const start = pos;
      const ch = input[pos];
      if (ch === undefined) return fail(pos, 'unclosed action');
      if (isSpace(ch)) {
        let count = 0;
        while (isSpace(input[pos])) {
          pos++;
          count++;
        }
        // A space may belong to a " -}}" trim marker.
        if (input[pos - 1] !== undefined && isSpace(input[pos - 1]) && input[pos] === '-' && input.startsWith('}}', pos + 1)) {
          pos--;
          if (count === 1) continue;
        }
        emit('space', start, pos);
        continue;
      }
      pos++;
      if (ch === '=') {
        emit('assign', start, pos);
      } else if (ch === ':') {
        if (input[pos] !== '=') return fail(start, 'expected :=');
        pos++;
        emit('declare', start, pos);
      } else if (ch === '|') {
        emit('pipe', start, pos);
      } else if (ch === '"') {
        for (;;) {
          const c = input[pos];
          if (c === '\\') {
            const n = input[pos + 1];
            if (n === undefined || n === '\n') return fail(start, 'unterminated quoted string');
            pos += 2;
          } else if (c === undefined || c === '\n') {
            return fail(start, 'unterminated quoted string');
          } else {
            pos++;
            if (c === '"') break;
          }
        }
        emit('string', start, pos);
      } else if (ch === '`') {
        const close = input.indexOf('`', pos);
        if (close < 0) return fail(start, 'unterminated raw quoted string');
        pos = close + 1;
        emit('rawString', start, pos);
      } else if (ch === "'") {
        for (;;) {
          const c = input[pos];
          if (c === '\\') {
            const n = input[pos + 1];
            if (n === undefined || n === '\n') return fail(start, 'unterminated character constant');
            pos += 2;
          } else if (c === undefined || c === '\n') {
            return fail(start, 'unterminated character constant');
          } else {
            pos++;
            if (c === "'") break;
          }
        }
        emit('charConstant', start, pos);
      } else if (ch === '$' || (ch === '.' && !(input[pos] !== undefined && input[pos]! >= '0' && input[pos]! <= '9'))) {
        // ".Field", "$var", or a bare "." / "$".
        if (atTerminator(pos)) {
          emit(ch === '$' ? 'variable' : 'dot', start, pos);
          continue;
        }
        while (isAlphaNumeric(input[pos])) pos++;
        if (!atTerminator(pos)) return fail(pos, `bad character ${describeRune(String.fromCodePoint(input.codePointAt(pos)!))}`);
        emit(ch === '$' ? 'variable' : 'field', start, pos);
      } else if (ch === '.' || ch === '+' || ch === '-' || (ch >= '0' && ch <= '9')) {
        pos = scanNumber(input, start);
        if (pos < 0) {
          const end = -pos;
          return fail(start, `bad number syntax: ${goQuote(input.slice(start, end))}`);
        }
        emit('number', start, pos);
      } else if (isAlphaNumeric(ch)) {
        while (isAlphaNumeric(input[pos])) pos++;
        if (!atTerminator(pos)) return fail(pos, `bad character ${describeRune(String.fromCodePoint(input.codePointAt(pos)!))}`);
        const word = input.slice(start, pos);
        if (KEYWORDS.has(word)) emit('keyword', start, pos);
        else if (word === 'nil') emit('nil', start, pos);
        else if (word === 'true' || word === 'false') emit('bool', start, pos);
        else emit('identifier', start, pos);
      } else if (ch === '(') {
        parenDepth++;
        emit('leftParen', start, pos);
      } else if (ch === ')') {
        parenDepth--;
        if (parenDepth < 0) return fail(start, 'unexpected right paren');
        emit('rightParen', start, pos);
      } else if (ch.charCodeAt(0) < 0x7f && ch >= ' ') {
        emit('char', start, pos);
      } else {
        const full = String.fromCodePoint(input.codePointAt(start)!);
        return fail(start, `unrecognized character in action: ${describeRune(full)}`);
      }
    }
  }
}

/** Go's scanNumber: returns the end position, or minus the end position on bad syntax. */
function scanNumber(input: string, start: number): number {
  let pos = start;
  const accept = (valid: string): boolean => {
    if (input[pos] !== undefined && valid.includes(input[pos]!)) {
      pos++;
      return true;
    }
    return false;
  };
  const acceptRun = (valid: string): void => {
    while (accept(valid));
  };
  accept('+-');
  let digits = '0123456789_';
  if (accept('0')) {
    if (accept('xX')) digits = '0123456789abcdefABCDEF_';
    else if (accept('oO')) digits = '01234567_';
    else if (accept('bB')) digits = '01_';
  }
  acceptRun(digits);
  if (accept('.')) acceptRun(digits);
  if (digits.length === 11 && accept('eE')) {
    accept('+-');
    acceptRun('0123456789_');
  }
  if (digits.length === 23 && accept('pP')) {
    accept('+-');
    acceptRun('0123456789_');
  }
  accept('i');
  if (isAlphaNumeric(input[pos])) return -(pos + 1);
  return pos;
}

/** Go's item.String(), used in "unexpected … in …" messages. */
export function describeToken(token: Token): string {
  if (token.type === 'eof') return 'EOF';
  if (token.type === 'error') return token.value;
  if (token.type === 'keyword' || token.type === 'dot' || token.type === 'nil') return `<${token.value}>`;
  const runes = [...token.value];
  return runes.length > 10 ? `${goQuote(runes.slice(0, 10).join(''))}...` : goQuote(token.value);
}
