// sigstoreSigned: cosign-style signatures attached as sha256-<hex>.sig tags (ECDSA P-256 keys made
// by the test), and Sigstore bundles made by @sigstore/sign attached as OCI 1.1 referrers, read
// where registries.d sets use-sigstore-attachments, verified with the policy's public key; another
// key, another digest and a missing attachment setting are refused with the store unchanged.

import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FileImageStore } from '../../src/core/store/fileImageStore';
import { runCli } from '../helpers/cli';
import { attachCosignSignature, cosignPayload, makeCosignKeys, type CosignKeys } from '../helpers/cosignAttach';
import { importBuffer, randomRootfs, tempDir } from '../helpers/fixtures';
import { writeJson } from '../helpers/gpgKeys';
import { startRegistry, type RunningRegistry } from '../helpers/registry';
import { attachBundleReferrer, makeBundle } from '../helpers/sigstoreBundle';
import { storeSnapshot } from '../helpers/storeSnapshot';

describe('pull under a sigstoreSigned policy, with cosign-style .sig attachments', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let registry: RunningRegistry;
  let trusted: CosignKeys;
  let stranger: CosignKeys;
  let policy: string;
  let registriesD: string;
  let noAttachments: string;
  let env: NodeJS.ProcessEnv;
  const digestOf: Record<string, string> = {};

  before(async () => {
    dir = await tempDir();
    registry = await startRegistry({});
    trusted = makeCosignKeys();
    stranger = makeCosignKeys();
    await writeFile(join(dir.path, 'cosign.pub'), trusted.publicKeyPem);
    policy = await writeJson(join(dir.path, 'sigstore.json'), {
      default: [{ type: 'reject' }],
      transports: { docker: { [registry.host]: [{ type: 'sigstoreSigned', keyPath: join(dir.path, 'cosign.pub') }] } },
    });
    registriesD = join(dir.path, 'registries.d');
    await mkdir(registriesD);
    await writeFile(join(registriesD, 'sigstore.yaml'), `docker:\n  ${registry.host}:\n    use-sigstore-attachments: true\n`);
    noAttachments = join(dir.path, 'registries-none.d');
    await mkdir(noAttachments);
    env = { HOME: join(dir.path, 'home'), DOCKER_CONFIG: join(dir.path, 'home', '.docker'), DOCKER_CONTENT_TRUST: '' };
    const source = join(dir.path, 'source');
    const store = await FileImageStore.open(source);
    for (const name of ['good', 'stranger', 'elsewhere', 'bundled', 'bundled-stranger', 'bundled-renamed']) {
      const ref = `${registry.host}/team/${name}:1.0`;
      await importBuffer(store, await randomRootfs(2, 10_000), ref);
      const pushed = await runCli(source, ['push', ref], { env });
      assert.equal(pushed.code, 0, pushed.stderr);
      digestOf[name] = /digest: (sha256:[a-f0-9]{64})/.exec(pushed.stdout)![1]!;
    }
    const sign = (name: string, keys: CosignKeys, claimedDigest = digestOf[name]!) =>
      attachCosignSignature(registry.url, `team/${name}`, digestOf[name]!, cosignPayload(`${registry.host}/team/${name}:1.0`, claimedDigest), keys.privateKey);
    await sign('good', trusted);
    await sign('stranger', stranger);
    // A good signature, but of another image's digest, attached to this one.
    await sign('elsewhere', trusted, digestOf.good);
    const refer = async (name: string, keys: CosignKeys, subjectName: string): Promise<void> => {
      const manifest = await fetch(`${registry.url}/v2/team/${name}/manifests/1.0`, { headers: { accept: 'application/vnd.oci.image.manifest.v1+json' } });
      const bytes = Buffer.from(await manifest.arrayBuffer());
      const subject = { mediaType: manifest.headers.get('content-type')!, digest: digestOf[name]!, size: bytes.length };
      await attachBundleReferrer(registry.url, `team/${name}`, subject, await makeBundle(keys.privateKey, keys.publicKeyPem, subjectName, digestOf[name]!));
    };
    await refer('bundled', trusted, `${registry.host}/team/bundled`);
    await refer('bundled-stranger', stranger, `${registry.host}/team/bundled-stranger`);
    await refer('bundled-renamed', trusted, `${registry.host}/team/somewhere-else`);
  });
  after(async () => {
    await registry?.stop();
    await dir?.cleanup();
  });

  const pull = (store: string, name: string, registries = registriesD) =>
    runCli(store, ['pull', '--signature-policy', policy, '--registries.d', registries, `${registry.host}/team/${name}:1.0`], { env });

  async function refused(name: string, registries = registriesD): Promise<string> {
    const root = join(dir.path, `store-${name}-${registries === registriesD ? 'a' : 'b'}`);
    await importBuffer(await FileImageStore.open(root), await randomRootfs(1, 500), 'local/keep:1');
    const before = await storeSnapshot(root);
    const out = await pull(root, name, registries);
    assert.equal(out.code, 1, out.stdout + out.stderr);
    assert.deepEqual(await storeSnapshot(root), before);
    assert.match(out.stderr, /requirement: sigstoreSigned/);
    return out.stderr;
  }

  it('pulls an image signed with the trusted key', async () => {
    const root = join(dir.path, 'store-good');
    const out = await pull(root, 'good');
    assert.equal(out.code, 0, out.stderr);
    const images = await runCli(root, ['images', '--digests', '--format', '{{.Digest}}']);
    assert.equal(images.stdout.trim(), digestOf.good);
  });

  it('refuses a signature made by another key', async () => {
    assert.match(await refused('stranger'), /cryptographic signature verification failed: it was not made by .*cosign\.pub/);
  });

  it('refuses a good signature of another digest', async () => {
    assert.match(await refused('elsewhere'), new RegExp(`Signature for digest ${digestOf.good} does not match: the image is ${digestOf.elsewhere}`));
  });

  it('pulls an image whose Sigstore bundle (made by @sigstore/sign, attached as a referrer) verifies with the trusted key', async () => {
    const root = join(dir.path, 'store-bundled');
    const out = await pull(root, 'bundled');
    assert.equal(out.code, 0, out.stderr);
    const images = await runCli(root, ['images', '--digests', '--format', '{{.Digest}}']);
    assert.equal(images.stdout.trim(), digestOf.bundled);
  });

  it('refuses a bundle signed by another key, and one whose subject names another repository', async () => {
    assert.match(await refused('bundled-stranger'), /cryptographic signature verification failed: the bundle was not signed by .*cosign\.pub/);
    assert.match(await refused('bundled-renamed'), new RegExp(`Signature for identity ${registry.host.replace(/\./g, '\\.')}/team/somewhere-else is not accepted: the bundle must name a reference in repository ${registry.host.replace(/\./g, '\\.')}/team/bundled-renamed`));
  });

  it('does not look for attachments unless registries.d says use-sigstore-attachments, and says so', async () => {
    assert.match(await refused('good', noAttachments), /no signature exists: Sigstore signatures are read only where registries\.d sets use-sigstore-attachments: true/);
  });
});
