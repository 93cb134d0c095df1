// The Containers view's change tree: `diff`'s flat list as folders with A/C/D marks.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { changeTree, type ContainerChangeNode } from '../../src/extension/views/containerNodes';

function rows(nodes: readonly ContainerChangeNode[], depth = 0): string[] {
  return nodes.flatMap((n) => [`${'  '.repeat(depth)}${n.mark ?? '-'} ${n.name}`, ...rows(n.children, depth + 1)]);
}

describe('container change tree', () => {
  it('nests changes under their folders, in the order diff lists them', () => {
    const tree = changeTree('c1', [
      { kind: 'C', path: 'etc' },
      { kind: 'A', path: 'etc/installed' },
      { kind: 'D', path: 'etc/old' },
      { kind: 'A', path: 'usr' },
      { kind: 'A', path: 'usr/local' },
    ]);
    assert.deepEqual(rows(tree), ['C etc', '  A installed', '  D old', 'A usr', '  A local']);
    assert.equal(tree[0]!.children[0]!.id, 'c1:/etc/installed');
    assert.equal(tree[0]!.children[0]!.path, 'etc/installed');
  });

  it('shows an unmarked folder for a change whose folder is not listed itself', () => {
    assert.deepEqual(rows(changeTree('c1', [{ kind: 'A', path: 'var/lib/x' }])), ['- var', '  - lib', '    A x']);
  });
});
