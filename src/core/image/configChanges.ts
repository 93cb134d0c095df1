// The `-c/--change` instructions of `stevedore import` and `stevedore commit`: the Dockerfile
// subset that `docker import --change` and `docker commit --change` accept, parsed and applied
// the way the Docker daemon does it. There, BuildFromConfig parses the changes with BuildKit's
// Dockerfile parser and runs the classic builder's dispatchers over a copy of the config, so the
// rules below (word splitting, quotes, `$VAR` substitution, what resets what) are theirs, and
// messages keep Docker's wording where it has one. Linux semantics only: for Windows images
// Docker uses a `cmd /S /C` shell and sets ArgsEscaped, which Stevedore does not reproduce.

import { isIP } from 'node:net';
import { posix } from 'node:path';
import { StevedoreError } from '../errors';
import type { ContainerConfig } from './types';

export type ChangeInstruction =
  | 'CMD'
  | 'ENTRYPOINT'
  | 'ENV'
  | 'EXPOSE'
  | 'LABEL'
  | 'USER'
  | 'WORKDIR'
  | 'VOLUME'
  | 'STOPSIGNAL'
  | 'ONBUILD';

interface ChangeBase {
  /** The change as given, trimmed; messages quote it. */
  readonly original: string;
}

/** CMD / ENTRYPOINT. `exec`: the JSON array, used as is. `shell`: one script, run by the config's Shell. */
export interface CommandChange extends ChangeBase {
  readonly instruction: 'CMD' | 'ENTRYPOINT';
  readonly form: 'exec' | 'shell';
  readonly args: readonly string[];
}

/**
 * ENV / LABEL pairs as written. Quotes, escapes and `$VAR`s are resolved when the change is
 * applied, against the Env the config has at that point, because that is when Docker resolves them.
 */
export interface KeyValueChange extends ChangeBase {
  readonly instruction: 'ENV' | 'LABEL';
  readonly pairs: readonly { readonly key: string; readonly value: string }[];
}

/** EXPOSE port specs / VOLUME paths as written; resolved like ENV values when applied. */
export interface ListChange extends ChangeBase {
  readonly instruction: 'EXPOSE' | 'VOLUME';
  readonly items: readonly string[];
}

/** USER / WORKDIR / STOPSIGNAL: the whole argument as written (Docker keeps inner spaces); resolved when applied. */
export interface WordChange extends ChangeBase {
  readonly instruction: 'USER' | 'WORKDIR' | 'STOPSIGNAL';
  readonly word: string;
}

/** ONBUILD: the trigger, kept verbatim (keyword case included, as Docker stores it) for later builds. */
export interface OnBuildChange extends ChangeBase {
  readonly instruction: 'ONBUILD';
  readonly trigger: string;
}

export type ConfigChange = CommandChange | KeyValueChange | ListChange | WordChange | OnBuildChange;

/** Parses one change such as `ENV PATH=/opt/bin:$PATH`; throws StevedoreError('INVALID_CHANGE'). */
export function parseChange(line: string): ConfigChange {
  const original = trimSpace(line);
  try {
    const change = parseInstruction(original);
    validate(change);
    return change;
  } catch (err) {
    throw asInvalidChange(original, err);
  }
}

/**
 * Applies changes in order, as one `docker commit --change … --change …` does, and returns a new
 * config; the input is never modified. Throws StevedoreError('INVALID_CHANGE') when a change only
 * turns out invalid once its variables are known (`EXPOSE $PORT` with PORT=http).
 */
