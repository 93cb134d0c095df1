// Turns the state of a layer stack, right after a layer was applied, into the compact trees the
// inspector shows: the layer's own tree (what it adds, modifies and deletes, with the directories
// leading there), or the merged filesystem after it (with that layer's changes marked, and what it
// deleted still shown as deleted nodes).

import { ChangeStatus, NodeFlag, NodeType, TREE_FORMAT, type CompactTree } from './compactTree';
import { TRANSIENT, type LayerStack } from './layerStack';

export function buildLayerTree(stack: LayerStack): CompactTree {
  const include = new Uint8Array(stack.table.size);
  for (let t = 0; t < stack.touchedCount; t++) {
    const id = stack.touched[t]!;
    if (stack.statusOf(id) !== TRANSIENT) includeWithAncestors(stack, include, id);
  }
  return emit(stack, include, 'layer');
}

export function buildMergedTree(stack: LayerStack): CompactTree {
  const include = new Uint8Array(stack.table.size);
  for (let id = 0; id < stack.table.size; id++) if (stack.present[id] === 1) include[id] = 1;
  // What the layer deleted stays visible, marked, so the merged view shows the deletions too.
  for (let t = 0; t < stack.touchedCount; t++) {
    const id = stack.touched[t]!;
    if (stack.statusOf(id) === ChangeStatus.deleted) includeWithAncestors(stack, include, id);
  }
  return emit(stack, include, 'merged');
}

function includeWithAncestors(stack: LayerStack, include: Uint8Array, id: number): void {
  for (let a = id; a >= 0 && include[a] === 0; a = stack.table.parent[a]!) include[a] = 1;
  include[0] = 1;
}

function emit(stack: LayerStack, include: Uint8Array, view: CompactTree['view']): CompactTree {
  const { table } = stack;
  const generation = stack.generation;
  const tree: CompactTree = {
    format: TREE_FORMAT,
    view,
    layer: stack.currentLayer,
    count: 0,
    parent: [],
    name: [],
    size: [],
    flags: [],
    mode: [],
    uid: [],
    gid: [],
    source: [],
    links: [],
  };
  include[0] = 1;
  // Depth-first, children by name; explicit stacks, since paths can be deeper than the call stack.
  const ids: number[] = [0];
  const parents: number[] = [-1];
  while (ids.length > 0) {
    const id = ids.pop()!;
    const parentIndex = parents.pop()!;
    const index = tree.count++;
    const status = id === 0 ? ChangeStatus.unmodified : stack.statusOf(id);
    const deleted = status === ChangeStatus.deleted;
    // A deleted node is shown as it was before the layer deleted it. A node that neither exists
    // nor was deleted only leads to a whiteout of something that was never there: a directory.
    const existed = deleted ? stack.beforePresent[id] === 1 : stack.present[id] === 1;
    const kind = deleted ? (existed ? stack.beforeKind[id]! : NodeType.file) : existed ? stack.kind[id]! : NodeType.dir;
    let flags = kind | (Math.max(0, status) << NodeFlag.statusShift);
    if (!deleted && !existed) flags |= NodeFlag.implicit;
    if (id !== 0 && stack.touchedAt[id] === generation) {
      if (stack.listedAt[id] === generation || stack.whiteoutAt[id] === generation) flags |= NodeFlag.listed;
    }
    if ((deleted ? stack.beforeImplicit[id] : stack.implicit[id]) === 1) flags |= NodeFlag.implicit;
    if (stack.opaqueAt[id] === generation) flags |= NodeFlag.opaque;
    tree.parent.push(parentIndex);
    tree.name.push(table.names[id]!);
    tree.flags.push(flags);
    if (deleted) {
      tree.size.push(existed && kind !== NodeType.dir ? stack.beforeSize[id]! : 0);
      tree.mode.push(existed ? stack.beforeMode[id]! : 0);
      tree.uid.push(existed ? stack.beforeUid[id]! : 0);
      tree.gid.push(existed ? stack.beforeGid[id]! : 0);
      tree.source.push(existed ? stack.beforeSource[id]! : -1);
      const link = existed ? stack.beforeLink[id]! : '';
      if (link) tree.links.push([index, link]);
    } else {
      tree.size.push(kind !== NodeType.dir ? stack.size[id]! : 0);
      tree.mode.push(stack.mode[id]!);
      tree.uid.push(stack.uid[id]!);
      tree.gid.push(stack.gid[id]!);
      tree.source.push(id === 0 ? -1 : stack.source[id]!);
      const link = stack.link[id]!;
      if (link) tree.links.push([index, link]);
    }
    if (kind !== NodeType.dir) continue;
    const children = table.sortedChildren(id);
    for (let c = children.length - 1; c >= 0; c--) {
      const child = children[c]!;
      if (include[child] === 1) {
        ids.push(child);
        parents.push(index);
      }
    }
  }
  summariseDirectories(tree);
  return tree;
}

/** Directory sizes and changedBelow marks, bottom-up: children come after their parents. */
function summariseDirectories(tree: CompactTree): void {
  const deleted = ChangeStatus.deleted << NodeFlag.statusShift;
  for (let i = tree.count - 1; i > 0; i--) {
    const p = tree.parent[i]!;
    const flags = tree.flags[i]!;
    const status = flags & NodeFlag.statusMask;
    // dive's rule: files deleted below a directory that stays do not count towards its size.
    if (status !== deleted || (tree.flags[p]! & NodeFlag.statusMask) === deleted) tree.size[p]! += tree.size[i]!;
    if (status !== 0 || (flags & NodeFlag.changedBelow) !== 0) tree.flags[p]! |= NodeFlag.changedBelow;
  }
}
