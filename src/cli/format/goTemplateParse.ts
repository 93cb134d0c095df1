// Parser for the subset of Go's text/template that `--format` uses, following
// text/template/parse closely so that what Go accepts, rejects and reports matches: trim markers
// ("{{- " and " -}}"), comments, pipelines, parenthesised pipelines, variables, field chains,
// if/else if/with/else with/range/else/break/continue. {{define}}, {{template}} and {{block}}
// are rejected: Docker's format strings never need them.

import { StevedoreError } from '../../core/errors';
import { goQuote } from '../../core/format/goFmt';
import { describeToken, lex, type Token } from './goTemplateLex';

export type ArgNode =
  | { type: 'field'; pos: number; ident: string[] }
  | { type: 'variable'; pos: number; ident: string[] }
  | { type: 'identifier'; pos: number; name: string }
  | { type: 'dot'; pos: number }
  | { type: 'nil'; pos: number }
  | { type: 'bool'; pos: number; value: boolean }
  | { type: 'number'; pos: number; text: string; value: number; isInt: boolean }
  | { type: 'string'; pos: number; quoted: string; text: string }
  | { type: 'chain'; pos: number; node: ArgNode; fields: string[] }
  | PipeNode;

export interface CommandNode {
  type: 'command';
  pos: number;
  args: ArgNode[];
}

export interface PipeNode {
  type: 'pipe';
  pos: number;
  isAssign: boolean;
  decl: string[];
  cmds: CommandNode[];
}

export interface ControlNode {
  type: 'if' | 'with' | 'range';
  pos: number;
  pipe: PipeNode;
  list: Node[];
  elseList: Node[] | undefined;
}

export type Node =
  | { type: 'text'; pos: number; text: string }
  | { type: 'action'; pos: number; pipe: PipeNode }
  | ControlNode
  | { type: 'break' | 'continue'; pos: number };

/** Anything the executor can report an error at. */
export type AnyNode = Node | ArgNode | CommandNode;

export interface ParseTree {
  /** The template text, for turning node positions into line:column. */
  source: string;
  name: string;
  root: Node[];
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };

/** strconv.Unquote for "…", `…` and '…' literals; undefined when the literal is invalid. */
function unquote(literal: string): string | undefined {
  const q = literal[0];
  const body = literal.slice(1, -1);
  if (q === '`') return body.replace(/\r/g, '');
  let out = '';
  for (let i = 0; i < body.length; ) {
    const ch = body[i]!;
    if (ch === q) return undefined;
    if (ch !== '\\') {
      out += ch;
      i++;
      continue;
    }
    const e = body[i + 1];
    if (e === undefined) return undefined;
    if (e in SIMPLE_ESCAPES) {
      out += SIMPLE_ESCAPES[e];
      i += 2;
    } else if (e === q) {
      out += e;
      i += 2;
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const n = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i + 2, i + 2 + n);
      if (hex.length !== n || !/^[0-9a-fA-F]+$/.test(hex)) return undefined;
      const cp = parseInt(hex, 16);
      if (e === 'x') {
        // A \x escape is a byte; bytes above 0x7f would make invalid UTF-8 in Go.
        if (cp > 0x7f) return undefined;
        out += String.fromCharCode(cp);
      } else {
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return undefined;
        out += String.fromCodePoint(cp);
      }
      i += 2 + n;
    } else if (e >= '0' && e <= '7') {
      const oct = body.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(oct) || parseInt(oct, 8) > 0x7f) return undefined;
      out += String.fromCharCode(parseInt(oct, 8));
      i += 4;
    } else {
      return undefined;
    }
  }
  if (q === "'" && [...out].length !== 1) return undefined;
  return out;
}