export function applyChanges(config: ContainerConfig, changes: readonly ConfigChange[]): ContainerConfig {
  let result = structuredClone(config);
  let cmdSet = false;
  for (const change of changes) {
    try {
      result = applyChange(result, change, cmdSet);
    } catch (err) {
      throw asInvalidChange(change.original, err);
    }
    // Docker's dispatchCmd marks a CMD only when its command line is not empty.
    cmdSet ||= change.instruction === 'CMD' && change.args.length > 0;
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Errors

/** What is wrong with a change, before it is tied to the change's text. */
class ChangeProblem extends Error {}

function problem(message: string): ChangeProblem {
  return new ChangeProblem(message);
}

function asInvalidChange(original: string, err: unknown): unknown {
  if (!(err instanceof ChangeProblem)) return err;
  return new StevedoreError('INVALID_CHANGE', `Invalid change "${original}": ${err.message}.`, { detail: { change: original } });
}

// ---------------------------------------------------------------------------------------------
// Parsing one line, as BuildKit's parser and instruction parsers do

const INSTRUCTIONS: readonly ChangeInstruction[] = ['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'LABEL', 'ONBUILD', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR'];

// Go's unicode.IsSpace, which the parser and the shell lexer use; JavaScript's \s differs from it
// (it has U+FEFF and lacks U+0085).
const SPACE_CLASS = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const SPACE = new RegExp(`^[${SPACE_CLASS}]$`, 'u');
const EDGE_SPACES = new RegExp(`^[${SPACE_CLASS}]+|[${SPACE_CLASS}]+$`, 'gu');
// The narrower whitespace the parser splits commands and plain argument lists on.
const SEPARATOR = /[\t\v\f\r ]+/;
// A trailing escape continues the line in a Dockerfile; on a lone line Docker just drops it.
const CONTINUATION = /\\[ \t]*$/;
const ESCAPE = '\\';

function isSpace(ch: string): boolean {
  return SPACE.test(ch);
}

function trimSpace(text: string): string {
  return text.replace(EDGE_SPACES, '');
}

function parseInstruction(original: string): ConfigChange {
  if (/[\r\n]/.test(original)) throw problem('a change is one instruction on one line; pass each instruction as a change of its own');
  if (original === '') throw problem('the change is empty; give an instruction such as CMD ["sh"]');
  if (original.startsWith('#')) throw problem('a comment is not an instruction');
  const line = original.replace(CONTINUATION, '');
  const { keyword, rest } = splitKeyword(line);
  const instruction = toInstruction(keyword);
  return parseArguments(instruction, original, line, withoutFlags(rest));
}

function splitKeyword(line: string): { keyword: string; rest: string } {
  const separator = SEPARATOR.exec(line);
  if (!separator) return { keyword: line, rest: '' };
  return { keyword: line.slice(0, separator.index), rest: trimSpace(line.slice(separator.index + separator[0].length)) };
}

function toInstruction(keyword: string): ChangeInstruction {
  // Docker lower-cases the keyword and reports it that way.
  const lower = keyword.toLowerCase();
  const instruction = INSTRUCTIONS.find((name) => name.toLowerCase() === lower);
  if (instruction) return instruction;
  if (lower === 'healthcheck') {
    throw problem('HEALTHCHECK is a valid change for Docker but Stevedore does not support it yet');
  }
  throw problem(`${lower} is not a valid change command; use one of ${INSTRUCTIONS.join(', ')}`);
}

// The parser takes leading `--name[=value]` words as the instruction's flags. None of the
// instructions a change may use has flags, so any flag is an error, and a lone `--` only ends the
// (empty) flag list.
function withoutFlags(args: string): string {
  const flag = /^--(\S*)/.exec(args);
  if (!flag) return args;
  const name = flag[1] ?? '';
  if (name === '') return trimSpace(args.slice(2));
  throw problem(`unknown flag: ${name.split('=')[0] ?? name}`);
}

function parseArguments(instruction: ChangeInstruction, original: string, line: string, args: string): ConfigChange {
  switch (instruction) {
    case 'CMD':
    case 'ENTRYPOINT':
      return parseCommand(instruction, original, args);
    case 'ENV':
    case 'LABEL':
      return { instruction, original, pairs: parseKeyValues(instruction, args) };
    case 'EXPOSE':
      return { instruction, original, items: requireSome(instruction, splitPlainWords(args)) };
    case 'VOLUME':
      return { instruction, original, items: parseVolumes(args) };
    case 'USER':
    case 'WORKDIR':
    case 'STOPSIGNAL':
      if (args === '') throw problem(`${instruction} requires exactly one argument`);
      return { instruction, original, word: args };
    case 'ONBUILD':
      return { instruction, original, trigger: parseTrigger(line, args) };
  }
}

function requireSome<T>(instruction: ChangeInstruction, items: readonly T[]): readonly T[] {
  if (items.length === 0) throw problem(`${instruction} requires at least one argument`);
  return items;
}

function splitPlainWords(args: string): string[] {
  return args === '' ? [] : args.split(SEPARATOR);
}

// Docker accepts a bare CMD (it becomes `/bin/sh -c` with no script) and a bare ENTRYPOINT (it
// clears the entrypoint). Both are far more likely a mistake than a wish, so Stevedore asks for
// the explicit `[]`, which clears the value in Docker too.
function parseCommand(instruction: 'CMD' | 'ENTRYPOINT', original: string, args: string): CommandChange {
  if (args === '') throw problem(`${instruction} requires at least one argument; use ${instruction} [] to clear it`);
  const exec = parseJsonArray(args);
  return exec ? { instruction, original, form: 'exec', args: exec } : { instruction, original, form: 'shell', args: [args] };
}

/**
 * BuildKit's parseJSON: a JSON array of strings is the exec form; anything that is not valid JSON
 * (`[oops`) silently becomes the shell form; a JSON array holding a non-string is an error.
 */
function parseJsonArray(args: string): string[] | undefined {
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

function parseKeyValues(instruction: 'ENV' | 'LABEL', args: string): KeyValueChange['pairs'] {
  const pairs = requireSome(instruction, parseNameValues(instruction, args));
  if (pairs.some((pair) => pair.key === '')) throw problem(`${instruction} names can not be blank`);
  return pairs;
}

/**
 * BuildKit's parseNameVal: `NAME=VALUE …` when the first word has an `=`, otherwise the legacy
 * `NAME VALUE WITH SPACES`. Words keep their quotes here; the lexer removes them on application.
 */
function parseNameValues(instruction: string, args: string): { key: string; value: string }[] {
  const words = splitQuotedWords(args);
  const first = words[0];
  if (first === undefined) return [];
  if (!first.includes('=')) {
    const separator = SEPARATOR.exec(args);
    if (!separator) throw problem(`${instruction} must have two arguments; write ${instruction} NAME=VALUE`);
    return [{ key: args.slice(0, separator.index), value: args.slice(separator.index + separator[0].length) }];
  }
  return words.map((word) => {
    const equals = word.indexOf('=');
    if (equals < 0) throw problem(`Syntax error - can't find = in ${JSON.stringify(word)}. Must be of the form: name=value`);
    return { key: word.slice(0, equals), value: word.slice(equals + 1) };
  });
}

/** BuildKit's parseWords: splits on unquoted, unescaped spaces, keeping quotes and escapes in the words. */
function splitQuotedWords(text: string): string[] {
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

function parseVolumes(args: string): readonly string[] {
  const paths = requireSome('VOLUME', parseJsonArray(args) ?? splitPlainWords(args)).map(trimSpace);
  if (paths.includes('')) throw problem('VOLUME specified can not be an empty string');
  return paths;
}

// Docker stores the trigger as written (it is parsed again by the build that runs it), but refuses
// the triggers that cannot work, and parses the trigger's arguments right away.
function parseTrigger(line: string, args: string): string {
  if (args === '') throw problem('ONBUILD requires at least one argument');
  const { keyword, rest } = splitKeyword(args);
  const trigger = keyword.toUpperCase();
  if (trigger === 'ONBUILD') throw problem("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
  if (trigger === 'FROM' || trigger === 'MAINTAINER') throw problem(`${trigger} isn't allowed as an ONBUILD trigger`);
  checkTriggerArguments(trigger, rest);
  return line.replace(/^[\t\n\f\r ]*ONBUILD[\t\n\f\r ]*/i, '');
}

const JSON_ARGUMENT_TRIGGERS = new Set(['ADD', 'CMD', 'COPY', 'ENTRYPOINT', 'RUN', 'SHELL', 'VOLUME']);

function checkTriggerArguments(trigger: string, rest: string): void {
  // Leading flags (`RUN --mount=…`) would need BuildKit's flag parser; the build checks those.
  if (rest.startsWith('--')) return;
  if (JSON_ARGUMENT_TRIGGERS.has(trigger)) parseJsonArray(rest);
  else if (trigger === 'ENV' || trigger === 'LABEL') parseNameValues(trigger, rest);
}

/** The raw words of a change that Docker runs through its shell lexer when applying it. */
function expandedWords(change: ConfigChange): readonly string[] {
  switch (change.instruction) {
    case 'ENV':
    case 'LABEL':
      return change.pairs.flatMap((pair) => [pair.key, pair.value]);
    case 'EXPOSE':
    case 'VOLUME':
      return change.items;
    case 'USER':
    case 'WORKDIR':
    case 'STOPSIGNAL':
      return [change.word];
    default:
      return [];
  }
}

function validate(change: ConfigChange): void {
  const lexed = expandedWords(change).map((word) => inWord(word, () => lex(word)));
  // Without variables a change means the same on every config, so it is checked right away (a
  // bad port or signal is reported when the change is given, not after the image is read).
  if (!lexed.some(referencesVariables)) applyChange({}, change, false);
}

// ---------------------------------------------------------------------------------------------
// Applying one change, as the classic builder's dispatchers do

type Env = ReadonlyMap<string, string>;
type KeySet = Record<string, Record<string, never>>;

const DEFAULT_SHELL: readonly string[] = ['/bin/sh', '-c'];

function applyChange(config: ContainerConfig, change: ConfigChange, cmdSet: boolean): ContainerConfig {
  // Every word of one change is resolved against the Env from before it: in
  // `ENV A=new B=$A`, B gets the old A.
  const env = envMap(config.Env);
  switch (change.instruction) {
    case 'CMD':
      return { ...withoutArgsEscaped(config), Cmd: commandLine(change, config) };
    case 'ENTRYPOINT':
      return applyEntrypoint(config, change, cmdSet);
    case 'ENV':
      return { ...config, Env: change.pairs.map((pair) => expandPair(pair, env)).reduce(setEnv, config.Env ?? []) };
    case 'LABEL':
      return { ...config, Labels: Object.fromEntries([...Object.entries(config.Labels ?? {}), ...change.pairs.map((pair) => expandPair(pair, env))]) };
    case 'EXPOSE':
      return { ...config, ExposedPorts: withKeys(config.ExposedPorts, exposedPorts(change.items, env)) };
    case 'VOLUME':
      return { ...config, Volumes: withKeys(config.Volumes, volumePaths(change.items, env)) };
    case 'USER':
      return { ...config, User: processWord(change.word, env).text };
    case 'WORKDIR':
      return { ...config, WorkingDir: resolveWorkdir(config.WorkingDir ?? '', processWord(change.word, env).text) };
    case 'STOPSIGNAL':
      return { ...config, StopSignal: checkSignal(processWord(change.word, env).text) };
    case 'ONBUILD':
      return { ...config, OnBuild: [...(config.OnBuild ?? []), change.trigger] };
  }
}

/** Docker's BuildEnvs: `NAME` alone is set and empty; of repeated names the last one counts. */
/** An Env list ("KEY=value") as a map; a bare KEY has the empty value. */
export function envMap(env: readonly string[] | undefined): Env {
  const map = new Map<string, string>();
  for (const entry of env ?? []) {
    const equals = entry.indexOf('=');
    if (equals < 0) map.set(entry, '');
    else map.set(entry.slice(0, equals), entry.slice(equals + 1));
  }
  return map;
}

// On Linux Docker sets ArgsEscaped to false for CMD and ENTRYPOINT, and its JSON leaves false out.
function withoutArgsEscaped({ ArgsEscaped: _argsEscaped, ...config }: ContainerConfig): ContainerConfig {
  return config;
}

function commandLine(change: CommandChange, config: ContainerConfig): string[] {
  if (change.form === 'exec') return [...change.args];
  const shell = config.Shell && config.Shell.length > 0 ? config.Shell : DEFAULT_SHELL;
  return [...shell, ...change.args];
}

// BuildFromConfig runs the same dispatcher as a build, so a new ENTRYPOINT drops the config's CMD
// (it was written for the old entrypoint) unless a CMD came earlier in the same set of changes;
// `ENTRYPOINT []` leaves no entrypoint at all (null, as Docker's nil).
function applyEntrypoint(config: ContainerConfig, change: CommandChange, cmdSet: boolean): ContainerConfig {
  const entrypoint = change.args.length === 0 ? null : commandLine(change, config);
  const result: ContainerConfig = { ...withoutArgsEscaped(config), Entrypoint: entrypoint };
  return cmdSet ? result : { ...result, Cmd: null };
}

function expandPair(pair: { key: string; value: string }, env: Env): [string, string] {
  return [processWord(pair.key, env).text, processWord(pair.value, env).text];
}

/** Docker's dispatchEnv: replaces the variable in place when it exists, appends it otherwise. */
function setEnv(env: readonly string[], [key, value]: [string, string]): string[] {
  const entry = `${key}=${value}`;
  const index = env.findIndex((existing) => existing.split('=', 1)[0] === key);
  return index < 0 ? [...env, entry] : env.with(index, entry);
}

// Built with fromEntries rather than assignment, so that a key such as `__proto__` stays a key.
function withKeys(existing: KeySet | undefined, keys: readonly string[]): KeySet {
  const added: [string, Record<string, never>][] = keys.map((key) => [key, {}]);
  return Object.fromEntries([...Object.entries(existing ?? {}), ...added]);
}

function volumePaths(items: readonly string[], env: Env): string[] {
  const paths = items.map((item) => processWord(item, env).text);
  if (paths.includes('')) throw problem('VOLUME specified can not be an empty string');
  return paths;
}

// Only EXPOSE splits a word into several after substitution: `EXPOSE $PORTS` with PORTS="80 443".
function exposedPorts(items: readonly string[], env: Env): string[] {
  return items.flatMap((item) => processWord(item, env).words).flatMap(portKeys);
}

/**
 * go-connections' ParsePortSpec, keeping only the container side: `80`, `53/udp`, `8000-8002`,
 * and even `[ip:][hostPort:]port[/proto]`, which Docker accepts in EXPOSE and ignores the host part of.
 */
function portKeys(spec: string): string[] {
  const parts = spec.split(':');
  const container = parts.pop() ?? '';
  const hostPort = parts.pop() ?? '';
  const slash = container.indexOf('/');
  const port = slash < 0 ? container : container.slice(0, slash);
  const proto = (slash < 0 ? '' : container.slice(slash + 1)).toLowerCase() || 'tcp';
  if (port === '') throw problem(`no port specified: ${spec}<empty>`);
  if (!['tcp', 'udp', 'sctp'].includes(proto)) throw problem(`invalid proto: ${proto}; use tcp, udp or sctp`);
  checkHostIp(parts.join(':'));
  const range = parsePortRange(port);
  if (!range) throw problem(`invalid containerPort: ${port}; use a port from 0 to 65535 or a range such as 8000-8010`);
  checkHostPort(hostPort, port, range);
  const [start, end] = range;
  return Array.from({ length: end - start + 1 }, (_, offset) => `${start + offset}/${proto}`);
}

function checkHostIp(ip: string): void {
  if (ip === '') return;
  const bare = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  if (isIP(bare) === 0) throw problem(`invalid IP address: ${ip}`);
}

function checkHostPort(hostPort: string, port: string, [start, end]: [number, number]): void {
  if (hostPort === '') return;
  const hostRange = parsePortRange(hostPort);
  if (!hostRange) throw problem(`invalid hostPort: ${hostPort}`);
  // A host range is allowed for a single container port: Docker picks a host port from it.
  if (end - start !== hostRange[1] - hostRange[0] && end !== start) {
    throw problem(`invalid ranges specified for container and host Ports: ${port} and ${hostPort}`);
  }
}

function parsePortRange(text: string): [number, number] | undefined {
  const dash = text.indexOf('-');
  const start = parsePortNumber(dash < 0 ? text : text.slice(0, dash));
  if (start === undefined) return undefined;
  if (dash < 0) return [start, start];
  const end = parsePortNumber(text.slice(dash + 1));
  return end === undefined || end < start ? undefined : [start, end];
}

function parsePortNumber(text: string): number | undefined {
  if (!/^\d+$/.test(text)) return undefined;
  const port = Number(text);
  return port <= 65535 ? port : undefined;
}

// Docker's normalizeWorkdir: a relative WORKDIR continues from the current one (from / when
// there is none); either way the path is cleaned as Go's filepath.Clean does.
function resolveWorkdir(current: string, requested: string): string {
  if (requested === '') throw problem('WORKDIR needs a path, and this one expands to an empty string');
  const joined = requested.startsWith('/') ? requested : `/${current}/${requested}`;
  const cleaned = posix.normalize(joined);
  return cleaned.length > 1 && cleaned.endsWith('/') ? cleaned.slice(0, -1) : cleaned;
}

// moby/sys/signal's ParseSignal with the Linux table: any non-zero number, or a name with or
// without SIG, in any case. Docker stores the text as given, and so does Stevedore.
function checkSignal(signal: string): string {
  const valid = /^[+-]?\d+$/.test(signal) ? isNonZeroInteger(Number(signal)) : LINUX_SIGNALS.has(signal.toUpperCase().replace(/^SIG/, ''));
  if (!valid) throw problem(`invalid signal: ${signal}; use a name such as SIGTERM or a signal number`);
  return signal;
}

// Go's Atoi fails past 64 bits; past 2^53 the difference does not matter for a signal.
function isNonZeroInteger(value: number): boolean {
  return Number.isSafeInteger(value) && value !== 0;
}

const LINUX_SIGNALS: ReadonlySet<string> = new Set([
  ...['ABRT', 'ALRM', 'BUS', 'CHLD', 'CLD', 'CONT', 'FPE', 'HUP', 'ILL', 'INT', 'IO', 'IOT', 'KILL', 'PIPE', 'POLL', 'PROF', 'PWR'],
  ...['QUIT', 'SEGV', 'STKFLT', 'STOP', 'SYS', 'TERM', 'TRAP', 'TSTP', 'TTIN', 'TTOU', 'URG', 'USR1', 'USR2', 'VTALRM', 'WINCH', 'XCPU', 'XFSZ'],
  'RTMIN',
  ...Array.from({ length: 15 }, (_, i) => `RTMIN+${i + 1}`),
  ...Array.from({ length: 14 }, (_, i) => `RTMAX-${i + 1}`),
  'RTMAX',
]);

// ---------------------------------------------------------------------------------------------
// Words: BuildKit's shell lexer (frontend/dockerfile/shell). A word is read into parts once, then
// expanded against an Env: quotes and escapes removed, `$NAME` / `${NAME…}` substituted.

/**
 * `text` is literal; it `splits` into words at spaces only when it was neither quoted nor
 * escaped. `quoted` is a "…" string, never split. Variables split (the only multi-word source).
 */
type WordPart =
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

interface Expansion {
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
function processWord(word: string, env: Env): Expansion {
  return inWord(word, () => expandWord(lex(word), env));
}

function inWord<T>(word: string, work: () => T): T {
  try {
    return work();
  } catch (err) {
    if (err instanceof ChangeProblem) throw problem(`failed to process ${JSON.stringify(word)}: ${err.message}`);
    throw err;
  }
}

function lex(word: string): readonly WordPart[] {
  return lexUntil({ chars: Array.from(word), pos: 0 }, undefined, false);
}

function referencesVariables(parts: readonly WordPart[]): boolean {
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
    if (err instanceof ChangeProblem && peek(scanner) === undefined) throw problem(missing);
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
