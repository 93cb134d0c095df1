// The user's cache folder as the XDG base directory spec names it: $XDG_CACHE_HOME when it is an
// absolute path, else ~/.cache (Node's homedir() follows $HOME). Everything Stevedore can rebuild
// lives in `stevedore/` below it.

import { homedir } from 'node:os';
import { join } from 'node:path';

export function userCacheDir(env: NodeJS.ProcessEnv): string {
  return env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.startsWith('/') ? env.XDG_CACHE_HOME : join(homedir(), '.cache');
}
