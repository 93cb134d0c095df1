// The one list of CLI commands.

import type { Command } from './command';
import { buildCommand } from './commands/build';
import { commitCommand } from './commands/commit';
import { historyCommand } from './commands/history';
import { imagePruneCommand } from './commands/imagePrune';
import { imagesCommand } from './commands/images';
import { importCommand } from './commands/import';
import { inspectCommand } from './commands/inspect';
import { loginCommand } from './commands/login';
import { logoutCommand } from './commands/logout';
import { efficiencyCommand } from './commands/efficiency';
import { layersCommand } from './commands/layers';
import { verifyCommand } from './commands/verify';
import { loadCommand } from './commands/load';
import { pullCommand } from './commands/pull';
import { pushCommand } from './commands/push';
import { rmiCommand } from './commands/rmi';
import { saveCommand } from './commands/save';
import { searchCommand } from './commands/search';
import { systemCheckCommand } from './commands/systemCheck';
import { tagCommand } from './commands/tag';
import { tagsCommand } from './commands/tags';

export const commandTable: readonly Command[] = [
  imagesCommand,
  tagCommand,
  rmiCommand,
  imagePruneCommand,
  inspectCommand,
  historyCommand,
  layersCommand,
  verifyCommand,
  efficiencyCommand,
  importCommand,
  systemCheckCommand,
  saveCommand,
  loadCommand,
  commitCommand,
  buildCommand,
  pullCommand,
  pushCommand,
  loginCommand,
  logoutCommand,
  searchCommand,
  tagsCommand,
];
