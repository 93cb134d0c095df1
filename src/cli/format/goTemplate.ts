// A Go text/template evaluator for `--format` strings, with docker/cli's extra functions. It
// follows text/template's execution rules and error messages so that output, and failures, read
// as Docker's do: "template: :1:2: executing "" at <.Foo>: can't evaluate field Foo in type …".
//
// How JavaScript data maps onto Go values:
// - a plain object or class instance is a struct: `.Field` reads a property (a function-valued
//   property is a method and is called, with any arguments), and a missing field is an error;
// - a Map is a Go map: a missing key is "<no value>" (or an error with missingKey: 'error');
// - arrays are slices; integral numbers are ints; null and undefined are nil.
// `range` and `index` also accept plain objects as maps, where Go would only reject a struct.

import { StevedoreError, errorMessage } from '../../core/errors';
import { formatGoValue, goQuote, goTypeName, kindOf, sortedEntries } from '../../core/format/goFmt';
import { BUILTIN_FUNCTIONS, isTrue, type TemplateArgType, type TemplateFunction } from './goTemplateFuncs';
import { nodeString, parse, type AnyNode, type ArgNode, type CommandNode, type ControlNode, type Node, type ParseTree, type PipeNode } from './goTemplateParse';

export type { TemplateArgType, TemplateFunction } from './goTemplateFuncs';

export interface TemplateOptions {
  /** Functions added to, or replacing, the builtins and Docker's functions. */
  functions?: Readonly<Record<string, TemplateFunction>>;
  /** What a missing Map key gives: Go's default "<no value>", or an error (missingkey=error). */
  missingKey?: 'default' | 'error';
  /**
   * Whether plain objects are Go structs (a missing field is an error; the default) or Go maps
   * (a missing key follows missingKey), e.g. for JSON-shaped `inspect` data.
   */
  plainObjects?: 'struct' | 'map';
  /** The template name shown in errors; Docker's is "" ("template: :1:2: …"). */
  name?: string;
}

export interface ExecuteOptions {
  /** Replaces functions at execution time, as Go's tmpl.Funcs does after parsing. */
  functions?: Readonly<Record<string, TemplateFunction>>;
}

/** A parsed template; execute it with executeTemplate. */
export interface ParsedTemplate {
  readonly tree: ParseTree;
  readonly functions: Readonly<Record<string, TemplateFunction>>;
  readonly missingKey: 'default' | 'error';
  readonly plainObjects: 'struct' | 'map';
  /** Set when the template is only text and `{{.Field}}` actions (see fieldPlan). */
  readonly fields?: FieldPlan;
}

/**
 * A template of text and `{{.Field}}` actions only, the shape of every default table: text pieces
 * and field names in order. A row whose fields are all its own strings renders by concatenation,
 * which is what the executor would print for them (a string prints as itself); any other row
 * takes the executor, with its errors and methods. `images` renders 1,000 rows by it.
 */
type FieldPlan = readonly (string | { field: string })[];

function fieldPlan(tree: ParseTree): FieldPlan | undefined {
  const plan: (string | { field: string })[] = [];
  for (const node of tree.root) {
    if (node.type === 'text') {
      plan.push(node.text);
      continue;
    }
    if (node.type !== 'action' || node.pipe.decl.length > 0 || node.pipe.cmds.length !== 1) return undefined;
    const args = node.pipe.cmds[0]!.args;
    const first = args[0];
    if (args.length !== 1 || first?.type !== 'field' || first.ident.length !== 1 || first.ident[0] === 'constructor') return undefined;
    plan.push({ field: first.ident[0]! });
  }
  return plan;
}

/** Renders a row by its field plan; false (and nothing written) when the row needs the executor. */
function renderFields(plan: FieldPlan, data: unknown, out: string[]): boolean {
  if (typeof data !== 'object' || data === null || Object.getPrototypeOf(data) !== Object.prototype) return false;
  const row = data as Record<string, unknown>;
  const start = out.length;
  for (const piece of plan) {
    if (typeof piece === 'string') {
      out.push(piece);
      continue;
    }
    const value = Object.prototype.hasOwnProperty.call(row, piece.field) ? row[piece.field] : undefined;
    if (typeof value !== 'string') {
      out.length = start;
      return false;
    }
    out.push(value);
  }
  return true;
}

const MISSING: unique symbol = Symbol('missing');

class BreakSignal {}
class ContinueSignal {}

const METHOD_ARGS: TemplateFunction = { params: [], variadic: 'any', call: () => undefined };

