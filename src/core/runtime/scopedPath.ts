// Paths inside a container's root filesystem, resolved as the container would see them: symbolic
// links in the leading components are followed relative to the root (an absolute target means the
// container's root, `..` stops at it), so that a hostile layer with `etc -> /etc` writes into the
// container's /etc and never the host's. The last component is not followed: the caller replaces
// or creates it. This is what Docker's chroot-ed unpack and Go's securejoin give.

import { lstat, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { StevedoreError } from '../errors';

/** Linux's own limit on links followed in one lookup. */
const MAX_LINKS = 40;

/**
 * The host path of `relPath` (a cleaned path relative to the root, no leading slash) with its parent
 * components resolved inside `root`. Missing components are kept as named: the caller creates them.
 */
export async function scopedPath(root: string, relPath: string): Promise<string> {
  const parts = relPath.split('/').filter((p) => p !== '' && p !== '.');
  const last = parts.pop();
  const parent = await resolveParents(root, parts);
  return last === undefined ? join(root, ...parent) : join(root, ...parent, last);
}

/** The host path of `relPath` with every component, the last one too, resolved inside `root` (Docker's FollowSymlinkInScope). */
export async function resolvedInRoot(root: string, relPath: string): Promise<string> {
  return join(root, ...(await resolveParents(root, relPath.split('/'))));
}

/** Resolves every component of `parts`, following links inside the root; returns the real components. */
async function resolveParents(root: string, parts: string[]): Promise<string[]> {
  const resolved: string[] = [];
  const pending = [...parts].reverse();
  let links = 0;
  while (pending.length > 0) {
    const part = pending.pop()!;
    if (part === '' || part === '.') continue;
    if (part === '..') {
      resolved.pop();
      continue;
    }
    const host = join(root, ...resolved, part);
    const info = await lstat(host).catch(() => null);
    if (info?.isSymbolicLink()) {
      if (++links > MAX_LINKS) throw new StevedoreError('INVALID_ARCHIVE', `Too many symbolic links under /${[...resolved, part].join('/')} in the container's root filesystem.`);
      const target = await readlink(host);
      if (target.startsWith('/')) resolved.length = 0;
      pending.push(...target.split('/').reverse());
      continue;
    }
    resolved.push(part);
  }
  return resolved;
}
