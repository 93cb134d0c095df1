// Docker Hub mirrors from Docker's daemon.json and containers' registries.conf, with the loopback
// registry as the mirror (there is no internet here, so Docker Hub itself is never reachable):
// an image the mirror has is pulled from it and recorded under its docker.io name; a mirror that
// lacks it is passed over for Docker Hub, and the error then names both what was tried.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parseRegistriesConf } from '../../src/core/registry/hubMirrors';
import { FileImageStore } from '../../src/core/store/fileImageStore';
import { runCli } from '../helpers/cli';
import { importBuffer, randomRootfs, tempDir } from '../helpers/fixtures';
import { startRegistry, type RunningRegistry } from '../helpers/registry';

describe('Docker Hub mirrors', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let mirror: RunningRegistry;
  let empty: RunningRegistry;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    dir = await tempDir();
    mirror = await startRegistry({});
    empty = await startRegistry({});
    const source = await FileImageStore.open(join(dir.path, 'source'));
    await importBuffer(source, await randomRootfs(2, 50_000), `${mirror.host}/library/mirrored:1`);
    assert.equal((await runCli(source.root, ['push', `${mirror.host}/library/mirrored:1`])).code, 0);
    // No user file and no system file may leak in: both locations point into the test's folder.
    env = { HOME: join(dir.path, 'home'), XDG_CONFIG_HOME: join(dir.path, 'home', '.config'), STEVEDORE_REGISTRIES_CONF: join(dir.path, 'none.conf'), STEVEDORE_DOCKER_DAEMON_JSON: join(dir.path, 'none.json') };
  });
  after(async () => {
    await mirror?.stop();
    await empty?.stop();
    await dir?.cleanup();
  });

  it("daemon.json's registry-mirrors serve a Docker Hub pull; the image is recorded as docker.io's", async () => {
    const daemon = join(dir.path, 'daemon.json');
    await writeFile(daemon, JSON.stringify({ 'registry-mirrors': [`http://${mirror.host}`] }));
    const store = join(dir.path, 'a');
    const out = await runCli(store, ['pull', 'mirrored:1'], { env: { ...env, STEVEDORE_DOCKER_DAEMON_JSON: daemon } });
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /Status: Downloaded newer image for mirrored:1\n/);
    assert.equal(out.stdout.trimEnd().split('\n').pop(), 'docker.io/library/mirrored:1');
    const images = await runCli(store, ['images', '--format', '{{.Repository}}:{{.Tag}}']);
    assert.equal(images.stdout, 'mirrored:1\n');
  });

  it("registries.conf's [[registry.mirror]] for docker.io is tried; a mirror without the image falls back to Docker Hub, and the error lists both", async () => {
    const conf = join(dir.path, 'registries.conf');
    await writeFile(
      conf,
      [
        'unqualified-search-registries = ["docker.io",',
        '  "quay.io"]',
        '[[registry]]',
        'prefix = "quay.io"',
        'location = "quay.io"',
        '[[registry.mirror]]',
        `location = "${mirror.host}" # not for Docker Hub`,
        '[[registry]]',
        'prefix = "docker.io"',
        'location = "docker.io"',
        '[[registry.mirror]]',
        `location = "${empty.host}"`,
        'insecure = true',
      ].join('\n'),
    );
    const store = join(dir.path, 'b');
    const out = await runCli(store, ['pull', 'mirrored:1'], { env: { ...env, STEVEDORE_REGISTRIES_CONF: conf } });
    assert.equal(out.code, 1);
    assert.equal(out.stdout, '');
    // Docker Hub cannot be reached from here; the message says so and names the mirror it tried first.
    assert.match(out.stderr, /docker\.io/);
    assert.match(out.stderr, new RegExp(`Docker Hub's mirrors were tried first: ${empty.host} \\(manifest for .*mirrored:1 not found`));
    // And with the mirror that has it listed too (a drop-in), the pull comes from there.
    const dropIns = `${conf}.d`;
    await import('node:fs/promises').then((fs) => fs.mkdir(dropIns));
    await writeFile(join(dropIns, '50-mirror.conf'), `[[registry]]\nlocation = "docker.io"\n[[registry.mirror]]\nlocation = "${mirror.host}"\n`);
    const again = await runCli(store, ['pull', 'mirrored:1'], { env: { ...env, STEVEDORE_REGISTRIES_CONF: conf } });
    assert.equal(again.code, 0, again.stderr);
  });

  it('reads only the registries.conf subset it needs, and says where a line cannot be read', () => {
    const parsed = parseRegistriesConf('# c\n[aliases]\n"x" = "docker.io/library/x"\n[[registry]]\nprefix = \'docker.io\'\n[[registry.mirror]]\nlocation = "m.example:5000"\ninsecure = false\n');
    assert.deepEqual(parsed, [{ prefix: 'docker.io', mirrors: [{ location: 'm.example:5000', insecure: false }] }]);
    assert.throws(() => parseRegistriesConf('[[registry]]\nlocation: "x"\n', 'r.conf'), /r\.conf:2: cannot read/);
  });
});