/** Looks up a property as Go looks up a field or method: own or inherited, never Object's. */
function lookupField(receiver: object, name: string): { found: boolean; value?: unknown } {
  if (name === 'constructor') return { found: false };
  for (let o: object | null = receiver; o && o !== Object.prototype && o !== Function.prototype; o = Object.getPrototypeOf(o) as object | null) {
    if (Object.prototype.hasOwnProperty.call(o, name)) return { found: true, value: (receiver as Record<string, unknown>)[name] };
  }
  return { found: false };
}

/** The struct type named in "can't evaluate field X in type T". */
function structTypeName(value: object): string {
  const tag = (value as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag];
  if (typeof tag === 'string') return tag;
  const name = (Object.getPrototypeOf(value) as { constructor?: { name?: string } } | null)?.constructor?.name;
  return name && name !== 'Object' ? name : 'struct';
}

const GO_PARAM_TYPE: Readonly<Record<TemplateArgType, string>> = {
  any: 'interface {}',
  value: 'reflect.Value',
  string: 'string',
  int: 'int',
  bool: 'bool',
  strings: '[]string',
};

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

class Execution {
  private readonly tree: ParseTree;
  private readonly missingKey: 'default' | 'error';
  private readonly plainObjects: 'struct' | 'map';
  private vars: Array<{ name: string; value: unknown }> = [];
  private node: AnyNode | undefined;

  constructor(
    template: ParsedTemplate,
    private readonly functions: Readonly<Record<string, TemplateFunction>>,
    private readonly out: string[],
  ) {
    this.tree = template.tree;
    this.missingKey = template.missingKey;
    this.plainObjects = template.plainObjects;
  }

  run(data: unknown): void {
    this.vars = [{ name: '$', value: data }];
    this.walkList(data, this.tree.root);
  }

  private at(node: AnyNode): void {
    this.node = node;
  }

  private errorf(message: string): never {
    const name = this.tree.name;
    if (!this.node) throw new StevedoreError('INVALID_ARGUMENT', `template: ${name}: ${message}`);
    const { source } = this.tree;
    const before = source.slice(0, this.node.pos);
    const lineStart = before.lastIndexOf('\n') + 1;
    const line = before.split('\n').length;
    const column = Buffer.byteLength(before.slice(lineStart), 'utf8');
    throw new StevedoreError(
      'INVALID_ARGUMENT',
      `template: ${name}:${line}:${column}: executing ${goQuote(name)} at <${nodeString(this.node)}>: ${message}`,
    );
  }

  private walkList(dot: unknown, nodes: readonly Node[]): void {
    for (const node of nodes) this.walk(dot, node);
  }

  private walk(dot: unknown, node: Node): void {
    this.at(node);
    switch (node.type) {
      case 'text':
        this.out.push(node.text);
        return;
      case 'action': {
        // Variables declared by an action persist until the enclosing {{end}}.
        const value = this.evalPipeline(dot, node.pipe);
        if (node.pipe.decl.length === 0) this.printValue(node, value);
        return;
      }
      case 'if':
      case 'with': {
        const mark = this.vars.length;
        try {
          const value = this.evalPipeline(dot, node.pipe);
          if (isTrue(value)) this.walkList(node.type === 'with' ? value : dot, node.list);
          else if (node.elseList) this.walkList(dot, node.elseList);
        } finally {
          this.vars.length = mark;
        }
        return;
      }
      case 'range':
        this.walkRange(dot, node);
        return;
      case 'break':
        throw new BreakSignal();
      case 'continue':
        throw new ContinueSignal();
    }
  }

