// `stevedore build` beside `docker build` (Debian's docker 20.10, classic builder, a private
// dockerd on vfs): the same Dockerfile and context give the same container config, and the image
// stevedore built runs in docker with the files, owners and modes the Dockerfile asked for. A RUN
// step that fails stops the build with nothing written, and an ARG feeds FROM, ENV and COPY.

import assert from 'node:assert/strict';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BUSYBOX, busyboxRootfs } from '../helpers/busybox';
import { runCli } from '../helpers/cli';
import { startDockerd, type Dockerd } from '../helpers/dockerd';
import { gzip, makeTar, tempDir } from '../helpers/fixtures';

const DOCKERFILE = `# A service image that needs no RUN
ARG BASE=scratch
FROM \${BASE}
ARG GREETING=hi
ENV PATH=/bin \\
    GREETING=\${GREETING}
LABEL org.example.team="platform" version=1
COPY busybox /bin/busybox
COPY ["app/", "/srv/app/"]
WORKDIR /srv/app
COPY --chown=1000:1000 app/hello.txt ./copied.txt
USER 1000:1000
EXPOSE 8080/tcp 9090
VOLUME /data
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=3s --retries=2 CMD ["/bin/busybox", "true"]
SHELL ["/bin/busybox", "sh", "-c"]
WORKDIR /var/lib/svc
ENTRYPOINT ["/bin/busybox"]
CMD ["sh", "-c", "echo $GREETING"]
`;

interface ContainerConfig {
  Env?: string[];
  Cmd?: string[];
  Entrypoint?: string[];
  WorkingDir?: string;
  User?: string;
  ExposedPorts?: Record<string, object>;
  Labels?: Record<string, string>;
  Volumes?: Record<string, object>;
  StopSignal?: string;
  Healthcheck?: object;
  Shell?: string[];
}

