// A container's changes from its overlay upper folder instead of a walk of the whole tree: only
// what the container touched is there. A 0/0 character device is the kernel's whiteout (deleted);
// anything else is looked at as the mounted tree shows it and compared with the starting tree;
// a folder the container recreated (the kernel marks it opaque) hides everything below it, so the
// starting tree's children of each upper folder that the mounted tree no longer has are deleted.
// The result is the tree diffTrees compares, so the A/C/D rules are the vfs ones exactly. What
// the upper folder holds has the attributes the container sees (copy-up copies them; overlayfs's
// own are not kept), so one getfattr over it gives the attributes of everything touched.

import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { throwIfAborted } from '../errors';
import { diffTrees, type Change } from './changeSet';
import { xattrsBelow } from './fileXattrs';
import { S_IFDIR, S_IFMT, stateOf, type TreeState } from './treeState';

export async function overlayChanges(upper: string, merged: string, base: TreeState, signal?: AbortSignal): Promise<Change[]> {
  const now: TreeState = new Map(base);
  const baseChildren = new Map<string, string[]>();
  for (const path of base.keys()) {
    const slash = path.lastIndexOf('/');
    const parent = slash < 0 ? '' : path.slice(0, slash);
    let list = baseChildren.get(parent);
    if (!list) baseChildren.set(parent, (list = []));
    list.push(path);
  }
  const drop = (path: string): void => {
    now.delete(path);
    const prefix = `${path}/`;
    for (const key of now.keys()) if (key.startsWith(prefix)) now.delete(key);
  };
  const hiddenChildren = async (dir: string, present: Set<string>): Promise<void> => {
    for (const child of baseChildren.get(dir) ?? []) {
      if (present.has(child)) continue;
      if (!(await lstat(join(merged, child)).catch(() => null))) drop(child);
    }
  };
  const xattrs = await xattrsBelow(upper, signal);
  const walk = async (rel: string): Promise<void> => {
    const names = await readdir(rel ? join(upper, rel) : upper);
    const present = new Set<string>();
    for (const name of names) {
      throwIfAborted(signal);
      const childRel = rel ? `${rel}/${name}` : name;
      present.add(childRel);
      const info = await lstat(join(upper, childRel));
      if (info.isCharacterDevice() && info.rdev === 0) {
        drop(childRel);
        continue;
      }
      const state = await stateOf(join(merged, childRel));
      const values = xattrs.get(childRel);
      if (values) state.xattrs = values;
      if (!base.has(childRel) || ((base.get(childRel)!.mode & S_IFMT) === S_IFDIR) !== info.isDirectory()) drop(childRel);
      now.set(childRel, state);
      if (info.isDirectory()) await walk(childRel);
    }
    await hiddenChildren(rel, present);
  };
  await walk('');
  return diffTrees(base, now);
}
