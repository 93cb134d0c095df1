// Where engine images are read into for layers and verify (engineImageCache.ts). Its own module so
// that naming the folder, as every CLI command's context does, does not load the archive loader.

import { join } from 'node:path';
import { userCacheDir } from '../userCacheDir';

export function engineCachePath(env: NodeJS.ProcessEnv): string {
  return join(userCacheDir(env), 'stevedore', 'engine-images');
}