describe('build beside docker build', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let engine: Dockerd;
  let context: string;
  let store: string;

  before(async () => {
    dir = await tempDir();
    engine = await startDockerd();
    context = join(dir.path, 'context');
    store = join(dir.path, 'store');
    await mkdir(join(context, 'app', 'sub'), { recursive: true });
    await copyFile(BUSYBOX, join(context, 'busybox'));
    await writeFile(join(context, 'app', 'hello.txt'), 'hello from the context\n');
    await writeFile(join(context, 'app', 'sub', 'nested.txt'), 'nested\n');
    await writeFile(join(context, 'app', 'debug.log'), 'left out\n');
    await writeFile(join(context, '.dockerignore'), '**/*.log\n');
    await writeFile(join(context, 'Dockerfile'), DOCKERFILE);
  });
  after(async () => {
    await engine?.stop();
    await dir?.cleanup();
  });

  it('gives the container config docker build gives, with --build-arg', async () => {
    const ours = await runCli(store, ['build', '-t', 'svc:1', '--build-arg', 'GREETING=hey', context]);
    assert.equal(ours.code, 0, ours.stderr);
    assert.match(ours.stdout, /^Step 1\/18 : ARG BASE=scratch\n/);
    assert.match(ours.stdout, /\nSuccessfully built [0-9a-f]{12}\nSuccessfully tagged svc:1\n$/);
    const theirs = await engine.docker(['build', '-q', '-t', 'svc:docker', '--build-arg', 'GREETING=hey', context]);
    assert.equal(theirs.code, 0, theirs.stderr);
    const dockerConfig = JSON.parse((await engine.docker(['image', 'inspect', '--format', '{{json .Config}}', 'svc:docker'])).stdout) as ContainerConfig;
    const ourConfig = JSON.parse((await runCli(store, ['inspect', '--format', '{{json .Config}}', 'svc:1'])).stdout) as ContainerConfig;
    for (const key of ['Env', 'Cmd', 'Entrypoint', 'WorkingDir', 'User', 'ExposedPorts', 'Labels', 'Volumes', 'StopSignal', 'Healthcheck', 'Shell'] as const) {
      assert.deepEqual(ourConfig[key], dockerConfig[key], key);
    }
    assert.deepEqual(ourConfig.Env, ['PATH=/bin', 'GREETING=hey']);
    // Kept uncompressed, as docker keeps what it builds (a push compresses them).
    const mediaTypes = JSON.parse((await runCli(store, ['inspect', '--format', '{{json .Layers}}', 'svc:1'])).stdout) as { MediaType: string }[];
    assert.ok(mediaTypes.length >= 2 && mediaTypes.every((l) => l.MediaType === 'application/vnd.oci.image.layer.v1.tar'), JSON.stringify(mediaTypes));
  });

  it('history shows each step\'s size as docker history does: content bytes (a 23-byte COPY is 23B, not its 2 kB tar)', async () => {
    const small = join(dir.path, 'sizes');
    await mkdir(join(small, 'app'), { recursive: true });
    await copyFile(BUSYBOX, join(small, 'busybox'));
    await writeFile(join(small, 'app', 'hello.txt'), 'hello from the context\n');
    await writeFile(join(small, 'app', 'six.txt'), 'hello\n');
    await writeFile(join(small, 'Dockerfile'), 'FROM scratch\nCOPY busybox /bin/busybox\nCOPY ["app/", "/srv/app/"]\nWORKDIR /srv/app\nCOPY app/six.txt ./copied.txt\nENV A=1\nWORKDIR /var/lib/svc\nCMD ["sh"]\n');
    assert.equal((await runCli(store, ['build', '-q', '-t', 'sizes:1', small])).code, 0);
    assert.equal((await engine.docker(['build', '-q', '-t', 'sizes:docker', small])).code, 0);
    for (const human of ['-H=true', '-H=false']) {
      const args = ['history', human, '--format', '{{.Size}}'];
      const theirs = (await engine.docker([...args, 'sizes:docker'])).stdout;
      assert.equal((await runCli(store, [...args, 'sizes:1'])).stdout, theirs, human);
    }
    assert.match((await runCli(store, ['history', '--format', '{{.Size}}', 'sizes:1'])).stdout, /^0B\n0B\n0B\n6B\n0B\n29B\n1\.98MB\n$/);
    assert.equal((await runCli(store, ['inspect', '-f', '{{.Size}}', 'sizes:1'])).stdout, (await engine.docker(['inspect', '-f', '{{.Size}}', 'sizes:docker'])).stdout);
  });

  it('runs in docker with the files, owners and modes asked for, and without what .dockerignore leaves out', async () => {
    const archive = join(dir.path, 'svc.tar');
    assert.equal((await runCli(store, ['save', '-o', archive, 'svc:1'])).code, 0);
    const loaded = await engine.docker(['load', '-i', archive]);
    assert.equal(loaded.code, 0, loaded.stderr);
    const greeting = await engine.docker(['run', '--rm', '--network', 'none', 'svc:1']);
    assert.equal(greeting.stdout, 'hey\n', greeting.stderr);
    const listing = await engine.docker(['run', '--rm', '--network', 'none', 'svc:1', 'sh', '-c', 'pwd && ls -lnd /var/lib/svc && cd /srv/app && ls -ln . sub && cat copied.txt && id -u']);
    assert.equal(listing.code, 0, listing.stderr);
    assert.match(listing.stdout, /^\/var\/lib\/svc\ndrwxr-xr-x +\d+ 0 +0 .* \/var\/lib\/svc\n/, 'WORKDIR made its folder');
    assert.match(listing.stdout, /-rw-r--r-- +1 0 +0 +23 .* hello\.txt/);
    assert.match(listing.stdout, /-rw-r--r-- +1 1000 +1000 +23 .* copied\.txt/);
    assert.match(listing.stdout, /nested\.txt/);
    assert.doesNotMatch(listing.stdout, /debug\.log/);
    assert.match(listing.stdout, /hello from the context\n1000\n$/);
  });

  it('ADD unpacks a local tar (gzip here) as docker does, and its names cannot climb out of the destination', async () => {
    const other = join(dir.path, 'add-rootfs');
    await mkdir(other);
    await writeFile(join(other, 'rootfs.tar.gz'), gzip(await busyboxRootfs()));
    await writeFile(join(other, 'sneaky.tar'), await makeTar([{ name: '../../escaped.txt', content: 'kept inside\n' }]));
    await writeFile(join(other, 'notes.txt.gz'), gzip(Buffer.from('not a tar\n')));
    await writeFile(join(other, 'Dockerfile'), 'FROM scratch\nADD rootfs.tar.gz /\nADD sneaky.tar notes.txt.gz /srv/\nCMD ["/bin/sh", "-c", "ls /bin/busybox /srv && cat /srv/escaped.txt"]\n');
    const ours = await runCli(store, ['build', '-q', '-t', 'rootfs:1', other]);
    assert.equal(ours.code, 0, ours.stderr);
    const archive = join(dir.path, 'rootfs.tar');
    assert.equal((await runCli(store, ['save', '-o', archive, 'rootfs:1'])).code, 0);
    assert.equal((await engine.docker(['load', '-i', archive])).code, 0);
    const run = await engine.docker(['run', '--rm', '--network', 'none', 'rootfs:1']);
    assert.equal(run.stdout, '/bin/busybox\n\n/srv:\nescaped.txt\nnotes.txt.gz\nkept inside\n', run.stderr);
  });

  it('--chown with names takes the ids from the image\'s /etc/passwd and /etc/group, as docker build does', async () => {
    const rootfs = join(dir.path, 'users-rootfs.tar');
    const box = await busyboxRootfs();
    const users = await makeTar([
      { name: 'etc/', type: 'directory' },
      { name: 'etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\napp:x:1234:1234:app:/home/app:/bin/sh\n' },
      { name: 'etc/group', content: 'root:x:0:\napp:x:1234:\nstaff:x:2345:app\n' },
      { name: 'home/', type: 'directory' },
      { name: 'home/app/', type: 'directory' },
    ]);
    // The busybox rootfs and the user database as two layers of one base image.
    await writeFile(rootfs, box);
    assert.equal((await runCli(store, ['import', rootfs, 'users-base:1'])).code, 0);
    const usersTar = join(dir.path, 'users.tar');
    await writeFile(usersTar, users);
    assert.equal((await runCli(store, ['commit', 'users-base:1', usersTar, 'users-base:2'])).code, 0);
    const baseArchive = join(dir.path, 'users-base.tar');
    assert.equal((await runCli(store, ['save', '-o', baseArchive, 'users-base:2'])).code, 0);
    assert.equal((await engine.docker(['load', '-i', baseArchive])).code, 0);

    const other = join(dir.path, 'chown-names');
    await mkdir(other);
    await writeFile(join(other, 'hello.txt'), 'hi\n');
    await writeFile(join(other, 'Dockerfile'), 'FROM users-base:2\nCOPY --chown=app:staff hello.txt /home/app/pair.txt\nCOPY --chown=app hello.txt /home/app/solo.txt\nCOPY --chown=app:0 hello.txt /home/app/mixed.txt\n');
    const ours = await runCli(store, ['build', '-q', '-t', 'chowned:ours', other]);
    assert.equal(ours.code, 0, ours.stderr);
    const theirs = await engine.docker(['build', '-q', '-t', 'chowned:docker', other]);
    assert.equal(theirs.code, 0, theirs.stdout + theirs.stderr);
    const archive = join(dir.path, 'chowned.tar');
    assert.equal((await runCli(store, ['save', '-o', archive, 'chowned:ours'])).code, 0);
    assert.equal((await engine.docker(['load', '-i', archive])).code, 0);
    const list = async (image: string): Promise<string> => {
      const out = await engine.docker(['run', '--rm', '--network', 'none', image, 'sh', '-c', "ls -ln /home/app | awk 'NR>1 {print $3, $4, $NF}'"]);
      assert.equal(out.code, 0, out.stderr);
      return out.stdout;
    };
    assert.equal(await list('chowned:ours'), '1234 0 mixed.txt\n1234 2345 pair.txt\n1234 1234 solo.txt\n');
    assert.equal(await list('chowned:ours'), await list('chowned:docker'));
    const unknown = join(dir.path, 'chown-unknown');
    await mkdir(unknown);
    await writeFile(join(unknown, 'Dockerfile'), 'FROM users-base:2\nCOPY --chown=nobody Dockerfile /\n');
    const refused = await runCli(store, ['build', unknown]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /--chown=nobody: unable to find user nobody: no matching entries in \/etc\/passwd/);
  });

  it("a RUN step runs under the image's SHELL; one that fails stops the build and nothing is written", async () => {
    const other = join(dir.path, 'with-run');
    await mkdir(other);
    await writeFile(join(other, 'Dockerfile'), 'FROM svc:1\nRUN echo "as $(/bin/busybox id -u)"; exit 3\n');
    const before = (await runCli(store, ['images', '-a', '-q', '--no-trunc'])).stdout;
    const out = await runCli(store, ['build', '-t', 'never:1', other]);
    assert.equal(out.code, 1);
    assert.match(out.stdout, /^as 1000$/m);
    assert.match(out.stderr, /The command '\/bin\/busybox sh -c echo "as \$\(\/bin\/busybox id -u\)"; exit 3' returned a non-zero code: 3 \(Dockerfile line 2\)/);
    assert.equal((await runCli(store, ['images', '-a', '-q', '--no-trunc'])).stdout, before);
    assert.equal((await runCli(store, ['system', 'check'])).code, 0, 'no blob left behind');
  });

  it('builds on an image in the store, and FROM takes an ARG', async () => {
    const other = join(dir.path, 'on-top');
    await mkdir(other);
    await writeFile(join(other, 'extra.txt'), 'one more layer\n');
    await writeFile(join(other, 'Dockerfile'), 'ARG FROM_IMAGE\nFROM $FROM_IMAGE\nCOPY extra.txt /srv/\nCMD ["cat", "/srv/extra.txt"]\n');
    const out = await runCli(store, ['build', '-q', '-t', 'svc:2', '--build-arg', 'FROM_IMAGE=svc:1', other]);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /^sha256:[0-9a-f]{64}\n$/);
    const layers = (await runCli(store, ['inspect', '--format', '{{len .RootFS.Layers}}', 'svc:2'])).stdout.trim();
    const baseLayers = (await runCli(store, ['inspect', '--format', '{{len .RootFS.Layers}}', 'svc:1'])).stdout.trim();
    assert.equal(Number(layers), Number(baseLayers) + 1);
    const archive = join(dir.path, 'svc2.tar');
    assert.equal((await runCli(store, ['save', '-o', archive, 'svc:2'])).code, 0);
    assert.equal((await engine.docker(['load', '-i', archive])).code, 0);
    const run = await engine.docker(['run', '--rm', '--network', 'none', '--entrypoint', '', 'svc:2', '/bin/busybox', 'cat', '/srv/extra.txt', '/srv/app/hello.txt']);
    assert.equal(run.stdout, 'one more layer\nhello from the context\n', run.stderr);
  });
});
