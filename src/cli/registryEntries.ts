// The command table's entries for `pull` and `push`, on their own: the registry bundle
// (mainRegistry.ts) runs with these alone, without the table that would bring every command's code
// into it.

import { PULL_NAMES, PUSH_NAMES } from './bundleChoice';
import type { CommandEntry } from './commandTable';

export const pullEntry: CommandEntry = {
  names: PULL_NAMES.map((words) => [...words]),
  summary: 'Download an image from a registry',
  exitWhenDone: true,
  load: async () => (await import('./commands/pull')).pullCommand,
};

export const pushEntry: CommandEntry = {
  names: PUSH_NAMES.map((words) => [...words]),
  summary: 'Upload an image to a registry',
  completes: 'images',
  exitWhenDone: true,
  load: async () => (await import('./commands/push')).pushCommand,
};
