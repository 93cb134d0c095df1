// Dockerfile syntax as BuildKit's parser reads it: parser directives (`# escape=`) at the top,
// comment lines, line continuations with the escape character (comment lines inside a
// continuation are dropped), one instruction per logical line, the keyword case-insensitive, and
// `--name=value` flags before the arguments of the instructions that take them. Words inside the
// arguments are read by shellWords.ts, the lexer `--change` uses too.

import { StevedoreError } from '../errors';
import { parseJsonArray, processWord, splitPlainWords, splitQuotedWords, WordProblem, type Env } from './shellWords';

export interface Instruction {
  /** Upper case: "FROM", "COPY". */
  keyword: string;
  /** Everything after the keyword and its flags, continuations joined, trimmed. */
  args: string;
  /** `--chown=0:0` → { chown: '0:0' }. */
  flags: Record<string, string>;
  /** The instruction as written (continuations joined), for messages and history. */
  original: string;
  /** 1-based line where it starts. */
  line: number;
}

/** Instructions whose leading `--flag=value` words are flags rather than arguments. */
const TAKES_FLAGS = new Set(['FROM', 'COPY', 'ADD', 'RUN', 'HEALTHCHECK']);

export function parseDockerfile(text: string, name = 'Dockerfile'): Instruction[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  let escape = '\\';
  let start = 0;
  // Parser directives: `# key=value` lines before anything else.
  for (; start < lines.length; start++) {
    const directive = /^#\s*([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.*?)\s*$/.exec(lines[start]!);
    if (!directive) break;
    if (directive[1]!.toLowerCase() === 'escape') {
      if (directive[2] !== '\\' && directive[2] !== '`') throw invalid(name, start + 1, `invalid escape character "${directive[2]}": it must be \\ or \``);
      escape = directive[2]!;
    }
  }
  const out: Instruction[] = [];
  let pending: { text: string; line: number } | undefined;
  for (let i = start; i < lines.length; i++) {
    const raw = lines[i]!;
    const trimmed = raw.trim();
    if (trimmed.startsWith('#') || (trimmed === '' && !pending)) continue;
    if (trimmed === '' && pending) continue; // an empty line inside a continuation is skipped, as BuildKit does
    const continues = trimmed.endsWith(escape) && !trimmed.endsWith(escape + escape);
    const piece = continues ? trimmed.slice(0, -1) : trimmed;
    pending = pending ? { text: `${pending.text.trimEnd()} ${piece}`, line: pending.line } : { text: piece, line: i + 1 };
    if (continues) continue;
    out.push(toInstruction(pending.text.trim(), pending.line, name));
    pending = undefined;
  }
  if (pending) out.push(toInstruction(pending.text.trim(), pending.line, name));
  if (out.length === 0) throw new StevedoreError('INVALID_ARGUMENT', `${name} has no instructions.`);
  return out;
}

function toInstruction(text: string, line: number, name: string): Instruction {
  const match = /^(\S+)\s*([\s\S]*)$/.exec(text);
  if (!match) throw invalid(name, line, 'an empty instruction');
  const keyword = match[1]!.toUpperCase();
  if (/<<-?["']?[A-Za-z_]/.test(match[2]!) && (keyword === 'RUN' || keyword === 'COPY' || keyword === 'ADD')) {
    throw new StevedoreError('UNSUPPORTED', `${name} line ${line}: here-documents (<<EOF) are not supported yet.`);
  }
  let args = match[2]!;
  const flags: Record<string, string> = {};
  if (TAKES_FLAGS.has(keyword)) {
    for (;;) {
      const flag = /^--([a-z][a-z-]*)(?:=(\S*))?\s*/.exec(args);
      if (!flag) break;
      flags[flag[1]!] = flag[2] ?? 'true';
      args = args.slice(flag[0].length);
    }
  }
  return { keyword, args: args.trim(), flags, original: text, line };
}

function invalid(name: string, line: number, what: string): StevedoreError {
  return new StevedoreError('INVALID_ARGUMENT', `${name} line ${line}: ${what}.`);
}

/**
 * The exec form's words (`["a", "b"]` → ['a', 'b']), undefined for the shell form; BuildKit's
 * parseJSON, shared with `--change` (shellWords.ts), so a JSON array holding a non-string is an error.
 */
export function jsonArgs(args: string, line: number): string[] | undefined {
  return atLine(line, () => parseJsonArray(args));
}

/**
 * One word of FROM, COPY, ADD or ARG with its quotes and escapes removed and `$VAR`s substituted
 * (unset is empty), by the same shell lexer as `--change` and the metadata instructions.
 */
export function expandWord(word: string, vars: Env, line: number): string {
  return atLine(line, () => processWord(word, vars).text);
}

/** Whitespace-separated arguments (FROM, COPY, ADD), each expanded on its own, as BuildKit does. */
export function plainWords(args: string): string[] {
  return splitPlainWords(args.trim());
}

/** ARG's `NAME[=VALUE]` words, quotes kept for expandWord (BuildKit's parseWords). */
export function quotedWords(args: string): string[] {
  return splitQuotedWords(args);
}

function atLine<T>(line: number, work: () => T): T {
  try {
    return work();
  } catch (err) {
    if (err instanceof WordProblem) throw new StevedoreError('INVALID_ARGUMENT', `Dockerfile line ${line}: ${err.message}.`);
    throw err;
  }
}