  private walkRange(dot: unknown, node: ControlNode): void {
    const outer = this.vars.length;
    try {
      const value = this.evalPipeline(dot, node.pipe);
      const mark = this.vars.length;
      const decl = node.pipe.decl;
      const oneIteration = (key: unknown, elem: unknown): boolean => {
        if (decl.length > 0) {
          if (node.pipe.isAssign) this.setVar(decl[0]!, decl.length > 1 ? key : elem);
          else this.vars[this.vars.length - 1]!.value = elem;
        }
        if (decl.length > 1) {
          if (node.pipe.isAssign) this.setVar(decl[1]!, elem);
          else this.vars[this.vars.length - 2]!.value = key;
        }
        try {
          this.walkList(elem, node.list);
        } catch (err) {
          if (err instanceof BreakSignal) return false;
          if (!(err instanceof ContinueSignal)) throw err;
        } finally {
          this.vars.length = mark;
        }
        return true;
      };
      let iterated = false;
      const kind = kindOf(value);
      if (kind === 'slice') {
        const items = value as unknown[];
        for (let i = 0; i < items.length; i++) {
          iterated = true;
          if (!oneIteration(i, items[i])) break;
        }
      } else if (kind === 'map') {
        for (const [k, v] of sortedEntries(value as object)) {
          iterated = true;
          if (!oneIteration(k, v)) break;
        }
      } else if (kind === 'int' && typeof value === 'number') {
        // Go 1.22 ranges over an integer n as 0..n-1.
        if (decl.length > 1) this.errorf(`can't use ${value} to iterate over more than one variable`);
        for (let i = 0; i < value; i++) {
          iterated = true;
          if (!oneIteration(i, i)) break;
        }
      } else if (kind !== 'nil') {
        // Like Go, the error points at the last node evaluated: the pipeline's final operand.
        this.errorf(`range can't iterate over ${formatGoValue(value)}`);
      }
      if (!iterated && node.elseList) this.walkList(dot, node.elseList);
    } finally {
      this.vars.length = outer;
    }
  }

