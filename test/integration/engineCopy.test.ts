// Stevedore beside real engines: a private dockerd (20.10, vfs) and `podman system service` (4.3),
// both started and stopped here. Images cross store → engine → store with the same IDs and layers,
// an image the target has is not sent again, the engine's listings and conflicts come through as
// the engine's own client shows them, and every way of naming an engine resolves as docker does.

import assert from 'node:assert/strict';
import { chmod, copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { TransferEvent } from '../../src/core/transfer/transferEvent';
import { copyImage } from '../../src/core/copy/copyImage';
import { EngineClient } from '../../src/core/engine/engineClient';
import { endpointFromHost } from '../../src/core/engine/engineEndpoint';
import { FileImageStore } from '../../src/core/store/fileImageStore';
import { busyboxRootfs } from '../helpers/busybox';
import { run, runCli, type CliResult } from '../helpers/cli';
import { makeServerCertificates } from '../helpers/certificates';
import { startDockerd, type Dockerd } from '../helpers/dockerd';
import { freePort } from '../helpers/registry';
import { tempDir } from '../helpers/fixtures';
import { startPodmanService, type PodmanService } from '../helpers/podmanService';

function ok(result: CliResult, what: string): string {
  assert.equal(result.code, 0, `${what} failed:\n${result.stderr}${result.stdout}`);
  return result.stdout;
}

describe('copy between the store, Docker and Podman', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let store: string;
  let docker: Dockerd;
  let podman: PodmanService;
  let imageId: string;
  let dockerEnv: NodeJS.ProcessEnv;

  const cli = (args: readonly string[], env: NodeJS.ProcessEnv = dockerEnv, at = store): Promise<CliResult> => runCli(at, args, { env });

  before(async () => {
    dir = await tempDir();
    store = join(dir.path, 'store');
    [docker, podman] = await Promise.all([startDockerd(), startPodmanService()]);
    dockerEnv = { DOCKER_HOST: docker.host, CONTAINER_HOST: podman.host, DOCKER_CONFIG: join(dir.path, 'docker-config') };
    const rootfs = join(dir.path, 'rootfs.tar');
    await writeFile(rootfs, await busyboxRootfs());
    imageId = ok(await cli(['import', '-c', 'CMD ["/bin/sh", "-c", "echo from-stevedore"]', rootfs, 'stevedore-test/copy:one']), 'import').trim();
  });

  after(async () => {
    await Promise.all([docker?.stop(), podman?.stop()]);
    await dir?.cleanup();
  });

  it('store → Docker → store keeps the image ID and the layer diffIDs, and Docker runs it', async () => {
    ok(await cli(['copy', 'stevedore-test/copy:one', 'docker-daemon:stevedore-test/copy:in-docker']), 'copy to docker');
    const inspected = JSON.parse(ok(await docker.docker(['image', 'inspect', 'stevedore-test/copy:in-docker']), 'docker inspect')) as { Id: string; RootFS: { Layers: string[] } }[];
    assert.equal(inspected[0]!.Id, imageId);
    assert.equal(ok(await docker.docker(['run', '--rm', '--network', 'none', 'stevedore-test/copy:in-docker']), 'docker run').trim(), 'from-stevedore');

    const back = join(dir.path, 'store-back');
    ok(await cli(['copy', 'docker-daemon:stevedore-test/copy:in-docker', 'stevedore-test/copy:back'], dockerEnv, back), 'copy back');
    const ours = JSON.parse(ok(await cli(['inspect', 'stevedore-test/copy:back'], dockerEnv, back), 'inspect')) as { Id: string; RootFS: { Layers: string[] } }[];
    assert.equal(ours[0]!.Id, imageId);
    assert.deepEqual(ours[0]!.RootFS.Layers, inspected[0]!.RootFS.Layers);
    ok(await cli(['system', 'check'], dockerEnv, back), 'system check');
  });

  it('copies nothing when the target already has the image, and only names it', async () => {
    const out = ok(await cli(['copy', 'stevedore-test/copy:one', 'docker-daemon:stevedore-test/copy:second-name']), 'copy again');
    assert.match(out, /already has the image \(\w{12}\); named it stevedore-test\/copy:second-name, nothing copied/);
    const ids = ok(await docker.docker(['images', '-q', '--no-trunc', 'stevedore-test/copy:second-name']), 'docker images').trim();
    assert.equal(ids, imageId);
  });

  it('an image Docker built comes into the store with its files', async () => {
    const context = join(dir.path, 'ctx');
    await mkdir(context, { recursive: true });
    await writeFile(join(context, 'Dockerfile'), 'FROM stevedore-test/copy:in-docker\nCOPY greeting.txt /srv/greeting.txt\n');
    await writeFile(join(context, 'greeting.txt'), 'built by docker\n');
    ok(await docker.docker(['build', '-q', '-t', 'stevedore-test/built:dev', context]), 'docker build');
    const dockerId = ok(await docker.docker(['images', '-q', '--no-trunc', 'stevedore-test/built:dev']), 'docker images').trim();

    ok(await cli(['copy', 'docker-daemon:stevedore-test/built:dev', 'stevedore-test/built:dev']), 'copy built');
    assert.equal(ok(await cli(['images', '-q', '--no-trunc', 'stevedore-test/built:dev']), 'images').trim(), dockerId);
    const layer = JSON.parse(ok(await cli(['layers', 'stevedore-test/built:dev', '--layer', '1', '--json']), 'layers')) as { name: string[]; size: number[] };
    assert.deepEqual(layer.name, ['', 'srv', 'greeting.txt']);
    assert.equal(layer.size[2], 'built by docker\n'.length);
  });

  it('store → Podman → store keeps the image ID', async () => {
    ok(await cli(['copy', 'stevedore-test/copy:one', 'podman:stevedore-test/copy:in-podman']), 'copy to podman');
    const listed = ok(await podman.podman(['images', '--no-trunc', '--format', '{{.ID}} {{.Repository}}:{{.Tag}}']), 'podman images');
    assert.equal(listed.trim(), `${imageId} docker.io/stevedore-test/copy:in-podman`);
    const back = join(dir.path, 'store-from-podman');
    ok(await cli(['copy', 'podman:stevedore-test/copy:in-podman', 'stevedore-test/copy:from-podman'], dockerEnv, back), 'copy from podman');
    assert.equal(ok(await cli(['images', '-q', '--no-trunc'], dockerEnv, back), 'images').trim(), imageId);
  });

  it('images --engine docker lists exactly what docker images lists', async () => {
    // Every field but the relative age, which moves between the two commands on a busy machine.
    const fields = '{{.ID}} {{.Repository}} {{.Tag}} {{.Digest}} {{.CreatedAt}} {{.Size}} {{.VirtualSize}} {{.SharedSize}} {{.Containers}}';
    for (const args of [[], ['--digests'], ['-a'], ['--no-trunc'], ['--filter', 'reference=stevedore-test/*'], ['--filter', 'dangling=false'], ['stevedore-test/copy']]) {
      const theirs = ok(await docker.docker(['images', '--format', fields, ...args]), `docker images ${args.join(' ')}`);
      const ours = ok(await cli(['images', '--engine', 'docker', '--format', fields, ...args]), `images --engine docker ${args.join(' ')}`);
      assert.deepEqual(ours.split('\n').sort(), theirs.split('\n').sort(), args.join(' '));
    }
    const historyFields = '{{.ID}}\t{{.CreatedAt}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}';
    assert.equal(
      ok(await cli(['history', '--engine', 'docker', '--no-trunc', '--format', historyFields, 'stevedore-test/built:dev']), 'history'),
      ok(await docker.docker(['history', '--no-trunc', '--format', historyFields, 'stevedore-test/built:dev']), 'docker history'),
    );
    assert.equal(
      ok(await cli(['inspect', '--engine', 'docker', 'stevedore-test/built:dev']), 'inspect'),
      ok(await docker.docker(['image', 'inspect', 'stevedore-test/built:dev']), 'docker inspect'),
    );
  });

  it('layers and verify read an engine image from one export, kept in the engine-image cache', async () => {
    const cacheEnv = { ...dockerEnv, XDG_CACHE_HOME: join(dir.path, 'xdg-cache') };
    const layer = JSON.parse(ok(await cli(['layers', '--engine', 'docker', 'stevedore-test/built:dev', '--layer', '1', '--json'], cacheEnv), 'layers --engine')) as { name: string[] };
    assert.deepEqual(layer.name, ['', 'srv', 'greeting.txt']);
    const verified = ok(await cli(['verify', '--engine', 'docker', 'stevedore-test/built:dev'], cacheEnv), 'verify --engine');
    assert.match(verified, /All 6 digests match/);
    // The second and third look found the export of the first: the cache holds that one image.
    const cache = join(dir.path, 'xdg-cache', 'stevedore', 'engine-images');
    const dockerId = ok(await docker.docker(['images', '-q', '--no-trunc', 'stevedore-test/built:dev']), 'docker images').trim();
    assert.equal(ok(await cli(['images', '-q', '--no-trunc'], cacheEnv, cache), 'images of the cache').trim(), dockerId);
  });

  it("rmi through the engine reports Docker's conflict for an image a container uses", async () => {
    ok(await cli(['tag', '--engine', 'docker', 'stevedore-test/copy:in-docker', 'stevedore-test/copy:used']), 'tag --engine');
    ok(await docker.docker(['create', '--name', 'user-of-image', 'stevedore-test/copy:used']), 'docker create');
    const theirs = await docker.docker(['rmi', imageId]);
    assert.equal(theirs.code, 1);
    const conflict = theirs.stderr.replace(/^Error response from daemon: /, '').trim();
    assert.match(conflict, /^conflict: unable to delete/);
    const result = await cli(['rmi', '--engine', 'docker', imageId]);
    assert.equal(result.code, 1);
    assert.equal(result.stderr.trim(), `Error: Docker: ${conflict}`);
    ok(await docker.docker(['rm', 'user-of-image']), 'docker rm');
    const removed = ok(await cli(['rmi', '--engine', 'docker', 'stevedore-test/copy:used']), 'rmi --engine');
    assert.equal(removed.trim(), 'Untagged: stevedore-test/copy:used');
  });

  it('a copy out of Docker reports each layer of its export as it streams, each ending at its size', async () => {
    const client = new EngineClient(endpointFromHost('docker', docker.host));
    const target = await FileImageStore.open(join(dir.path, 'store-layers'));
    const events: Extract<TransferEvent, { kind: 'layer' }>[] = [];
    try {
      await copyImage({ kind: 'engine', engine: 'docker', name: 'stevedore-test/copy:in-docker' }, { kind: 'store', name: 'stevedore-test/copy:layers' }, {
        openStore: async () => target,
        engine: async () => client,
        onEvent: (e) => e.kind === 'layer' && events.push(e),
      });
    } finally {
      await client.close();
    }
    const inspected = JSON.parse(ok(await docker.docker(['image', 'inspect', 'stevedore-test/copy:in-docker']), 'docker inspect')) as { RootFS: { Layers: string[] } }[];
    const ids = [...new Set(events.map((e) => e.id))];
    assert.equal(ids.length, inspected[0]!.RootFS.Layers.length);
    for (const id of ids) {
      const last = events.filter((e) => e.id === id).at(-1)!;
      assert.ok(last.state === 'done' && last.total > 0 && last.current === last.total, `layer ${id} ended at ${last.current}/${last.total}`);
    }
  });

  it('image prune --engine removes what the engine calls dangling and reports it as docker does', async () => {
    const rootfs = join(dir.path, 'dangling.tar');
    await writeFile(rootfs, await busyboxRootfs());
    const dangling = ok(await docker.docker(['import', '-c', 'LABEL stevedore.test=dangling', rootfs]), 'docker import').trim();
    const pruned = ok(await cli(['image', 'prune', '--engine', 'docker', '-f', '--filter', 'label=stevedore.test=dangling']), 'image prune --engine');
    assert.match(pruned, new RegExp(`^Deleted Images:\ndeleted: ${dangling}\n\nTotal reclaimed space: \\d`));
    assert.equal(ok(await docker.docker(['images', '-q', '--no-trunc', '--filter', 'dangling=true']), 'docker images').includes(dangling), false);
    const bad = await cli(['image', 'prune', '--engine', 'docker', '-f', '--filter', 'until=soon']);
    assert.equal(bad.code, 1);
  });

  describe('finding the engine as the docker CLI does', () => {
    it('takes -H, a context made with docker context create, and DOCKER_CONTEXT', async () => {
      const bare = { DOCKER_HOST: '', DOCKER_CONTEXT: '', DOCKER_CONFIG: join(dir.path, 'contexts-config') };
      ok(await cli(['images', '--engine', 'docker', '-q', '-H', docker.host], bare), '-H');
      ok(await run('docker', ['context', 'create', 'private', '--docker', `host=${docker.host}`], { env: bare }), 'docker context create');
      const viaFlag = ok(await cli(['images', '--engine', 'docker', '-q', '--context', 'private'], bare), '--context');
      assert.notEqual(viaFlag.trim(), '');
      ok(await cli(['images', '--engine', 'docker', '-q'], { ...bare, DOCKER_CONTEXT: 'private' }), 'DOCKER_CONTEXT');
      ok(await run('docker', ['context', 'use', 'private'], { env: bare }), 'docker context use');
      assert.equal(ok(await cli(['images', '--engine', 'docker', '-q'], bare), 'current context'), viaFlag);
      const both = await cli(['images', '--engine', 'docker', '-H', docker.host, '--context', 'private'], bare);
      assert.equal(both.code, 1);
      assert.match(both.stderr, /either --host or --context/);
      const missing = await cli(['images', '--engine', 'docker', '--context', 'nope'], bare);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /Docker context "nope" does not exist/);
    });

    it('reaches an engine over tcp:// with TLS as DOCKER_TLS_VERIFY and DOCKER_CERT_PATH say, and refuses a certificate it cannot verify', async () => {
      const tlsDir = join(dir.path, 'tls');
      await mkdir(tlsDir, { recursive: true });
      const certs = await makeServerCertificates(tlsDir);
      const port = await freePort();
      const tlsEngine = await startDockerd({ tcpTls: { port, caFile: certs.caFile, certFile: certs.certFile, keyFile: certs.keyFile } });
      try {
        // DOCKER_CERT_PATH holds ca.pem and the client's cert.pem/key.pem, signed by the same CA:
        // dockerd given a CA asks clients for a certificate.
        const certPath = join(dir.path, 'client-certs');
        await mkdir(certPath, { recursive: true });
        await copyFile(certs.caFile, join(certPath, 'ca.pem'));
        ok(await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(certPath, 'key.pem'), '-out', join(certPath, 'client.csr'), '-subj', '/CN=client']), 'client key');
        await writeFile(join(certPath, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
        ok(
          await run('openssl', ['x509', '-req', '-in', join(certPath, 'client.csr'), '-CA', certs.caFile, '-CAkey', join(tlsDir, 'ca.key'), '-CAcreateserial', '-out', join(certPath, 'cert.pem'), '-days', '3', '-extfile', join(certPath, 'client.ext')]),
          'client certificate',
        );
        const env = { DOCKER_HOST: `tcp://127.0.0.1:${port}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: certPath, DOCKER_CONTEXT: '' };
        const theirs = ok(await run('docker', ['version', '--format', '{{.Server.APIVersion}}'], { env }), 'docker version over TLS');
        assert.match(theirs, /^1\.\d+/);
        ok(await cli(['images', '--engine', 'docker', '-q'], env), 'images over TLS');

        const otherCa = join(dir.path, 'other-ca');
        await mkdir(otherCa, { recursive: true });
        const other = await makeServerCertificates(otherCa);
        const wrongPath = join(dir.path, 'wrong-certs');
        await mkdir(wrongPath, { recursive: true });
        await copyFile(other.caFile, join(wrongPath, 'ca.pem'));
        for (const f of ['cert.pem', 'key.pem']) await copyFile(join(certPath, f), join(wrongPath, f));
        const refused = await cli(['images', '--engine', 'docker'], { ...env, DOCKER_CERT_PATH: wrongPath });
        assert.equal(refused.code, 1);
        assert.match(refused.stderr, /TLS with Docker at tcp:\/\/127\.0\.0\.1:\d+ failed .*DOCKER_CERT_PATH/);
      } finally {
        await tlsEngine.stop();
      }
    });

    it('says what is wrong with an absent socket, a socket it may not open, and a server that is not an engine', async () => {
      const absent = await cli(['images', '--engine', 'docker'], { DOCKER_HOST: `unix://${join(dir.path, 'nothing.sock')}` });
      assert.equal(absent.code, 1);
      assert.match(absent.stderr, /there is no socket at .*nothing\.sock\. Start Docker/);

      // Something on the socket that speaks HTTP but not the Engine API, and something that does not speak HTTP.
      const httpSock = join(dir.path, 'http.sock');
      const garbageSock = join(dir.path, 'garbage.sock');
      const servers: Server[] = [
        createServer((s) => s.once('data', () => s.end('HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\nConnection: close\r\n\r\nnot here\n'))),
        // Reading on (resume) lets the server see the client go, so close() can finish.
        createServer((s) => s.resume().end('SSH-2.0-OpenSSH_9.2\r\n')),
      ];
      await Promise.all([httpSock, garbageSock].map((path, i) => new Promise<void>((resolve) => servers[i]!.listen(path, resolve))));
      try {
        const notEngine = await cli(['images', '--engine', `unix://${httpSock}`]);
        assert.equal(notEngine.code, 1);
        assert.match(notEngine.stderr, /answered at unix:\/\/.*http\.sock, but not the Docker Engine API \(status 404\)/);
        const garbage = await cli(['images', '--engine', `unix://${garbageSock}`]);
        assert.equal(garbage.code, 1);
        assert.match(garbage.stderr, /did not answer as a Docker Engine API would \(it does not speak HTTP\)/);
      } finally {
        await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
      }

      // Permission: a socket only root may open, tried by an unprivileged user.
      const closedDir = join(dir.path, 'closed');
      await mkdir(closedDir);
      const closedSock = join(closedDir, 'docker.sock');
      const server = createServer((s) => s.resume().end());
      await new Promise<void>((resolve) => server.listen(closedSock, resolve));
      try {
        await chmod(closedSock, 0o600);
        await chmod(dir.path, 0o755);
        const asNobody = await run('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, join(__dirname, '..', '..', 'dist', 'cli.js'), '--store', join(closedDir, 'store'), 'images', '--engine', 'docker'], {
          env: { DOCKER_HOST: `unix://${closedSock}`, HOME: closedDir },
        });
        assert.equal(asNobody.code, 1, asNobody.stderr);
        assert.match(asNobody.stderr, /Permission denied while connecting to Docker .* Add your user to the "docker" group/);
      } finally {
        await new Promise((resolve) => server.close(resolve));
        await rm(closedDir, { recursive: true, force: true });
      }
    });
  });
});