function parseNumberLiteral(text: string): { value: number; isInt: boolean } | undefined {
  if (text.startsWith("'")) {
    const ch = unquote(text);
    if (ch === undefined) return undefined;
    return { value: ch.codePointAt(0)!, isInt: true };
  }
  if (text.endsWith('i')) return undefined;
  const clean = text.replace(/_/g, '');
  const sign = clean.startsWith('-') ? -1 : 1;
  const unsigned = clean.replace(/^[+-]/, '');
  const prefixed = /^0([xob])([0-9a-f]+)$/i.exec(unsigned);
  if (prefixed) {
    const base = { x: 16, o: 8, b: 2 }[prefixed[1]!.toLowerCase() as 'x' | 'o' | 'b'];
    return { value: sign * parseInt(prefixed[2]!, base), isInt: true };
  }
  if (/^0[0-7]+$/.test(unsigned)) return { value: sign * parseInt(unsigned, 8), isInt: true };
  if (/^\d+$/.test(unsigned)) return { value: sign * Number(unsigned), isInt: true };
  if (/^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(unsigned)) {
    const value = sign * Number(unsigned);
    return { value, isInt: Number.isInteger(value) };
  }
  return undefined;
}

/** Go's Node.String(), used as the <context> of execution errors. */
export function nodeString(node: AnyNode): string {
  switch (node.type) {
    case 'field':
      return `.${node.ident.join('.')}`;
    case 'variable':
      return node.ident.join('.');
    case 'identifier':
      return node.name;
    case 'dot':
      return '.';
    case 'nil':
      return 'nil';
    case 'bool':
      return String(node.value);
    case 'number':
      return node.text;
    case 'string':
      return node.quoted;
    case 'chain': {
      const inner = node.node.type === 'pipe' ? `(${nodeString(node.node)})` : nodeString(node.node);
      return inner + node.fields.map((f) => `.${f}`).join('');
    }
    case 'pipe': {
      const decl = node.decl.length > 0 ? `${node.decl.join(', ')} := ` : '';
      return decl + node.cmds.map(nodeString).join(' | ');
    }
    case 'command':
      return node.args.map((a) => (a.type === 'pipe' ? `(${nodeString(a)})` : nodeString(a))).join(' ');
    case 'action':
      return `{{${nodeString(node.pipe)}}}`;
    case 'text':
      return node.text;
    case 'if':
    case 'with':
    case 'range':
      return `{{${node.type} ${nodeString(node.pipe)}}}`;
    case 'break':
    case 'continue':
      return `{{${node.type}}}`;
  }
}

type ControlEnd = { type: 'end'; pos: number } | { type: 'else'; pos: number };

