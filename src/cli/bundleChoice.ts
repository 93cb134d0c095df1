// Which of the CLI's bundles runs a command line. `images` is what a user runs most and waits on:
// it has a bundle of its own (dist/cliImages.js, from mainImages.ts) that holds only its code, so
// V8 reads and keeps a few hundred KB instead of the full CLI's 3 MB (registry, trust, build,
// runtime). `pull` and `push` have one too (dist/cliRegistry.js, from mainRegistry.ts): without
// build, runtime, archives and the other commands it is 0.6 MB against the full bundle's 1.2 MB,
// and a no-op pull's code cache ~25% smaller: ~2.5 ms of its CPU. Everything else runs
// the full bundle (dist/cliMain.js). Imports only what imports nothing: the launcher loads this
// before any bundle.

import { extractGlobalFlags } from './globalFlags';

/** The words that select `images` (its entry in the command table uses these). */
export const IMAGES_NAMES: readonly (readonly string[])[] = [['images'], ['image', 'ls'], ['image', 'list']];

/** The words that select `pull` and `push` (their entries in the command table use these). */
export const PULL_NAMES: readonly (readonly string[])[] = [['pull'], ['image', 'pull']];
export const PUSH_NAMES: readonly (readonly string[])[] = [['push'], ['image', 'push']];

export type BundleName = 'cliImages' | 'cliRegistry' | 'cliMain';

const OWN_BUNDLES: readonly [BundleName, readonly (readonly string[])[]][] = [
  ['cliImages', IMAGES_NAMES],
  ['cliRegistry', [...PULL_NAMES, ...PUSH_NAMES]],
];

/** The bundle that runs `argv` (the arguments after the program): a command's own bundle only for exactly its words. */
export function bundleFor(argv: readonly string[]): BundleName {
  const { rest } = extractGlobalFlags(argv);
  // Longest match wins in runCli (`image ls` over `image`), and no other command begins with these words.
  for (const [bundle, names] of OWN_BUNDLES) if (names.some((words) => words.every((w, i) => rest[i] === w))) return bundle;
  return 'cliMain';
}
