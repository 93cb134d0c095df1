// The help texts, shaped like the Docker CLI's (cobra's templates): the main help, a management
// group's list of commands (`stevedore image`), and one command's usage and flags.

import { formatFlagHelp } from './args';
import type { Command } from './command';
import type { CommandEntry, CommandGroup } from './commandTable';

/** cobra pads command names to at least this width. */
const MIN_NAME_PADDING = 11;

export function mainHelp(table: readonly CommandEntry[], groups: readonly CommandGroup[]): string {
  // Commands with a word of their own; the rest are listed by their group (`stevedore image`).
  const rows = visible(table).flatMap((c) => c.names.filter((n) => n.length === 1).slice(0, 1).map((n) => [n[0]!, c.summary] as const));
  const groupRows = groups.map((g) => [g.name, g.summary] as const);
  return `
Usage:  stevedore [--store DIR] [-D] COMMAND

Manage container images without a Docker daemon.

Global options:
  --store DIR   Image store to use (default: $STEVEDORE_STORE, else $XDG_DATA_HOME/stevedore)
  -D, --debug   Print error details

Management Commands:
${columns(groupRows)}

Commands:
${columns(rows)}

Run 'stevedore COMMAND --help' for more information on a command.
`;
}

/** `docker image` alone: Usage, the group's summary and its commands by their word in the group. */
export function groupHelp(group: CommandGroup, table: readonly CommandEntry[]): string {
  const rows = groupCommands(group.name, table).map(({ word, entry }) => [word, entry.summary] as const);
  return `Usage:  stevedore ${group.name} COMMAND

${group.summary}

Commands:
${columns(rows)}

Run 'stevedore ${group.name} COMMAND --help' for more information on a command.
`;
}

/** The commands under a group, each by the first of its names in that group, sorted as cobra sorts. */
export function groupCommands(group: string, table: readonly CommandEntry[]): { word: string; entry: CommandEntry }[] {
  const found: { word: string; entry: CommandEntry }[] = [];
  for (const entry of visible(table)) {
    const words = entry.names.find((n) => n.length === 2 && n[0] === group);
    if (words) found.push({ word: words[1]!, entry });
  }
  return found.sort((a, b) => (a.word < b.word ? -1 : a.word > b.word ? 1 : 0));
}

export function commandHelp(entry: CommandEntry, command: Command): string {
  const flags = formatFlagHelp(command.flags);
  const aliases = entry.names.slice(1).map((w) => `stevedore ${w.join(' ')}`);
  return `\nUsage:  ${command.usage}\n\n${entry.summary}\n${aliases.length ? `\nAliases:\n  ${aliases.join(', ')}\n` : ''}${flags ? `\nOptions:\n${flags}\n` : ''}`;
}

function visible(table: readonly CommandEntry[]): CommandEntry[] {
  return table.filter((c) => !c.hidden);
}

function columns(rows: readonly (readonly [string, string])[]): string {
  const width = Math.max(MIN_NAME_PADDING, ...rows.map(([n]) => n.length));
  return rows.map(([n, s]) => `  ${n.padEnd(width)} ${s}`).join('\n');
}
