// The registry bundle (dist/cliRegistry.js): the CLI with `pull` and `push` as its only commands,
// which the launcher runs for their words (bundleChoice.ts). The same runCli and command code as
// the full bundle, so it prints the same; only the code of other commands is left out.

import { pullEntry, pushEntry } from './registryEntries';
import { startCli } from './startCli';

startCli({ table: [pullEntry, pushEntry], groups: [] });
