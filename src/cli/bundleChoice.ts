// Which of the CLI's two bundles runs a command line. `images` is what a user runs most and waits
// on: it has a bundle of its own (dist/cliImages.js, from mainImages.ts) that holds only its code,
// so V8 reads and keeps a few hundred KB instead of the full CLI's 3 MB (registry, trust, build,
// runtime). Everything else runs the full bundle (dist/cliMain.js). Imports only what imports
// nothing: the launcher loads this before either bundle.

import { extractGlobalFlags } from './globalFlags';

/** The words that select `images` (its entry in the command table uses these). */
export const IMAGES_NAMES: readonly (readonly string[])[] = [['images'], ['image', 'ls'], ['image', 'list']];

export type BundleName = 'cliImages' | 'cliMain';

/** The bundle that runs `argv` (the arguments after the program): the images bundle only for exactly its words. */
export function bundleFor(argv: readonly string[]): BundleName {
  const { rest } = extractGlobalFlags(argv);
  // Longest match wins in runCli (`image ls` over `image`), and no other command begins with these words.
  return IMAGES_NAMES.some((words) => words.every((w, i) => rest[i] === w)) ? 'cliImages' : 'cliMain';
}
