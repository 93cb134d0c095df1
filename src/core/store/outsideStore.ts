// A file the user names for output (`save -o`, the extension's Save dialog) must not be in the
// store: renaming an archive over index.json or a blob destroys images. Both paths are compared
// after resolving symlinks, also for a file that does not exist yet (its nearest existing folder
// is resolved), so a link into the store or a not-yet-created name in a store subfolder is caught.

import { realpath } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { StevedoreError } from '../errors';

/** Throws INVALID_ARGUMENT when `path` is the store, or anything inside it. */
export async function assertOutsideStore(storeRoot: string, path: string, what = 'the output file'): Promise<void> {
  const root = await resolveExisting(storeRoot);
  // realpath follows an existing target that is a symlink as well as every folder above it.
  if (isInside(root, await resolveExisting(path))) {
    throw new StevedoreError(
      'INVALID_ARGUMENT',
      `${what} ${JSON.stringify(path)} is inside the image store (${storeRoot}); writing it there would damage the store. Choose a path outside the store.`,
    );
  }
}

function isInside(root: string, candidate: string): boolean {
  const rel = relative(root, candidate);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** realpath of the nearest existing ancestor, with the rest of the path appended unchanged. */
async function resolveExisting(path: string): Promise<string> {
  let current = resolve(path);
  const rest: string[] = [];
  for (;;) {
    const real = await realpath(current).catch(() => null);
    if (real !== null) return join(real, ...rest.reverse());
    const parent = dirname(current);
    if (parent === current) return resolve(path);
    rest.push(basename(current));
    current = parent;
  }
}
