// The Transfers view's data: core progress events of every shape turned into one layer update,
// each layer's row with its phase, percentage and speed, and the list of transfers with Cancel.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TransferProgress } from '../../src/extension/transferProgress';
import { archiveBytesUpdate, loadLayerUpdate, pullLayerUpdate, pushLayerUpdate } from '../../src/extension/transfers/layerUpdates';
import { TransferList } from '../../src/extension/transfers/transferList';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;
const C = `sha256:${'c'.repeat(64)}`;

describe('layer updates from the core events', () => {
  it('maps every pull, push and load state to a phase and words', () => {
    assert.deepEqual(pullLayerUpdate({ kind: 'layer', digest: A, status: 'queued', current: 0, total: 10 }), { key: A, phase: 'waiting', status: 'Waiting', current: 0, total: 10 });
    assert.equal(pullLayerUpdate({ kind: 'layer', digest: A, status: 'exists', current: 0, total: 10 })?.phase, 'skipped');
    assert.equal(pullLayerUpdate({ kind: 'layer', digest: A, status: 'exists', current: 0, total: 10 })?.status, 'Already exists');
    assert.equal(pullLayerUpdate({ kind: 'layer', digest: A, status: 'verifying', current: 10, total: 10 })?.phase, 'verifying');
    assert.equal(pullLayerUpdate({ kind: 'pulling', repository: 'r', target: 't', reference: 'x' }), undefined);
    assert.deepEqual(pushLayerUpdate({ kind: 'layer', digest: B, status: 'mounted', current: 0, total: 5, from: 'team/base' }), { key: B, phase: 'skipped', status: 'Mounted from team/base', current: 0, total: 5 });
    assert.equal(pushLayerUpdate({ kind: 'layer', digest: B, status: 'pushing', current: 1, total: 5 })?.phase, 'transferring');
    assert.deepEqual(loadLayerUpdate({ id: 'abc', path: 'blobs/sha256/abc', current: 3, total: 9, done: false }), { key: 'abc', phase: 'transferring', status: 'Loading', current: 3, total: 9 });
    assert.equal(loadLayerUpdate({ id: 'abc', path: 'p', current: 9, total: 9, done: true }).phase, 'done');
    assert.equal(archiveBytesUpdate('app.tar', 'Writing', 0, 100, false).phase, 'waiting');
  });
});

describe('TransferProgress rows', () => {
  it('gives each layer, in the order first reported, its phase, percentage and speed over the last seconds', () => {
    const p = new TransferProgress();
    p.apply({ key: A, phase: 'waiting', status: 'Waiting', current: 0, total: 1_000_000 }, 1_000);
    p.apply({ key: B, phase: 'skipped', status: 'Already exists', current: 0, total: 500_000 }, 1_000);
    p.apply({ key: C, phase: 'transferring', status: 'Downloading', current: 0, total: 2_000_000 }, 1_000);
    p.apply({ key: C, phase: 'transferring', status: 'Downloading', current: 1_000_000, total: 2_000_000 }, 2_000);
    const rows = p.rows(2_000);
    assert.deepEqual(
      rows.map((r) => [r.id, r.phase, r.percent, r.bytesPerSecond]),
      [
        ['aaaaaaaaaaaa', 'waiting', 0, undefined],
        ['bbbbbbbbbbbb', 'skipped', 100, undefined],
        ['cccccccccccc', 'transferring', 50, 1_000_000],
      ],
    );
    // Nothing moved for 5 s: the stalled layer's speed falls to 0 instead of keeping its last figure.
    assert.equal(p.rows(7_000)[2]!.bytesPerSecond, 0);
    assert.equal(p.snapshot().message, '1/3 layers · 1.5MB/3.5MB (42 %) · cccccccccccc downloading 1MB/2MB (50 %)');
  });
});

describe('TransferList', () => {
  it('lists running transfers newest first; Cancel aborts only that one; ended ones keep how they ended, five at most', () => {
    const list = new TransferList();
    let changes = 0;
    list.onDidChange(() => changes++);
    const first = list.begin('Pulling a:1', 0);
    const second = list.begin('Pushing b:1', 10);
    first.update(pullLayerUpdate({ kind: 'layer', digest: A, status: 'downloading', current: 5, total: 10 }), 20);
    assert.deepEqual(
      list.view(30).map((t) => [t.title, t.state, t.percent, t.layers.length]),
      [
        ['Pushing b:1', 'running', 0, 0],
        ['Pulling a:1', 'running', 50, 1],
      ],
    );
    list.cancel(first.id);
    assert.equal(first.signal.aborted, true);
    assert.equal(second.signal.aborted, false);
    first.end('cancelled', 'Pull of a:1 cancelled; nothing was changed.', 40);
    // After it ended, late events change nothing.
    first.update(pullLayerUpdate({ kind: 'layer', digest: A, status: 'done', current: 10, total: 10 }), 50);
    const ended = list.view(60).find((t) => t.id === first.id)?.layers[0];
    assert.equal(ended?.phase, 'transferring');
    // The layer it was downloading says the transfer stopped there.
    assert.equal(ended?.status, 'Cancelled');
    assert.deepEqual(list.running, [second]);
    for (let i = 0; i < 7; i++) list.begin(`Saving ${i}`, 100 + i).end('done', '');
    assert.equal(list.view().filter((t) => t.state !== 'running').length, 5);
    list.clearEnded();
    assert.deepEqual(list.view().map((t) => t.title), ['Pushing b:1']);
    assert.ok(changes > 10);
  });
});