  private setVar(name: string, value: unknown): void {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) {
        this.vars[i]!.value = value;
        return;
      }
    }
    this.errorf(`undefined variable: ${name}`);
  }

  private varValue(name: string): unknown {
    for (let i = this.vars.length - 1; i >= 0; i--) {
      if (this.vars[i]!.name === name) return this.vars[i]!.value;
    }
    return this.errorf(`undefined variable: ${name}`);
  }

  private printValue(node: AnyNode, value: unknown): void {
    this.at(node);
    // A nil interface prints as "<no value>" in an action, though fmt would say "<nil>".
    if (value === undefined || value === null) {
      this.out.push('<no value>');
      return;
    }
    if (typeof value === 'function') this.errorf(`can't print ${nodeString(node)} of type func()`);
    this.out.push(formatGoValue(value));
  }

  private evalPipeline(dot: unknown, pipe: PipeNode): unknown {
    this.at(pipe);
    let value: unknown = MISSING;
    for (const cmd of pipe.cmds) value = this.evalCommand(dot, cmd, value);
    for (const name of pipe.decl) {
      if (pipe.isAssign) this.setVar(name, value);
      else this.vars.push({ name, value });
    }
    return value;
  }

  private notAFunction(args: readonly ArgNode[] | undefined, final: unknown): void {
    if ((args && args.length > 1) || final !== MISSING) this.errorf(`can't give argument to non-function ${nodeString(args![0]!)}`);
  }

  private evalCommand(dot: unknown, cmd: CommandNode, final: unknown): unknown {
    const first = cmd.args[0]!;
    switch (first.type) {
      case 'field':
        return this.evalFieldChain(dot, dot, first, first.ident, cmd.args, final);
      case 'chain':
        return this.evalChain(dot, first, cmd.args, final);
      case 'identifier':
        return this.evalFunction(dot, first, cmd, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first);
      case 'variable':
        return this.evalVariable(dot, first, cmd.args, final);
      default:
        break;
    }
    this.at(first);
    this.notAFunction(cmd.args, final);
    switch (first.type) {
      case 'bool':
        return first.value;
      case 'dot':
        return dot;
      case 'nil':
        return this.errorf('nil is not a command');
      case 'number':
        return first.value;
      case 'string':
        return first.text;
    }
  }

  private evalVariable(dot: unknown, node: Extract<ArgNode, { type: 'variable' }>, args: readonly ArgNode[] | undefined, final: unknown): unknown {
    this.at(node);
    const value = this.varValue(node.ident[0]!);
    if (node.ident.length === 1) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(dot, value, node, node.ident.slice(1), args, final);
  }

  private evalChain(dot: unknown, node: Extract<ArgNode, { type: 'chain' }>, args: readonly ArgNode[] | undefined, final: unknown): unknown {
    this.at(node);
    if (node.node.type === 'nil') this.errorf(`indirection through explicit nil in ${nodeString(node)}`);
    const receiver = this.evalArg(dot, 'value', node.node);
    return this.evalFieldChain(dot, receiver, node, node.fields, args, final);
  }

  private evalFieldChain(dot: unknown, receiver: unknown, node: ArgNode, ident: readonly string[], args: readonly ArgNode[] | undefined, final: unknown): unknown {
    this.at(node);
    for (let i = 0; i < ident.length - 1; i++) receiver = this.evalField(dot, ident[i]!, node, undefined, MISSING, receiver);
    return this.evalField(dot, ident[ident.length - 1]!, node, args, final, receiver);
  }

  private evalField(dot: unknown, name: string, node: ArgNode, args: readonly ArgNode[] | undefined, final: unknown, receiver: unknown): unknown {
    if (receiver === undefined) {
      if (this.missingKey === 'error') this.errorf(`nil data; no entry for key "${name}"`);
      return undefined;
    }
    if (receiver === null) this.errorf(`nil pointer evaluating interface {}.${name}`);
    const hasArgs = (args !== undefined && args.length > 1) || final !== MISSING;
    const asMap = receiver instanceof Map || (this.plainObjects === 'map' && typeof receiver === 'object' && isPlainObject(receiver));
    if (asMap) {
      if (hasArgs) this.errorf(`${name} is not a method but has arguments`);
      if (receiver instanceof Map) {
        if (receiver.has(name)) return receiver.get(name);
      } else if (Object.prototype.hasOwnProperty.call(receiver, name)) {
        return (receiver as Record<string, unknown>)[name];
      }
      if (this.missingKey === 'error') this.errorf(`map has no entry for key "${name}"`);
      return undefined;
    }
    if (typeof receiver === 'object' && !Array.isArray(receiver) && !(receiver instanceof Date)) {
      const field = lookupField(receiver, name);
      if (field.found) {
        if (typeof field.value === 'function') {
          const method = field.value as (...a: unknown[]) => unknown;
          return this.evalCall(dot, { ...METHOD_ARGS, call: (...a) => method.apply(receiver, a) }, node, name, args, final);
        }
        if (hasArgs) this.errorf(`${name} has arguments but cannot be invoked as function`);
        return field.value;
      }
      return this.errorf(`can't evaluate field ${name} in type ${structTypeName(receiver)}`);
    }
    return this.errorf(`can't evaluate field ${name} in type ${goTypeName(receiver)}`);
  }

  private evalFunction(dot: unknown, node: Extract<ArgNode, { type: 'identifier' }>, cmd: AnyNode, args: readonly ArgNode[] | undefined, final: unknown): unknown {
    this.at(node);
    const fn = this.functions[node.name];
    if (!fn) return this.errorf(`"${node.name}" is not a defined function`);
    if ((node.name === 'and' || node.name === 'or') && fn === BUILTIN_FUNCTIONS[node.name]) {
      return this.evalAndOr(dot, node.name, args ? args.slice(1) : [], final);
    }
    return this.evalCall(dot, fn, cmd, node.name, args, final);
  }

  /** and/or stop at the first argument that settles the answer, and return that argument. */
  private evalAndOr(dot: unknown, name: 'and' | 'or', argNodes: readonly ArgNode[], final: unknown): unknown {
    if (argNodes.length + (final === MISSING ? 0 : 1) < 1) this.errorf(`wrong number of args for ${name}: want at least 1 got 0`);
    let value: unknown;
    for (const arg of argNodes) {
      value = this.evalArg(dot, 'value', arg);
      if (isTrue(value) === (name === 'or')) return value;
    }
    if (final !== MISSING) value = final;
    return value;
  }

  private evalCall(dot: unknown, fn: TemplateFunction, node: AnyNode, name: string, args: readonly ArgNode[] | undefined, final: unknown): unknown {
    const argNodes = args ? args.slice(1) : [];
    const numIn = argNodes.length + (final === MISSING ? 0 : 1);
    const fixed = fn.params.length;
    if (fn.variadic !== undefined) {
      if (numIn < fixed) this.errorf(`wrong number of args for ${name}: want at least ${fixed} got ${argNodes.length}`);
    } else if (numIn !== fixed) {
      this.errorf(`wrong number of args for ${name}: want ${fixed} got ${numIn}`);
    }
    const argv: unknown[] = argNodes.map((arg, i) => this.evalArg(dot, i < fixed ? fn.params[i]! : fn.variadic!, arg));
    if (final !== MISSING) {
      const type = numIn - 1 < fixed ? fn.params[numIn - 1]! : fn.variadic!;
      argv.push(this.validateType(final as unknown, type));
    }
    try {
      return fn.call(...argv);
    } catch (err) {
      this.at(node);
      return this.errorf(`error calling ${name}: ${errorMessage(err)}`);
    }
  }

  private evalArg(dot: unknown, type: TemplateArgType, node: ArgNode): unknown {
    this.at(node);
    switch (node.type) {
      case 'dot':
        return this.validateType(dot, type);
      case 'nil':
        if (type === 'any' || type === 'value') return null;
        if (type === 'strings') return [];
        return this.errorf(`cannot assign nil to ${GO_PARAM_TYPE[type]}`);
      case 'field':
        return this.validateType(this.evalFieldChain(dot, dot, node, node.ident, [node], MISSING), type);
      case 'variable':
        return this.validateType(this.evalVariable(dot, node, undefined, MISSING), type);
      case 'pipe':
        return this.validateType(this.evalPipeline(dot, node), type);
      case 'identifier':
        return this.validateType(this.evalFunction(dot, node, node, undefined, MISSING), type);
      case 'chain':
        return this.validateType(this.evalChain(dot, node, undefined, MISSING), type);
      default:
        break;
    }
    // A literal must already be of the parameter's type.
    switch (type) {
      case 'bool':
        if (node.type === 'bool') return node.value;
        return this.errorf(`expected bool; found ${nodeString(node)}`);
      case 'int':
        if (node.type === 'number' && node.isInt) return node.value;
        return this.errorf(`expected integer; found ${nodeString(node)}`);
      case 'string':
        if (node.type === 'string') return node.text;
        return this.errorf(`expected string; found ${nodeString(node)}`);
      case 'strings':
        return this.errorf(`can't handle ${nodeString(node)} for arg of type []string`);
      default:
        return node.type === 'bool' ? node.value : node.type === 'number' ? node.value : node.type === 'string' ? node.text : undefined;
    }
  }

  private validateType(value: unknown, type: TemplateArgType): unknown {
    // undefined is Go's invalid value and null a nil interface; neither converts to a concrete type.
    if (value === undefined || value === null) {
      if (type === 'any') return null;
      if (type === 'value') return value;
      if (type === 'strings') return [];
      return this.errorf(`invalid value; expected ${GO_PARAM_TYPE[type]}`);
    }
    let ok: boolean;
    switch (type) {
      case 'any':
      case 'value':
        return value;
      case 'string':
        ok = typeof value === 'string';
        break;
      case 'int':
        ok = (typeof value === 'number' && Number.isInteger(value)) || typeof value === 'bigint';
        if (typeof value === 'bigint') value = Number(value);
        break;
      case 'bool':
        ok = typeof value === 'boolean';
        break;
      case 'strings':
        ok = Array.isArray(value) && value.every((v) => typeof v === 'string');
        break;
    }
    if (!ok) this.errorf(`wrong type for value; expected ${GO_PARAM_TYPE[type]}; got ${goTypeName(value)}`);
    return value;
  }
}

