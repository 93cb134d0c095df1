// The `stevedore` command line: Docker's verbs, flags and output over Stevedore's core. Bundled to
// dist/cliMain.js and run by the launcher (launcher.ts, dist/cli.js), which sets V8's flags first.
// `images` runs from a bundle of its own (mainImages.ts, bundleChoice.ts), `pull` and `push` from
// another (mainRegistry.ts).

import { commandGroups, commandTable } from './commandTable';
import { startCli } from './startCli';

startCli({ table: commandTable, groups: commandGroups });
