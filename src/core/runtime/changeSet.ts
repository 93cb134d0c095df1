// A container's changes against the tree its root filesystem started from (treeState.ts), in
// Docker's terms: A added, C changed, D deleted. As in moby's changes.go, a path changed when its
// mode, owner, device, modification time, (for non-folders) size or kept extended attributes
// differ (moby compares only file capabilities; buildah's layers keep user.* too, and so do these); a folder holding any
// change is itself listed as changed (so that its owner and mode travel in the layer); a deleted
// folder is one D, not one per child; and the order is the tree's (a folder before what it holds).

import { join } from 'node:path';
import { throwIfAborted } from '../errors';
import { sameXattrs, type XattrValues } from './fileXattrs';
import { byteOrder, readTree, S_IFDIR, S_IFMT, type NodeState, type TreeState } from './treeState';

export type ChangeKind = 'A' | 'C' | 'D';

export interface Change {
  kind: ChangeKind;
  /** Relative to the root, no leading slash. */
  path: string;
  /** An added or changed path's kept extended attributes, which its layer entry carries. */
  xattrs?: XattrValues;
}

export async function computeChanges(root: string, base: TreeState, signal?: AbortSignal): Promise<Change[]> {
  const now = await readTree(root, signal);
  throwIfAborted(signal);
  return diffTrees(base, now);
}

export function diffTrees(base: TreeState, now: TreeState): Change[] {
  const changes: Change[] = [];
  const childrenOf = (tree: TreeState): Map<string, string[]> => {
    const map = new Map<string, string[]>();
    for (const path of tree.keys()) {
      const slash = path.lastIndexOf('/');
      const parent = slash < 0 ? '' : path.slice(0, slash);
      let list = map.get(parent);
      if (!list) map.set(parent, (list = []));
      list.push(path);
    }
    return map;
  };
  const baseChildren = childrenOf(base);
  const nowChildren = childrenOf(now);

  const visit = (dir: string, dirAdded: boolean): void => {
    const names = new Set([...(baseChildren.get(dir) ?? []), ...(nowChildren.get(dir) ?? [])]);
    for (const path of [...names].sort(byteOrder)) {
      const before = base.get(path);
      const after = now.get(path);
      if (!after) {
        changes.push({ kind: 'D', path });
        continue;
      }
      const isDir = (after.mode & S_IFMT) === S_IFDIR;
      const xattrs = after.xattrs ? { xattrs: after.xattrs } : {};
      if (!before || dirAdded) {
        changes.push({ kind: 'A', path, ...xattrs });
        if (isDir) visit(path, true);
        continue;
      }
      const at = changes.length;
      const differs = changed(before, after);
      if (differs) changes.push({ kind: 'C', path, ...xattrs });
      if (isDir) {
        visit(path, false);
        if (!differs && changes.length > at) changes.splice(at, 0, { kind: 'C', path, ...xattrs });
      }
    }
  };
  visit('', false);
  return changes;
}

function changed(a: NodeState, b: NodeState): boolean {
  if (a.mode !== b.mode || a.uid !== b.uid || a.gid !== b.gid || a.rdev !== b.rdev || a.mtime !== b.mtime) return true;
  if ((a.mode & S_IFMT) !== S_IFDIR && a.size !== b.size) return true;
  return a.link !== b.link || !sameXattrs(a.xattrs, b.xattrs);
}

/** Host path of a change. */
export function hostPathOf(root: string, change: Change): string {
  return join(root, change.path);
}
