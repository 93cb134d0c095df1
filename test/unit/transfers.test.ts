// The Transfers view's data: core progress events of every shape turned into one layer update,
// each layer's row with its phase, percentage and speed, and the list of transfers with Cancel.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TransferProgress } from '../../src/extension/transferProgress';
import { layerShortId } from '../../src/core/transfer/layerShortId';
import type { LayerState, TransferEvent, TransferOperation } from '../../src/core/transfer/transferEvent';
import { layerUpdate, TransferUpdates } from '../../src/extension/transfers/layerUpdates';
import { TransferList } from '../../src/extension/transfers/transferList';

const A = `sha256:${'a'.repeat(64)}`;
const B = `sha256:${'b'.repeat(64)}`;
const C = `sha256:${'c'.repeat(64)}`;

describe('layer updates from the core events', () => {
  it('maps every pull, push and load state to a phase and words', () => {
    assert.deepEqual(layerUpdate('pull', { kind: 'layer', id: A, state: 'queued', current: 0, total: 10 }), { key: A, phase: 'waiting', status: 'Waiting', current: 0, total: 10 });
    assert.equal(layerUpdate('pull', { kind: 'layer', id: A, state: 'exists', current: 0, total: 10 })?.phase, 'skipped');
    assert.equal(layerUpdate('pull', { kind: 'layer', id: A, state: 'exists', current: 0, total: 10 })?.status, 'Already exists');
    assert.equal(layerUpdate('pull', { kind: 'layer', id: A, state: 'verifying', current: 10, total: 10 })?.phase, 'verifying');
    assert.equal(layerUpdate('pull', { kind: 'start', operation: 'pull', reference: 'x', repository: 'r', tag: 't' }), undefined);
    assert.deepEqual(layerUpdate('push', { kind: 'layer', id: B, state: 'mounted', current: 0, total: 5, from: 'team/base' }), { key: B, phase: 'skipped', status: 'Mounted from team/base', current: 0, total: 5 });
    assert.equal(layerUpdate('push', { kind: 'layer', id: B, state: 'transferring', current: 1, total: 5 })?.phase, 'transferring');
    assert.deepEqual(layerUpdate('load', { kind: 'layer', id: `blobs/sha256/${'abc'.repeat(21)}a`, state: 'transferring', current: 3, total: 9 }), { key: 'abcabcabcabc', phase: 'transferring', status: 'Loading', current: 3, total: 9 });
    assert.equal(layerUpdate('load', { kind: 'layer', id: 'p', state: 'done', current: 9, total: 9 })?.phase, 'done');
    assert.equal(layerUpdate('save', { kind: 'bytes', current: 0, total: 100 }, 'app.tar')?.phase, 'waiting');
  });

  it('says each state in the words of its operation, for every operation', () => {
    const status = (operation: TransferOperation, state: LayerState): string | undefined => layerUpdate(operation, { kind: 'layer', id: A, state, current: 1, total: 2 })?.status;
    assert.deepEqual(
      (['pull', 'push', 'load', 'copy', 'verify', 'build'] as const).map((op) => [op, status(op, 'queued'), status(op, 'transferring'), status(op, 'done'), status(op, 'exists')]),
      [
        ['pull', 'Waiting', 'Downloading', 'Pull complete', 'Already exists'],
        ['push', 'Preparing', 'Pushing', 'Pushed', 'Already there'],
        ['load', 'Waiting', 'Loading', 'Loaded', 'Already exists'],
        ['copy', 'Waiting', 'Copying', 'Copied', 'Already exists'],
        ['verify', 'Waiting', 'Reading', 'Verified', 'Already exists'],
        ['build', 'Waiting', 'Writing', 'Written', 'Cached'],
      ],
    );
    // A layer a build is writing has no digest yet: its row is named by its step.
    assert.equal(layerUpdate('build', { kind: 'layer', id: 'step 3', state: 'transferring', current: 1, total: 0 })?.key, 'step 3');
  });

  it("words a build's base pull as a pull, and its own layers as the build's", () => {
    const updates = new TransferUpdates('build');
    const seen = ([
      { kind: 'start', operation: 'build', reference: 'app:1' },
      { kind: 'start', operation: 'pull', reference: 'base:1' },
      { kind: 'layer', id: A, state: 'transferring', current: 1, total: 2 },
      { kind: 'layer', id: A, state: 'done', current: 2, total: 2 },
      { kind: 'end', operation: 'pull', reference: 'docker.io/library/base:1', digest: B },
      { kind: 'layer', id: 'step 2', state: 'transferring', current: 5, total: 0 },
      { kind: 'layer', id: 'step 2', state: 'done', current: 7, total: 7 },
      { kind: 'end', operation: 'build', reference: 'app:1', id: C },
    ] satisfies TransferEvent[]).map((e) => updates.update(e));
    assert.deepEqual(
      seen.map((u) => u && [u.key, u.phase, u.status]),
      [undefined, undefined, [A, 'transferring', 'Downloading'], [A, 'done', 'Pull complete'], undefined, ['step 2', 'transferring', 'Writing'], ['step 2', 'done', 'Written'], undefined],
    );
  });

  it("finishes a save's or copy's one row at the bytes that went through, also when none had to", () => {
    const save = new TransferUpdates('save', 'app.tar');
    assert.equal(save.update({ kind: 'start', operation: 'save', reference: '/tmp/app.tar' }), undefined);
    assert.deepEqual(save.update({ kind: 'bytes', current: 40, total: 100 }), { key: 'app.tar', phase: 'transferring', status: 'Writing', current: 40, total: 100 });
    save.update({ kind: 'bytes', current: 120, total: 100 });
    assert.deepEqual(save.update({ kind: 'end', operation: 'save', reference: '/tmp/app.tar' }), { key: 'app.tar', phase: 'done', status: 'Done', current: 120, total: 120 });
    const copy = new TransferUpdates('copy', 'app:1');
    copy.update({ kind: 'start', operation: 'copy', reference: 'docker-daemon:app:1' });
    assert.deepEqual(copy.update({ kind: 'end', operation: 'copy', reference: 'docker-daemon:app:1', upToDate: true }), { key: 'app:1', phase: 'done', status: 'Done', current: 0, total: 0 });
    // A pull has no bytes row: its end adds none.
    const pull = new TransferUpdates('pull');
    pull.update({ kind: 'start', operation: 'pull', reference: 'a:1' });
    assert.equal(pull.update({ kind: 'end', operation: 'pull', reference: 'a:1', upToDate: true }), undefined);
  });
});

describe('layerShortId', () => {
  it("gives a layer Docker's 12-character name from a digest, an archive path or a step", () => {
    assert.equal(layerShortId(A), 'aaaaaaaaaaaa');
    assert.equal(layerShortId(`blobs/sha256/${'0123456789ab'.repeat(5)}0123`), '0123456789ab');
    assert.equal(layerShortId(`${'f'.repeat(64)}/layer.tar`), 'ffffffffffff');
    assert.equal(layerShortId('layers/base-layer.tar.gz'), 'base-layer');
    assert.equal(layerShortId('step 3'), 'step 3');
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
    first.update(layerUpdate('pull', { kind: 'layer', id: A, state: 'transferring', current: 5, total: 10 }), 20);
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
    first.update(layerUpdate('pull', { kind: 'layer', id: A, state: 'done', current: 10, total: 10 }), 50);
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
