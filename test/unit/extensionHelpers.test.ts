// Plain-Node parts of the extension: progress text for per-layer transfers, archive names, and the
// store watcher that refreshes the views when anything (the CLI included) changes the store.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { tagImage } from '../../src/core/store/tagImage';
import { defaultArchiveName, isArchiveName } from '../../src/extension/archiveFiles';
import { StoreWatcher } from '../../src/extension/storeWatcher';
import { elapsedText, plural, TransferProgress } from '../../src/extension/transferProgress';
import { importBuffer, openTempStore, randomRootfs } from '../helpers/fixtures';

describe('TransferProgress', () => {
  it('sums layers and bytes, and lists the layers in flight with their percentages', () => {
    const p = new TransferProgress();
    p.update(`sha256:${'a'.repeat(64)}`, 'Downloading', 0, 1_000_000, false);
    p.update(`sha256:${'b'.repeat(64)}`, 'Already exists', 0, 500_000, true);
    assert.deepEqual(p.snapshot(), { percent: 33, message: '1/2 layers · 500kB/1.5MB (33 %) · aaaaaaaaaaaa downloading 0B/1MB (0 %)' });
    p.update(`sha256:${'a'.repeat(64)}`, 'Downloading', 500_000, 1_000_000, false);
    assert.deepEqual(p.snapshot(), { percent: 66, message: '1/2 layers · 1MB/1.5MB (66 %) · aaaaaaaaaaaa downloading 500kB/1MB (50 %)' });
    p.update(`sha256:${'a'.repeat(64)}`, 'Pull complete', 1_000_000, 1_000_000, true);
    assert.deepEqual(p.snapshot(), { percent: 100, message: '2/2 layers · 1.5MB/1.5MB (100 %)' });
    assert.equal(p.layerCount, 2);
    assert.equal(p.totalBytes, 1_500_000);
  });

  it('names every layer still moving, the last to move first, when another one finishes after them', () => {
    const p = new TransferProgress();
    p.update(`sha256:${'a'.repeat(64)}`, 'Waiting', 0, 100, false);
    p.update(`sha256:${'b'.repeat(64)}`, 'Downloading', 40, 100, false);
    p.update(`sha256:${'c'.repeat(64)}`, 'Downloading', 10, 100, false);
    p.update(`sha256:${'c'.repeat(64)}`, 'Pull complete', 100, 100, true);
    p.update(`sha256:${'d'.repeat(64)}`, 'Downloading', 5, 100, false);
    assert.equal(p.snapshot().message, '1/4 layers · 145B/400B (36 %) · dddddddddddd downloading 5B/100B (5 %) · bbbbbbbbbbbb downloading 40B/100B (40 %)');
  });

  it('formats elapsed time and counts', () => {
    assert.equal(elapsedText(850), '850 ms');
    assert.equal(elapsedText(3_200), '3.2 s');
    assert.equal(elapsedText(125_000), '2 min 5 s');
    assert.equal(plural(1, 'layer'), '1 layer');
    assert.equal(plural(3, 'layer'), '3 layers');
  });
});

describe('archive file names', () => {
  it('recognises archives by extension', () => {
    for (const name of ['a.tar', '/x/b.TAR.GZ', 'c.tgz']) assert.equal(isArchiveName(name), true, name);
    for (const name of ['a.tar.bz2', 'tar', 'a.zip', 'a.tar.gz.txt']) assert.equal(isArchiveName(name), false, name);
  });

  it('names a save after the reference', () => {
    assert.equal(defaultArchiveName(['redis:latest']), 'redis_latest.tar');
    assert.equal(defaultArchiveName(['localhost:5000/team/app:1.0']), 'localhost_5000_team_app_1.0.tar');
    assert.equal(defaultArchiveName([`app@sha256:${'c'.repeat(64)}`]), 'app_cccccccccccc.tar');
    assert.equal(defaultArchiveName(['a:1', 'b:2']), 'images.tar');
  });
});

describe('StoreWatcher', () => {
  let temp: Awaited<ReturnType<typeof openTempStore>>;
  before(async () => {
    temp = await openTempStore();
    await importBuffer(temp.store, await randomRootfs(1, 100), 'watch/me:1');
  });
  after(() => temp.cleanup());

  it('reports a change of index.json once per burst of writes', async () => {
    let calls = 0;
    let notify: () => void = () => undefined;
    const changed = new Promise<void>((resolve) => {
      notify = resolve;
    });
    const watcher = new StoreWatcher(temp.store.layout, () => {
      calls++;
      notify();
    }, { debounceMs: 50 });
    try {
      await tagImage(temp.store, 'watch/me:1', 'watch/me:2');
      await changed;
      assert.ok(calls >= 1);
      const records = await temp.store.list();
      assert.deepEqual(records[0]!.refs, ['docker.io/watch/me:1', 'docker.io/watch/me:2']);
    } finally {
      watcher.dispose();
    }
  });

});
