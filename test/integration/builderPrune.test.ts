// `builder prune`: build-cache entries go (dangling ones, or all with -a, sparing newer ones with
// --filter until=), and with them the blobs only they kept; Docker's question and report. Runs the
// built CLI on a temporary store of its own.

import assert from 'node:assert/strict';
import { readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { busyboxRootfs } from '../helpers/busybox';
import { runCli } from '../helpers/cli';
import { tempDir } from '../helpers/fixtures';

describe('builder prune', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let store: string;
  let context: string;
  const cacheDir = (): string => join(store, 'stevedore', 'cache', 'build');
  const entries = async (): Promise<string[]> => (await readdir(cacheDir()).catch(() => [] as string[])).sort();
  const blobs = async (): Promise<string[]> => (await readdir(join(store, 'blobs', 'sha256'))).sort();
  const cli = async (args: string[], input?: string): Promise<string> => {
    const result = await runCli(store, args, input === undefined ? {} : { input });
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stdout}${result.stderr}`);
    return result.stdout;
  };
  /** The layer digests the cache entries name, by entry file. */
  const namedLayers = async (): Promise<Map<string, string[]>> => {
    const out = new Map<string, string[]>();
    for (const name of await entries()) {
      const entry = JSON.parse(await readFile(join(cacheDir(), name), 'utf8')) as { state: { layers: { digest: string }[] } };
      out.set(name, entry.state.layers.map((l) => l.digest.replace('sha256:', '')));
    }
    return out;
  };

  /** The layer blobs the store's images hold. */
  const imageLayers = async (): Promise<Set<string>> => {
    const index = JSON.parse(await readFile(join(store, 'index.json'), 'utf8')) as { manifests: { digest: string }[] };
    const out = new Set<string>();
    for (const m of index.manifests) {
      const manifest = JSON.parse(await readFile(join(store, 'blobs', 'sha256', m.digest.replace('sha256:', '')), 'utf8')) as { layers: { digest: string }[] };
      for (const l of manifest.layers) out.add(l.digest.replace('sha256:', ''));
    }
    return out;
  };

  before(async () => {
    dir = await tempDir();
    store = join(dir.path, 'store');
    const rootfs = join(dir.path, 'rootfs.tar');
    await writeFile(rootfs, await busyboxRootfs());
    await cli(['import', rootfs, 'base:1']);
    context = join(dir.path, 'context');
    await mkdir(context);
    await writeFile(join(context, 'a.txt'), 'kept by the image\n');
    await writeFile(join(context, 'b.txt'), 'kept only by the cache\n');
    // The first stage's layer ends up in no image: only the cache names it.
    await writeFile(join(context, 'Dockerfile'), 'FROM base:1 AS scratchpad\nCOPY b.txt /b\nFROM base:1\nCOPY a.txt /a\n');
  });
  after(async () => {
    await dir?.cleanup();
  });

  it('asks first as Docker does; "n" keeps everything', async () => {
    await cli(['build', '-t', 'app:1', context]);
    const before = await entries();
    assert.equal(before.length, 2);
    const out = await cli(['builder', 'prune'], 'n\n');
    assert.equal(out, 'WARNING! This will remove all dangling build cache. Are you sure you want to continue? [y/N] ');
    assert.deepEqual(await entries(), before);
  });

  it('removes dangling entries and the blobs only they keep; an entry whose layers an image holds stays', async () => {
    const named = await namedLayers();
    const inImages = await imageLayers();
    const orphanLayer = [...named.values()].flat().find((d) => !inImages.has(d));
    assert.ok(orphanLayer && (await blobs()).includes(orphanLayer), 'the first stage wrote a layer blob no image holds');
    const out = await cli(['builder', 'prune'], 'y\n');
    const [dangling] = [...named].find(([, layers]) => layers.includes(orphanLayer)) ?? [];
    assert.match(out, new RegExp(`^WARNING! This will remove all dangling build cache\\. Are you sure you want to continue\\? \\[y/N\\] Deleted build cache objects:\\n${dangling!.replace('.json', '')}\\n\\nTotal reclaimed space: \\d+(\\.\\d+)?k?B\\n$`));
    assert.doesNotMatch(out, /Total reclaimed space: 0B/);
    assert.equal((await entries()).length, 1);
    assert.ok(!(await blobs()).includes(orphanLayer), 'the first stage\'s layer is gone');
    assert.match(await cli(['system', 'check']), /No problems found/);
    // The final stage's step is still cached; the first stage's is built again.
    const again = await cli(['build', '-t', 'app:1', context]);
    assert.equal(again.match(/Using cache/g)?.length, 1, again);
  });

  it('-a removes every entry, --filter until= spares newer ones, and a filter it cannot read changes nothing', async () => {
    const before = await entries();
    assert.equal(before.length, 2);
    assert.equal(await cli(['builder', 'prune', '-a', '-f', '--filter', 'until=1h']), 'Total reclaimed space: 0B\n');
    assert.deepEqual(await entries(), before);
    const bad = await runCli(store, ['builder', 'prune', '-a', '-f', '--filter', 'label=x']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /label/);
    assert.deepEqual(await entries(), before);
    const out = await cli(['builder', 'prune', '-a', '-f']);
    assert.equal(out.split('\n')[0], 'Deleted build cache objects:');
    assert.deepEqual(await entries(), []);
    const rebuilt = await cli(['build', '-t', 'app:1', context]);
    assert.doesNotMatch(rebuilt, /Using cache/);
    assert.match(await cli(['images', '--format', '{{.Repository}}:{{.Tag}}']), /^app:1$/m);
  });
});
