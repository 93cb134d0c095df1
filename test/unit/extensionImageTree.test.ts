// The Images view's model, without VS Code: grouping, sorting, dangling images, reference filters,
// labels, descriptions and tooltips built from real store records.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { humanSize } from '../../src/core/format/humanSize';
import { withContentSizes } from '../../src/core/image/contentSizes';
import { tagImage } from '../../src/core/store/tagImage';
import type { ImageRecord } from '../../src/core/store/imageStore';
import { buildImageTree, groupCounts, groupDescription, imageDescription, imageTooltip, type ImageGroupNode, type ImageNode } from '../../src/extension/views/imageTreeModel';
import { importBuffer, openTempStore, randomRootfs } from '../helpers/fixtures';

describe('Images view model', () => {
  let temp: Awaited<ReturnType<typeof openTempStore>>;
  let records: ImageRecord[];

  before(async () => {
    temp = await openTempStore();
    const { store } = temp;
    // Created times a day apart, oldest first; sizes grow with the index.
    const day = 86_400_000;
    const base = Date.parse('2024-01-01T00:00:00Z');
    await importBuffer(store, await randomRootfs(1, 1000), 'redis:7', { created: new Date(base) });
    await importBuffer(store, await randomRootfs(1, 50_000), 'localhost:5000/team/app:1.0', { created: new Date(base + day) });
    await importBuffer(store, await randomRootfs(1, 9000), 'redis:6', { created: new Date(base + 2 * day) });
    await importBuffer(store, await randomRootfs(1, 2000), 'zeta/tool:latest', { created: new Date(base + 3 * day) });
    await importBuffer(store, await randomRootfs(1, 3000), 'zeta/tool:latest', { created: new Date(base + 4 * day) }); // the previous one dangles
    await tagImage(store, 'redis:6', 'localhost:5000/mirror/redis:6');
    records = await store.list();
  });
  after(() => temp.cleanup());

  const labels = (nodes: readonly (ImageNode | ImageGroupNode)[]): string[] => nodes.map((n) => n.label);
  const children = (nodes: readonly (ImageNode | ImageGroupNode)[], label: string): string[] => labels((nodes.find((n) => n.label === label) as ImageGroupNode).children);

  it('groups by repository, tags as children, newest first, untagged images hidden', () => {
    const tree = buildImageTree(records, { groupBy: 'repository', sortBy: 'created', showDangling: false });
    assert.deepEqual(labels(tree), ['zeta/tool', 'localhost:5000/mirror/redis', 'redis', 'localhost:5000/team/app']);
    assert.deepEqual(children(tree, 'redis'), ['6', '7']);
    assert.ok(tree.every((n) => n.kind === 'imageGroup'));
  });

  it('shows dangling images in an Untagged group that comes last', () => {
    const tree = buildImageTree(records, { groupBy: 'repository', sortBy: 'name', showDangling: true });
    assert.equal(tree[tree.length - 1]!.label, 'Untagged');
    const untagged = (tree[tree.length - 1] as ImageGroupNode).children;
    assert.equal(untagged.length, 1);
    assert.equal(untagged[0]!.dangling, true);
    assert.equal(untagged[0]!.reference, undefined);
    assert.match(untagged[0]!.label, /^[a-f0-9]{12}$/);
  });

  it('groups by registry with paths as labels, or not at all with familiar names', () => {
    const byRegistry = buildImageTree(records, { groupBy: 'registry', sortBy: 'name', showDangling: false });
    assert.deepEqual(labels(byRegistry), ['docker.io', 'localhost:5000']);
    assert.deepEqual(children(byRegistry, 'localhost:5000'), ['mirror/redis:6', 'team/app:1.0']);
    assert.deepEqual(children(byRegistry, 'docker.io'), ['redis:6', 'redis:7', 'zeta/tool:latest']);
    const flat = buildImageTree(records, { groupBy: 'none', sortBy: 'name', showDangling: false });
    assert.deepEqual(labels(flat), ['localhost:5000/mirror/redis:6', 'localhost:5000/team/app:1.0', 'redis:6', 'redis:7', 'zeta/tool:latest']);
  });

  it('sorts by size, largest first', () => {
    const flat = buildImageTree(records, { groupBy: 'none', sortBy: 'size', showDangling: false });
    assert.equal(flat[0]!.label, 'localhost:5000/team/app:1.0');
    const sizes = flat.map((n) => (n as ImageNode).record.summary.size);
    assert.deepEqual(sizes, [...sizes].sort((a, b) => b - a));
  });

  it('filters by a reference pattern as `images --filter reference=` does', () => {
    assert.deepEqual(labels(buildImageTree(records, { groupBy: 'none', sortBy: 'name', showDangling: true, filter: 'redis' })), ['redis:6', 'redis:7']);
    assert.deepEqual(labels(buildImageTree(records, { groupBy: 'none', sortBy: 'name', showDangling: true, filter: '*:6' })), ['redis:6']);
    assert.deepEqual(labels(buildImageTree(records, { groupBy: 'none', sortBy: 'name', showDangling: true, filter: 'localhost:5000/*/*' })), ['localhost:5000/mirror/redis:6', 'localhost:5000/team/app:1.0']);
    assert.throws(() => buildImageTree(records, { groupBy: 'none', sortBy: 'name', showDangling: false, filter: '[a' }), { code: 'INVALID_ARGUMENT' });
  });

  it('describes an image by size and age, and a group by tags, images and size', () => {
    const tree = buildImageTree(records, { groupBy: 'repository', sortBy: 'created', showDangling: false });
    const redis = tree.find((n) => n.label === 'redis') as ImageGroupNode;
    const seven = redis.children.find((c) => c.label === '7')!;
    assert.match(imageDescription(seven.record, new Date('2024-01-10T00:00:00Z')), /^\d+(\.\d+)?kB · 9 days ago$/);
    assert.match(groupDescription(redis), /^\d+(\.\d+)?kB$/);
    assert.match(groupCounts(redis), /^2 tags · 2 images · \d+(\.\d+)?kB$/);
  });

  it('puts reference, image ID, other tags, digests, platform, layers and created time in the tooltip', () => {
    const flat = buildImageTree(records, { groupBy: 'none', sortBy: 'name', showDangling: false });
    const six = flat.find((n) => n.label === 'redis:6') as ImageNode;
    const tooltip = imageTooltip(six, new Date('2024-01-10T00:00:00Z'));
    assert.match(tooltip, /^\*\*`docker\.io\/library\/redis:6`\*\*/);
    assert.match(tooltip, new RegExp(`Image ID: \`${six.record.id}\``));
    assert.match(tooltip, /Tags: `redis:6`, `localhost:5000\/mirror\/redis:6`/);
    assert.match(tooltip, new RegExp(`Manifest digest: \`${six.record.manifestDigest}\``));
    assert.match(tooltip, /Platform: linux\/\w+/);
    assert.match(tooltip, /Layers: 1/);
    assert.match(tooltip, /Created: 2024-01-03T00:00:00Z \(7 days ago\)/);
  });

  it('shows Docker\'s size (uncompressed content) once measured, with the store size in the tooltip', async () => {
    const [measured] = await withContentSizes(temp.store, records.filter((r) => r.refs.includes('docker.io/library/redis:6')));
    const node = buildImageTree([measured!], { groupBy: 'none', sortBy: 'name', showDangling: false })[0] as ImageNode;
    // 9000 bytes of file content; the gzip layer of random bytes in the store is larger.
    assert.equal(measured!.summary.contentSize, 9000);
    assert.equal(imageDescription(measured!, new Date('2024-01-10T00:00:00Z')), '9kB · 7 days ago');
    assert.match(imageTooltip(node, new Date('2024-01-10T00:00:00Z')), new RegExp(`Size: 9kB \\(${humanSize(measured!.summary.size, 3).replace('.', '\\.')} in the store\\)`));
  });

  it('gives every item a distinct ID, also when one image appears under several names', () => {
    for (const groupBy of ['repository', 'registry', 'none'] as const) {
      const tree = buildImageTree(records, { groupBy, sortBy: 'created', showDangling: true });
      const ids = tree.flatMap((n) => (n.kind === 'imageGroup' ? [n.id, ...n.children.map((c) => c.id)] : [n.id]));
      assert.equal(new Set(ids).size, ids.length, `duplicate IDs when grouping by ${groupBy}`);
    }
  });
});