class Parser {
  private index = 0;
  private line = 1;
  private vars: string[] = ['$'];
  private rangeDepth = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly name: string,
    private readonly hasFunction: (name: string) => boolean,
  ) {}

  parse(): Node[] {
    const root: Node[] = [];
    while (this.peek().type !== 'eof') {
      const n = this.textOrAction();
      if ('end' in n) this.errorf(`unexpected {{${n.end.type}}}`);
      root.push(n.node);
    }
    return root;
  }

  private errorf(message: string): never {
    throw new StevedoreError('INVALID_ARGUMENT', `template: ${this.name}:${this.line}: ${message}`);
  }

  private next(): Token {
    const token = this.tokens[this.index] ?? this.tokens[this.tokens.length - 1]!;
    if (this.index < this.tokens.length) this.index++;
    this.line = token.line;
    return token;
  }

  private peek(): Token {
    const token = this.tokens[this.index] ?? this.tokens[this.tokens.length - 1]!;
    this.line = token.line;
    return token;
  }

  private backup(): void {
    this.index--;
  }

  private nextNonSpace(): Token {
    let token = this.next();
    while (token.type === 'space') token = this.next();
    return token;
  }

  private peekNonSpace(): Token {
    const token = this.nextNonSpace();
    this.backup();
    return token;
  }

  private unexpected(token: Token, context: string): never {
    this.errorf(`unexpected ${describeToken(token)} in ${context}`);
  }

  private expectRightDelim(context: string): Token {
    const token = this.nextNonSpace();
    if (token.type !== 'rightDelim') this.unexpected(token, context);
    return token;
  }

  private itemList(): { list: Node[]; end: ControlEnd } {
    const list: Node[] = [];
    while (this.peekNonSpace().type !== 'eof') {
      const n = this.textOrAction();
      if ('end' in n) return { list, end: n.end };
      list.push(n.node);
    }
    this.errorf('unexpected EOF');
  }

  private textOrAction(): { node: Node } | { end: ControlEnd } {
    const token = this.nextNonSpace();
    if (token.type === 'text') return { node: { type: 'text', pos: token.pos, text: token.value } };
    if (token.type === 'leftDelim') return this.action();
    this.unexpected(token, 'input');
  }

  private action(): { node: Node } | { end: ControlEnd } {
    const token = this.nextNonSpace();
    if (token.type === 'keyword') {
      switch (token.value) {
        case 'else': {
          const peek = this.peekNonSpace();
          if (peek.type === 'keyword' && (peek.value === 'if' || peek.value === 'with')) return { end: { type: 'else', pos: peek.pos } };
          return { end: { type: 'else', pos: this.expectRightDelim('else').pos } };
        }
        case 'end':
          return { end: { type: 'end', pos: this.expectRightDelim('end').pos } };
        case 'if':
        case 'with':
          return { node: this.control(token.value) };
        case 'range': {
          this.rangeDepth++;
          try {
            return { node: this.control('range') };
          } finally {
            this.rangeDepth--;
          }
        }
        case 'break':
        case 'continue': {
          this.expectRightDelim(`{{${token.value}}}`);
          if (this.rangeDepth === 0) this.errorf(`{{${token.value}}} outside {{range}}`);
          return { node: { type: token.value, pos: token.pos } };
        }
        default:
          this.errorf(`{{${token.value}}} is not supported in a format string`);
      }
    }
    this.backup();
    const start = this.peek();
    return { node: { type: 'action', pos: start.pos, pipe: this.pipeline('command') } };
  }

  private control(context: 'if' | 'with' | 'range'): Node {
    const varMark = this.vars.length;
    try {
      const pipe = this.pipeline(context);
      const { list, end } = this.itemList();
      let elseList: Node[] | undefined;
      if (end.type === 'else') {
        const peek = this.peek();
        if (context !== 'range' && peek.type === 'keyword' && peek.value === context) {
          // "{{else if …}}" is "{{else}}{{if …}}…{{end}}" sharing the outer {{end}}.
          this.next();
          elseList = [this.control(context)];
        } else {
          const rest = this.itemList();
          if (rest.end.type !== 'end') this.errorf(`expected end; found {{${rest.end.type}}}`);
          elseList = rest.list;
        }
      }
      return { type: context, pos: pipe.pos, pipe, list, elseList };
    } finally {
      this.vars.length = varMark;
    }
  }

  private pipeline(context: string): PipeNode {
    const pipe: PipeNode = { type: 'pipe', pos: this.peekNonSpace().pos, isAssign: false, decl: [], cmds: [] };
    for (;;) {
      const mark = this.index;
      const v = this.peekNonSpace();
      if (v.type !== 'variable') break;
      this.nextNonSpace();
      const after = this.peekNonSpace();
      if (after.type === 'assign' || after.type === 'declare') {
        pipe.isAssign = after.type === 'assign';
        this.nextNonSpace();
        pipe.decl.push(v.value);
        this.vars.push(v.value);
        break;
      }
      if (after.type === 'char' && after.value === ',') {
        this.nextNonSpace();
        pipe.decl.push(v.value);
        this.vars.push(v.value);
        if (context === 'range' && pipe.decl.length < 2) {
          const p = this.peekNonSpace();
          if (p.type === 'variable' || p.type === 'rightDelim' || p.type === 'rightParen') continue;
          this.errorf('range can only initialize variables');
        }
        this.errorf(`too many declarations in ${context}`);
      }
      this.index = mark;
      break;
    }
    for (;;) {
      const token = this.nextNonSpace();
      switch (token.type) {
        case 'rightDelim':
        case 'rightParen':
          this.checkPipeline(pipe, context);
          if (token.type === 'rightParen') this.backup();
          return pipe;
        case 'bool':
        case 'charConstant':
        case 'dot':
        case 'field':
        case 'identifier':
        case 'number':
        case 'nil':
        case 'rawString':
        case 'string':
        case 'variable':
        case 'leftParen':
          this.backup();
          pipe.cmds.push(this.command());
          break;
        default:
          this.unexpected(token, context);
      }
    }
  }

  private checkPipeline(pipe: PipeNode, context: string): void {
    if (pipe.cmds.length === 0) this.errorf(`missing value for ${context}`);
    pipe.cmds.slice(1).forEach((c, i) => {
      const first = c.args[0]!.type;
      if (first === 'bool' || first === 'dot' || first === 'nil' || first === 'number' || first === 'string') {
        this.errorf(`non executable command in pipeline stage ${i + 2}`);
      }
    });
  }

  private command(): CommandNode {
    const cmd: CommandNode = { type: 'command', pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand) cmd.args.push(operand);
      const token = this.next();
      if (token.type === 'space') continue;
      if (token.type === 'error') this.errorf(token.value);
      if (token.type === 'rightDelim' || token.type === 'rightParen') this.backup();
      else if (token.type !== 'pipe') this.errorf(`unexpected ${describeToken(token)} in operand`);
      break;
    }
    if (cmd.args.length === 0) this.errorf('empty command');
    return cmd;
  }

  private operand(): ArgNode | undefined {
    let node = this.term();
    if (!node) return undefined;
    if (this.peek().type === 'field') {
      const chainPos = this.peek().pos;
      const fields: string[] = [];
      while (this.peek().type === 'field') fields.push(this.next().value.slice(1));
      switch (node.type) {
        case 'field':
          node = { type: 'field', pos: chainPos, ident: [...node.ident, ...fields] };
          break;
        case 'variable':
          node = { type: 'variable', pos: chainPos, ident: [...node.ident, ...fields] };
          break;
        case 'bool':
        case 'string':
        case 'number':
        case 'nil':
        case 'dot':
          this.errorf(`unexpected . after term ${goQuote(nodeString(node))}`);
          break;
        default:
          node = { type: 'chain', pos: chainPos, node, fields };
      }
    }
    return node;
  }

  private term(): ArgNode | undefined {
    const token = this.nextNonSpace();
    switch (token.type) {
      case 'error':
        return this.errorf(token.value);
      case 'identifier':
        if (!this.hasFunction(token.value)) this.errorf(`function ${goQuote(token.value)} not defined`);
        return { type: 'identifier', pos: token.pos, name: token.value };
      case 'dot':
        return { type: 'dot', pos: token.pos };
      case 'nil':
        return { type: 'nil', pos: token.pos };
      case 'variable':
        if (!this.vars.includes(token.value)) this.errorf(`undefined variable ${goQuote(token.value)}`);
        return { type: 'variable', pos: token.pos, ident: [token.value] };
      case 'field':
        return { type: 'field', pos: token.pos, ident: [token.value.slice(1)] };
      case 'bool':
        return { type: 'bool', pos: token.pos, value: token.value === 'true' };
      case 'charConstant':
      case 'number': {
        const parsed = parseNumberLiteral(token.value);
        if (!parsed) this.errorf(`illegal number syntax: ${goQuote(token.value)}`);
        return { type: 'number', pos: token.pos, text: token.value, ...parsed };
      }
      case 'leftParen': {
        const pipe = this.pipeline('parenthesized pipeline');
        const close = this.next();
        if (close.type !== 'rightParen') this.errorf(`unclosed right paren: unexpected ${describeToken(close)}`);
        return pipe;
      }
      case 'string':
      case 'rawString': {
        const text = unquote(token.value);
        if (text === undefined) this.errorf('invalid syntax');
        return { type: 'string', pos: token.pos, quoted: token.value, text };
      }
      default:
        break;
    }
    this.backup();
    return undefined;
  }
}

/** Parses a template; errors read like Go's ("template: :1: function \"foo\" not defined"). */
export function parse(source: string, name: string, hasFunction: (name: string) => boolean): ParseTree {
  const root = new Parser(lex(source), name, hasFunction).parse();
  return { source, name, root };
}
