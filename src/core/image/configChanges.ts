// The `-c/--change` instructions of `stevedore import` and `stevedore commit`: the Dockerfile
// subset that `docker import --change` and `docker commit --change` accept, parsed and applied
// the way the Docker daemon does it. There, BuildFromConfig parses the changes with BuildKit's
// Dockerfile parser and runs the classic builder's dispatchers over a copy of the config, so the
// rules below (word splitting, quotes, `$VAR` substitution — the lexer in dockerfile/shellWords.ts,
// shared with the build —, what resets what) are theirs, and
// messages keep Docker's wording where it has one. Linux semantics only: for Windows images
// Docker uses a `cmd /S /C` shell and sets ArgsEscaped, which Stevedore does not reproduce.

import { isIP } from 'node:net';
import { posix } from 'node:path';
import { StevedoreError } from '../errors';
import type { ContainerConfig } from './types';
import { inWord, lex, parseJsonArray, processWord, referencesVariables, SEPARATOR, splitPlainWords, splitQuotedWords, trimSpace, WordProblem, type Env } from '../dockerfile/shellWords';

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

// What is wrong with a change, before it is tied to the change's text: the words' own problems
// (shellWords.ts) and the instruction's.
function problem(message: string): WordProblem {
  return new WordProblem(message);
}

function asInvalidChange(original: string, err: unknown): unknown {
  if (!(err instanceof WordProblem)) return err;
  return new StevedoreError('INVALID_CHANGE', `Invalid change "${original}": ${err.message}.`, { detail: { change: original } });
}

// ---------------------------------------------------------------------------------------------
// Parsing one line, as BuildKit's parser and instruction parsers do

const INSTRUCTIONS: readonly ChangeInstruction[] = ['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'LABEL', 'ONBUILD', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR'];

// A trailing escape continues the line in a Dockerfile; on a lone line Docker just drops it.
const CONTINUATION = /\\[ \t]*$/;

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

// Docker accepts a bare CMD (it becomes `/bin/sh -c` with no script) and a bare ENTRYPOINT (it
// clears the entrypoint). Both are far more likely a mistake than a wish, so Stevedore asks for
// the explicit `[]`, which clears the value in Docker too.
function parseCommand(instruction: 'CMD' | 'ENTRYPOINT', original: string, args: string): CommandChange {
  if (args === '') throw problem(`${instruction} requires at least one argument; use ${instruction} [] to clear it`);
  const exec = parseJsonArray(args);
  return exec ? { instruction, original, form: 'exec', args: exec } : { instruction, original, form: 'shell', args: [args] };
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

