// What `stevedore __complete` answers: the words that may come next on a command line. The
// completion scripts (completionScripts.ts) pass the words typed so far and show the answer, so
// commands, flags and aliases are known in one place, the command table, and never drift.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FlagSpec } from './args';
import type { CommandEntry, CommandGroup } from './commandTable';
import { REF_NAME_ANNOTATION } from '../core/image/types';
import { familiarString, tryParseReference } from '../core/reference/reference';
import { defaultStorePath } from '../core/store/layout';

/** Printed alone when the shell should complete file names instead. */
export const FILES_DIRECTIVE = ':files';

const GLOBAL_FLAGS = ['--store', '--debug', '-D', '--help'];

export interface CompletionSource {
  table: readonly CommandEntry[];
  groups: readonly CommandGroup[];
  env: NodeJS.ProcessEnv;
}

/**
 * Candidates for the last of `words` (the words after `stevedore`, the last one being typed,
 * possibly empty), those starting with it, in order.
 */
export async function completeWords(words: readonly string[], source: CompletionSource): Promise<string[]> {
  const current = words[words.length - 1] ?? '';
  const before = words.slice(0, -1);
  let store: string | undefined;
  const positional: string[] = [];
  let previousTakesValue = false;
  let entry: CommandEntry | undefined;
  let flags: readonly FlagSpec[] = [];
  for (let i = 0; i < before.length; i++) {
    const word = before[i]!;
    if (word === '--store') {
      store = before[++i];
      continue;
    }
    if (word.startsWith('--store=')) {
      store = word.slice('--store='.length);
      continue;
    }
    if (word.startsWith('-')) {
      previousTakesValue = takesValue(word, flags);
      continue;
    }
    if (previousTakesValue) {
      previousTakesValue = false;
      continue;
    }
    positional.push(word);
    if (!entry) {
      entry = findEntry(positional, source.table);
      if (entry) flags = (await entry.load()).flags;
    }
  }
  // A flag's value: file names, as cobra offers by default (-i/-o take files; others ignore them).
  if (before[before.length - 1] === '--store' || previousTakesValue) return [FILES_DIRECTIVE];
  const matching = (candidates: readonly string[]): string[] => [...new Set(candidates)].filter((c) => c.startsWith(current));

  if (!entry) {
    if (current.startsWith('-')) return matching(GLOBAL_FLAGS);
    const group = positional.length === 1 ? source.groups.find((g) => g.name === positional[0]) : undefined;
    // Each command by its first name in the group, as `stevedore image` lists them.
    if (group) return matching(visible(source.table).flatMap((e) => e.names.filter((n) => n.length === 2 && n[0] === group.name).slice(0, 1).map((n) => n[1]!)));
    if (positional.length > 0) return [];
    return matching([...visible(source.table).flatMap((e) => e.names.filter((n) => n.length === 1).map((n) => n[0]!)), ...source.groups.map((g) => g.name)]);
  }
  if (current.startsWith('-')) {
    return matching(flags.filter((f) => !f.hidden).flatMap((f) => [`--${f.name}`, ...(f.short ? [`-${f.short}`] : [])]).concat('--help'));
  }
  if (entry.completes === 'files') return [FILES_DIRECTIVE];
  if (entry.completes === 'images') return matching(await storeReferences(defaultStorePath(source.env, store)));
  return [];
}

function visible(table: readonly CommandEntry[]): CommandEntry[] {
  return table.filter((e) => !e.hidden);
}

/** The entry the leading positional words select, when they select one exactly. */
function findEntry(positional: readonly string[], table: readonly CommandEntry[]): CommandEntry | undefined {
  return table.find((e) => e.names.some((n) => n.length === positional.length && n.every((w, i) => w === positional[i])));
}

/** Whether a flag word (`--format`, `-f`, not `--format=x`) is followed by its value. */
function takesValue(word: string, flags: readonly FlagSpec[]): boolean {
  if (word.includes('=')) return false;
  const spec = word.startsWith('--') ? flags.find((f) => f.name === word.slice(2)) : flags.find((f) => f.short === word.slice(-1));
  return spec !== undefined && spec.kind !== 'bool';
}

/**
 * The references in the store as users type them (redis:latest, localhost:5000/app:1), read from
 * index.json only; a store that does not exist yet gives none and is not created.
 */
export async function storeReferences(storePath: string): Promise<string[]> {
  let index: { manifests?: { annotations?: Record<string, string> }[] };
  try {
    index = JSON.parse(await readFile(join(storePath, 'index.json'), 'utf8')) as typeof index;
  } catch {
    return [];
  }
  const refs: string[] = [];
  for (const entry of Array.isArray(index.manifests) ? index.manifests : []) {
    const name = entry?.annotations?.[REF_NAME_ANNOTATION];
    const ref = typeof name === 'string' ? tryParseReference(name) : null;
    if (ref && ref.tag !== undefined) refs.push(familiarString(ref));
  }
  return refs.sort();
}