/** Parses a template once; throws StevedoreError('INVALID_ARGUMENT') with Go's wording on bad syntax. */
export function parseTemplate(template: string, options: TemplateOptions = {}): ParsedTemplate {
  const functions = { ...BUILTIN_FUNCTIONS, ...options.functions };
  const tree = parse(template, options.name ?? '', (name) => Object.prototype.hasOwnProperty.call(functions, name));
  const fields = fieldPlan(tree);
  return { tree, functions, missingKey: options.missingKey ?? 'default', plainObjects: options.plainObjects ?? 'struct', ...(fields ? { fields } : {}) };
}

/**
 * Runs a parsed template, appending output to `out` as it goes. On an error the output so far
 * stays in `out`, as it stays in Go's writer; Docker relies on that when rendering headers.
 */
export function executeTemplate(template: ParsedTemplate, data: unknown, out: string[], options: ExecuteOptions = {}): void {
  if (template.fields && renderFields(template.fields, data, out)) return;
  const functions = options.functions ? { ...template.functions, ...options.functions } : template.functions;
  new Execution(template, functions, out).run(data);
}

/** Parses once and returns a renderer; each call throws StevedoreError('INVALID_ARGUMENT') on failure. */
export function compileTemplate(template: string, options: TemplateOptions = {}): (data: unknown) => string {
  const parsed = parseTemplate(template, options);
  return (data) => {
    const out: string[] = [];
    executeTemplate(parsed, data, out);
    return out.join('');
  };
}

/** Renders a Go template against data, e.g. renderTemplate('{{.Name | upper}}', { Name: 'x' }) → "X". */
export function renderTemplate(template: string, data: unknown, options: TemplateOptions = {}): string {
  return compileTemplate(template, options)(data);
}
