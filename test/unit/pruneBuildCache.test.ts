// builder prune cancelled part-way: it has removed nothing (it used to remove entries one by one,
// checking for a cancel between them, so a cancel left some gone and none reported). Uncancelled,
// it reports every entry it removed. The cancel comes at a chosen check of the signal, every one
// in turn, so no timing decides where it lands.

import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildCacheDir } from '../../src/core/dockerfile/buildCache';
import { pruneBuildCache } from '../../src/core/dockerfile/pruneBuildCache';
import { CancelledError } from '../../src/core/errors';
import { FileImageStore } from '../../src/core/store/fileImageStore';
import { tempDir } from '../helpers/fixtures';

const ENTRIES = 5;

/** A signal that is aborted when its `aborted` is read for the `n`th time (1-based). */
function abortedAtCheck(n: number): { signal: AbortSignal; checks: () => number } {
  const controller = new AbortController();
  let reads = 0;
  const signal = new Proxy(controller.signal, {
    get(target, property) {
      if (property === 'aborted' && ++reads >= n && !target.aborted) controller.abort();
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { signal, checks: () => reads };
}

async function storeWithEntries(path: string): Promise<{ store: FileImageStore; dir: string; keys: string[] }> {
  const store = await FileImageStore.open(path);
  const dir = buildCacheDir(store.layout);
  await mkdir(dir, { recursive: true });
  const keys: string[] = [];
  for (let i = 0; i < ENTRIES; i++) {
    const key = `${i}`.repeat(64);
    keys.push(key);
    await writeFile(join(dir, `${key}.json`), JSON.stringify({ state: { layers: [{ digest: `sha256:${'f'.repeat(64)}` }] } }));
  }
  return { store, dir, keys };
}

describe('builder prune, cancelled', () => {
  it('a cancel at any check of the signal leaves every entry; uncancelled, every removed entry is reported', async () => {
    const tmp = await tempDir();
    try {
      // How many times an uncancelled prune looks at the signal: the cancel is tried at each.
      const counting = abortedAtCheck(Number.MAX_SAFE_INTEGER);
      const whole = await storeWithEntries(join(tmp.path, 'counting'));
      const done = await pruneBuildCache(whole.store, { all: true, signal: counting.signal });
      assert.deepEqual(done.deleted.sort(), whole.keys);
      assert.deepEqual(await readdir(whole.dir), []);
      assert.ok(counting.checks() > ENTRIES, `the prune checks for a cancel (${counting.checks()} times)`);

      for (let n = 1; n <= counting.checks(); n++) {
        const { store, dir, keys } = await storeWithEntries(join(tmp.path, `at-${n}`));
        const { signal } = abortedAtCheck(n);
        const outcome = await pruneBuildCache(store, { all: true, signal }).then(
          (result) => result,
          (err: unknown) => err,
        );
        if (outcome instanceof CancelledError) {
          assert.deepEqual((await readdir(dir)).sort(), keys.map((k) => `${k}.json`), `cancelled at check ${n}: every entry is still there`);
        } else {
          // Past the last check that can stop it: it finished, and says what it removed.
          const result = outcome as Awaited<ReturnType<typeof pruneBuildCache>>;
          assert.deepEqual(result.deleted.sort(), keys, `finished despite a cancel at check ${n}: ${String(outcome)}`);
          assert.deepEqual(await readdir(dir), []);
        }
      }
    } finally {
      await tmp.cleanup();
    }
  });
});
