// The one list of CLI commands.

import type { Command } from './command';
import { historyCommand } from './commands/history';
import { imagePruneCommand } from './commands/imagePrune';
import { imagesCommand } from './commands/images';
import { importCommand } from './commands/import';
import { inspectCommand } from './commands/inspect';
import { rmiCommand } from './commands/rmi';
import { systemCheckCommand } from './commands/systemCheck';
import { tagCommand } from './commands/tag';

export const commandTable: readonly Command[] = [
  imagesCommand,
  tagCommand,
  rmiCommand,
  imagePruneCommand,
  inspectCommand,
  historyCommand,
  importCommand,
  systemCheckCommand,
];
