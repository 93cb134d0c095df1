// The images bundle (dist/cliImages.js): the CLI with `images` as its only command, which the
// launcher runs for `images`, `image ls` and `image list` (bundleChoice.ts). The same runCli and
// command code as the full bundle, so it prints the same; only the code of other commands is left out.

import { imagesEntry } from './imagesEntry';
import { startCli } from './startCli';

startCli({ table: [imagesEntry], groups: [] });
