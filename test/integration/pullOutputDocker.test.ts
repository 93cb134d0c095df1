// `stevedore pull` prints what `docker pull` prints, checked against the real Docker 20.10 engine
// pulling from the same loopback registry: an image already present prints no layer lines and
// "Image is up to date", by tag, by digest and with -a; -a prints each tag's layer lines; a pull
// that fails before anything is fetched prints nothing on stdout but what Docker's client prints.
// Lines whose appearance depends on timing (Downloading, Verifying Checksum, Download complete)
// are left out of the first pulls' comparison; every other line is compared in order.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FileImageStore } from '../../src/core/store/fileImageStore';
import { runCli, type CliResult } from '../helpers/cli';
import { startDockerd, type Dockerd } from '../helpers/dockerd';
import { importBuffer, randomRootfs, tempDir } from '../helpers/fixtures';
import { startRegistry, type RunningRegistry } from '../helpers/registry';

const TIMING = /: (Downloading|Verifying Checksum|Download complete)$/;

function steady(out: string): string[] {
  return out.split('\n').filter((line) => line !== '' && !TIMING.test(line));
}

describe('pull output against docker pull on the same registry', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let registry: RunningRegistry;
  let docker: Dockerd;
  let store: string;
  let repo: string;

  before(async () => {
    dir = await tempDir();
    registry = await startRegistry({});
    docker = await startDockerd({ insecureRegistries: [registry.host] });
    const source = await FileImageStore.open(join(dir.path, 'source'));
    repo = `${registry.host}/parity/app`;
    await importBuffer(source, await randomRootfs(2, 100_000), `${repo}:1`);
    await importBuffer(source, await randomRootfs(2, 100_000), `${repo}:2`);
    for (const tag of ['1', '2']) assert.equal((await runCli(source.root, ['push', `${repo}:${tag}`])).code, 0);
    store = join(dir.path, 'pulled');
  });
  after(async () => {
    await docker?.stop();
    await registry?.stop();
    await dir?.cleanup();
  });

  async function both(args: string[]): Promise<{ docker: CliResult; stevedore: CliResult }> {
    const fromDocker = await docker.docker(args);
    const fromStevedore = await runCli(store, args);
    assert.equal(fromStevedore.code, fromDocker.code, `exit code of ${args.join(' ')}: ${fromStevedore.stderr}`);
    return { docker: fromDocker, stevedore: fromStevedore };
  }

  it('a first pull, then the same pull again: no layer lines and "Image is up to date"', async () => {
    const first = await both(['pull', `${repo}:1`]);
    assert.deepEqual(steady(first.stevedore.stdout), steady(first.docker.stdout));
    const again = await both(['pull', `${repo}:1`]);
    assert.match(again.docker.stdout, /Status: Image is up to date/);
    assert.equal(again.stevedore.stdout, again.docker.stdout);
  });

  it('pull -a prints the layer lines of each tag it fetches, and nothing but up-to-date lines the second time', async () => {
    const first = await both(['pull', '-a', repo]);
    assert.match(first.docker.stdout, /Pull complete/);
    assert.deepEqual(steady(first.stevedore.stdout), steady(first.docker.stdout));
    const again = await both(['pull', '-a', repo]);
    assert.equal(again.stevedore.stdout, again.docker.stdout);
  });

  it('a pull by digest of an image already here is up to date and names the whole reference', async () => {
    const digest = (await docker.docker(['inspect', '--format', '{{index .RepoDigests 0}}', `${repo}:1`])).stdout.trim();
    assert.match(digest, /@sha256:/);
    const out = await both(['pull', digest]);
    assert.equal(out.stevedore.stdout, out.docker.stdout);
  });

  it('a failed pull prints on stdout only what docker prints (nothing, or "Using default tag")', async () => {
    const missingTag = await both(['pull', `${registry.host}/parity/nope:1`]);
    assert.equal(missingTag.stevedore.stdout, missingTag.docker.stdout);
    assert.equal(missingTag.stevedore.stdout, '');
    const noLatest = await both(['pull', repo]);
    assert.equal(noLatest.stevedore.stdout, noLatest.docker.stdout);
    assert.match(noLatest.stevedore.stderr, /manifest for .*parity\/app:latest not found/);
  });
});
