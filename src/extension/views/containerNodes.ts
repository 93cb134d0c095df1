// The Containers view's items: a container (name, image, status, created), and below it, when
// expanded, its changes (`diff`) as a folder tree with Docker's A/C/D marks. The tree is built
// from the flat list of changes: a folder that holds a change but is not one itself is shown
// without a mark, so every change is reachable by its path.

import type { Change, ChangeKind } from '../../core/runtime/changeSet';
import type { ContainerRecord } from '../../core/runtime/containerRecord';
import type { ContainerState } from '../../core/runtime/containerState';

export interface ContainerNode {
  kind: 'container';
  id: string;
  record: ContainerRecord;
  state: ContainerState;
}

export interface ContainerChangeNode {
  kind: 'containerChange';
  id: string;
  containerId: string;
  /** Relative to the root, no leading slash. */
  path: string;
  name: string;
  /** None for a folder shown only because it holds changes. */
  mark?: ChangeKind;
  children: ContainerChangeNode[];
}

export interface ContainersMessageNode {
  kind: 'containersMessage';
  id: string;
  message: string;
}

export type ContainersTreeNode = ContainerNode | ContainerChangeNode | ContainersMessageNode;

/** The changes as a tree, in the order they came (a folder before what it holds). */
export function changeTree(containerId: string, changes: readonly Change[]): ContainerChangeNode[] {
  const roots: ContainerChangeNode[] = [];
  const byPath = new Map<string, ContainerChangeNode>();
  const nodeFor = (path: string): ContainerChangeNode => {
    const known = byPath.get(path);
    if (known) return known;
    const slash = path.lastIndexOf('/');
    const node: ContainerChangeNode = { kind: 'containerChange', id: `${containerId}:/${path}`, containerId, path, name: path.slice(slash + 1), children: [] };
    byPath.set(path, node);
    (slash < 0 ? roots : nodeFor(path.slice(0, slash)).children).push(node);
    return node;
  };
  for (const change of changes) nodeFor(change.path).mark = change.kind;
  return roots;
}

export const CHANGE_WORDS: Record<ChangeKind, string> = { A: 'Added', C: 'Changed', D: 'Deleted' };
