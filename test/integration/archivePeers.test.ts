// Archives between Stevedore and the real tools: docker (a private dockerd 20.10 on vfs), podman and
// skopeo. Their archives load into Stevedore with the IDs they report; Stevedore's archives load
// into them with the same IDs; and an image with whiteouts and an opaque folder, saved by Stevedore
// and loaded into docker, shows the deleted files gone when docker runs it.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { busyboxRootfs } from '../helpers/busybox';
import { runCli } from '../helpers/cli';
import { startDockerd, type Dockerd } from '../helpers/dockerd';
import { makeTar, tempDir } from '../helpers/fixtures';
import { podmanStore, skopeoWithPolicy, type PodmanStore, type Skopeo } from '../helpers/podman';
import { ourEntries, tarStreamEntries } from '../helpers/tarReading';
import { run } from '../helpers/cli';

const BUSYBOX = 'stevedore-test/busybox:bb';
const LAYERED = 'stevedore-test/layered:wh';

function ok(result: { code: number | null; stdout: string; stderr: string }, what: string): string {
  assert.equal(result.code, 0, `${what} failed:\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

describe('archives with docker, podman and skopeo', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let store: string;
  let engine: Dockerd;
  let podman: PodmanStore;
  let skopeo: Skopeo;
  const ids: Record<string, string> = {};

  /** A fresh Stevedore store that loads `archive` and reports the ID of each name. */
  async function loadIntoFreshStore(name: string, archive: string): Promise<{ store: string; stdout: string; id: (ref: string) => Promise<string> }> {
    const fresh = join(dir.path, `store-${name}`);
    const stdout = ok(await runCli(fresh, ['load', '-i', archive]), `stevedore load ${name}`);
    ok(await runCli(fresh, ['system', 'check']), 'system check');
    return { store: fresh, stdout, id: async (ref) => ok(await runCli(fresh, ['images', '-q', '--no-trunc', ref]), 'images').trim() };
  }

  before(async () => {
    dir = await tempDir();
    store = join(dir.path, 'store');
    engine = await startDockerd();
    podman = podmanStore(dir.path);
    skopeo = await skopeoWithPolicy(dir.path);

    // Two images made by Stevedore: busybox, and busybox plus a layer that deletes a file and
    // hides a folder's old contents behind an opaque whiteout.
    const rootfs = join(dir.path, 'busybox.tar.gz');
    await writeFile(rootfs, gzipSync(await busyboxRootfs()));
    ok(await runCli(store, ['import', '-c', 'CMD ["/bin/sh"]', rootfs, BUSYBOX]), 'import');
    const lower = join(dir.path, 'lower.tar');
    await writeFile(lower, await makeTar([
      { name: 'data/', type: 'directory' },
      { name: 'data/keep', content: 'keep\n' },
      { name: 'data/gone', content: 'gone\n' },
      { name: 'opq/', type: 'directory' },
      { name: 'opq/old', content: 'old\n' },
    ]));
    const upper = join(dir.path, 'upper');
    await mkdir(join(upper, 'data'), { recursive: true });
    await mkdir(join(upper, 'opq'), { recursive: true });
    await writeFile(join(upper, 'data', '.wh.gone'), '');
    await writeFile(join(upper, 'opq', '.wh..wh..opq'), '');
    await writeFile(join(upper, 'opq', 'new'), 'new\n');
    ok(await runCli(store, ['commit', '-m', 'lower', BUSYBOX, lower, `${LAYERED}-lower`]), 'commit lower');
    ok(await runCli(store, ['commit', '-m', 'whiteouts', `${LAYERED}-lower`, upper, LAYERED]), 'commit upper');
    for (const ref of [BUSYBOX, LAYERED]) {
      ids[ref] = ok(await runCli(store, ['images', '-q', '--no-trunc', ref]), 'images').trim();
      const full = `docker.io/${ref}`;
      // The peers get the images straight from the store (an OCI layout), not through an archive.
      ok(await skopeo.skopeo(['copy', '--dest-daemon-host', engine.host, `oci:${store}:${full}`, `docker-daemon:${ref}`]), 'skopeo copy to docker');
      ok(await skopeo.skopeo(['copy', `oci:${store}:${full}`, `${podman.transport}${full}`]), 'skopeo copy to podman');
    }
  });

  after(async () => {
    await engine?.stop();
    await dir?.cleanup();
  });

  it('docker save of several images loads with the IDs docker reports, plain and gzip-compressed', async () => {
    const archive = join(dir.path, 'docker-save.tar');
    ok(await engine.docker(['save', '-o', archive, BUSYBOX, LAYERED]), 'docker save');
    const loaded = await loadIntoFreshStore('docker', archive);
    assert.match(loaded.stdout, new RegExp(`Loaded image: ${BUSYBOX}\nLoaded image: ${LAYERED}\n$|Loaded image: ${LAYERED}\nLoaded image: ${BUSYBOX}\n$`));
    for (const ref of [BUSYBOX, LAYERED]) {
      const dockerId = ok(await engine.docker(['image', 'inspect', '--format', '{{.Id}}', ref]), 'docker inspect').trim();
      assert.equal(dockerId, ids[ref]);
      assert.equal(await loaded.id(ref), dockerId);
    }
    const zipped = join(dir.path, 'docker-save.tar.gz');
    await writeFile(zipped, gzipSync(await readFile(archive)));
    const fromGzip = await loadIntoFreshStore('docker-gz', zipped);
    assert.equal(await fromGzip.id(LAYERED), ids[LAYERED]);
  });

  it('podman save, docker-archive (several images) and oci-archive, loads with podman\'s IDs', async () => {
    const multi = join(dir.path, 'podman-multi.tar');
    ok(await podman.podman(['save', '-m', '-o', multi, BUSYBOX, LAYERED]), 'podman save -m');
    const oci = join(dir.path, 'podman-oci.tar');
    ok(await podman.podman(['save', '--format', 'oci-archive', '-o', oci, LAYERED]), 'podman save oci-archive');
    const fromMulti = await loadIntoFreshStore('podman-multi', multi);
    const fromOci = await loadIntoFreshStore('podman-oci', oci);
    for (const ref of [BUSYBOX, LAYERED]) {
      const podmanId = `sha256:${ok(await podman.podman(['image', 'inspect', '--format', '{{.Id}}', ref]), 'podman inspect').trim()}`;
      assert.equal(podmanId, ids[ref]);
      assert.equal(await fromMulti.id(ref), podmanId);
    }
    assert.match(fromOci.stdout, new RegExp(`Loaded image: ${LAYERED}\n$`));
    assert.equal(await fromOci.id(LAYERED), ids[LAYERED]);
  });

  it('docker save and podman save archives read entry by entry as GNU tar lists them and tar-stream read them, in any pieces', async () => {
    const made: [string, string][] = [
      ['docker', join(dir.path, 'entries-docker.tar')],
      ['podman', join(dir.path, 'entries-podman.tar')],
      ['podman-oci', join(dir.path, 'entries-podman-oci.tar')],
    ];
    ok(await engine.docker(['save', '-o', made[0]![1], BUSYBOX, LAYERED]), 'docker save');
    ok(await podman.podman(['save', '-m', '-o', made[1]![1], BUSYBOX, LAYERED]), 'podman save -m');
    ok(await podman.podman(['save', '--format', 'oci-archive', '-o', made[2]![1], LAYERED]), 'podman save oci-archive');
    for (const [name, file] of made) {
      const archive = await readFile(file);
      const listed = ok(await run('tar', ['--list', '--quoting-style=literal', '-f', file]), `tar --list ${name}`).split('\n').filter(Boolean);
      const reference = await tarStreamEntries(archive);
      assert.deepEqual(reference.map((e) => e.name), listed, `${name}: tar-stream and GNU tar`);
      for (const piece of [509, 64 * 1024 + 3, 1 << 20]) assert.deepEqual(await ourEntries(archive, piece), reference, `${name} in pieces of ${piece} bytes`);
    }
  });

  it('skopeo copy to docker-archive: and oci-archive: loads with the config digest skopeo reports', async () => {
    const dockerArchive = join(dir.path, 'skopeo-docker.tar');
    const ociArchive = join(dir.path, 'skopeo-oci.tar');
    ok(await skopeo.skopeo(['copy', '--src-daemon-host', engine.host, `docker-daemon:${LAYERED}`, `docker-archive:${dockerArchive}:${LAYERED}`]), 'skopeo copy docker-archive');
    ok(await skopeo.skopeo(['copy', `${podman.transport}docker.io/${LAYERED}`, `oci-archive:${ociArchive}:${LAYERED}`]), 'skopeo copy oci-archive');
    for (const [name, transport] of [['skopeo-docker', `docker-archive:${dockerArchive}`], ['skopeo-oci', `oci-archive:${ociArchive}`]] as const) {
      const reported = sha256(ok(await skopeo.skopeo(['inspect', '--config', '--raw', transport]), 'skopeo inspect'));
      assert.equal(reported, ids[LAYERED]);
      const loaded = await loadIntoFreshStore(name, transport.slice(transport.indexOf(':') + 1));
      assert.match(loaded.stdout, new RegExp(`Loaded image: ${LAYERED}\n$`));
      assert.equal(await loaded.id(LAYERED), reported);
    }
  });

  // Layers as stored (gzip here) and --uncompressed (plain tars, as classic docker save writes them).
  for (const [form, flags] of [['gzip layers', []], ['--uncompressed', ['--uncompressed']]] as const) {
    it(`stevedore save (${form}) loads in docker: same IDs, and the whiteouts and opaque folder take effect`, async () => {
      const archive = join(dir.path, `ours-docker-${flags.length}.tar`);
      ok(await runCli(store, ['save', ...flags, '-o', archive, BUSYBOX, LAYERED]), 'stevedore save');
      ok(await engine.docker(['rmi', BUSYBOX, LAYERED]), 'docker rmi');
      const loaded = ok(await engine.docker(['load', '-i', archive]), 'docker load');
      assert.match(loaded, new RegExp(`Loaded image: ${BUSYBOX}`));
      assert.match(loaded, new RegExp(`Loaded image: ${LAYERED}`));
      for (const ref of [BUSYBOX, LAYERED]) {
        assert.equal(ok(await engine.docker(['image', 'inspect', '--format', '{{.Id}}', ref]), 'docker inspect').trim(), ids[ref]);
      }
      const listing = ok(await engine.docker(['run', '--rm', '--network', 'none', LAYERED, 'ls', '/data', '/opq']), 'docker run');
      assert.equal(listing, '/data:\nkeep\n\n/opq:\nnew\n');
    });

    it(`stevedore save (${form}) loads in podman with the same IDs and full names`, async () => {
      const archive = join(dir.path, `ours-podman-${flags.length}.tar`);
      ok(await runCli(store, ['save', ...flags, '-o', archive, BUSYBOX, LAYERED]), 'stevedore save');
      const fresh = podmanStore(join(dir.path, `pf${flags.length}`));
      const loaded = ok(await fresh.podman(['load', '-i', archive]), 'podman load');
      assert.match(loaded, new RegExp(`Loaded image: docker.io/${BUSYBOX}`));
      for (const ref of [BUSYBOX, LAYERED]) {
        assert.equal(`sha256:${ok(await fresh.podman(['image', 'inspect', '--format', '{{.Id}}', `docker.io/${ref}`]), 'podman inspect').trim()}`, ids[ref]);
      }
    });

    it(`stevedore save (${form}) passes skopeo inspect as docker-archive: and as oci-archive: with the same IDs`, async () => {
      const archive = join(dir.path, `ours-skopeo-${flags.length}.tar`);
      ok(await runCli(store, ['save', ...flags, '-o', archive, BUSYBOX, LAYERED]), 'stevedore save');
      for (const [ref, tag] of [[BUSYBOX, 'bb'], [LAYERED, 'wh']] as const) {
        const asDocker = ok(await skopeo.skopeo(['inspect', '--config', '--raw', `docker-archive:${archive}:docker.io/${ref}`]), 'skopeo inspect docker-archive');
        assert.equal(sha256(asDocker), ids[ref]);
        const asOci = ok(await skopeo.skopeo(['inspect', '--config', '--raw', `oci-archive:${archive}:${tag}`]), 'skopeo inspect oci-archive');
        assert.equal(sha256(asOci), ids[ref]);
      }
      // And skopeo can copy out of it: the OCI side's blobs are complete.
      ok(await skopeo.skopeo(['copy', `oci-archive:${archive}:wh`, `oci:${join(dir.path, `copied-${flags.length}`)}:wh`]), 'skopeo copy out of our archive');
    });
  }

  it('round trip: stevedore save, rmi, load gives the same IDs and tags', async () => {
    const archive = join(dir.path, 'round-trip.tar');
    const before = ok(await runCli(store, ['images', '--no-trunc', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}']), 'images');
    ok(await runCli(store, ['save', '-o', archive, BUSYBOX, LAYERED, `${LAYERED}-lower`]), 'save');
    ok(await runCli(store, ['rmi', BUSYBOX, LAYERED, `${LAYERED}-lower`]), 'rmi');
    assert.equal(ok(await runCli(store, ['images', '-q']), 'images'), '');
    ok(await runCli(store, ['load', '-q', '-i', archive]), 'load');
    assert.equal(ok(await runCli(store, ['images', '--no-trunc', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}']), 'images'), before);
    ok(await runCli(store, ['system', 'check']), 'system check');
  });
});
