// Stevedore signs with a cosign key: `push --sign-by-sigstore-private-key` (a key file made by the
// real cosign, see test/helpers/cosignKeyFile.ts) attaches a cosign-layout signature as the
// `sha256-<hex>.sig` tag of the real registry. Stevedore's pull accepts it under a sigstoreSigned
// policy with cosign's public key and refuses it with another key. As a second, independent path,
// skopeo reads the .sig manifest and payload from the registry and openssl checks the ECDSA
// signature against cosign.pub. (Debian's skopeo and podman cannot check sigstoreSigned
// themselves: their sigstore support is disabled by a Debian-local change.)

import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FileImageStore } from '../../src/core/store/fileImageStore';
import { run, runCli } from '../helpers/cli';
import { COSIGN_GENERATED_KEY, COSIGN_GENERATED_PASSPHRASE, COSIGN_GENERATED_PUBLIC_KEY, writeCosignKeyFile } from '../helpers/cosignKeyFile';
import { importBuffer, randomRootfs, tempDir } from '../helpers/fixtures';
import { writeJson } from '../helpers/gpgKeys';
import { startRegistry, type RunningRegistry } from '../helpers/registry';
import { storeSnapshot } from '../helpers/storeSnapshot';

describe('push --sign-by-sigstore-private-key', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let registry: RunningRegistry;
  let source: string;
  let keyFile: string;
  let passFile: string;
  let pubFile: string;
  let otherPub: string;
  let registriesD: string;
  let noAttachments: string;
  let env: NodeJS.ProcessEnv;
  const digests: Record<string, string> = {};

  before(async () => {
    dir = await tempDir('sd-sigstore-sign-');
    registry = await startRegistry({});
    keyFile = join(dir.path, 'cosign.key');
    await writeFile(keyFile, COSIGN_GENERATED_KEY, { mode: 0o600 });
    passFile = join(dir.path, 'pass');
    await writeFile(passFile, `${COSIGN_GENERATED_PASSPHRASE}\n`);
    pubFile = join(dir.path, 'cosign.pub');
    await writeFile(pubFile, COSIGN_GENERATED_PUBLIC_KEY);
    otherPub = join(dir.path, 'other.pub');
    await writeCosignKeyFile(join(dir.path, 'other.key'), otherPub, 'x');
    registriesD = join(dir.path, 'registries.d');
    await mkdir(registriesD);
    await writeFile(join(registriesD, 'attach.yaml'), `docker:\n  ${registry.host}:\n    use-sigstore-attachments: true\n`);
    noAttachments = join(dir.path, 'none.d');
    await mkdir(noAttachments);
    env = { HOME: join(dir.path, 'home'), DOCKER_CONFIG: join(dir.path, 'home', '.docker'), DOCKER_CONTENT_TRUST: '', COSIGN_PASSWORD: undefined };
    source = join(dir.path, 'src');
    const store = await FileImageStore.open(source);
    for (const name of ['app', 'mirror', 'refused', 'bundled']) await importBuffer(store, await randomRootfs(2, 8_000), `${registry.host}/team/${name}:1.0`);
  });
  after(async () => {
    await registry?.stop();
    await dir?.cleanup();
  });

  let policies = 0;
  const policyWith = (pub: string, signedIdentity?: object) =>
    writeJson(join(dir.path, `policy-${++policies}.json`), {
      default: [{ type: 'reject' }],
      transports: { docker: { [registry.host]: [{ type: 'sigstoreSigned', keyPath: pub, ...(signedIdentity ? { signedIdentity } : {}) }] } },
    });
  const pull = (store: string, ref: string, policy: string) => runCli(store, ['pull', '--signature-policy', policy, '--registries.d', registriesD, ref], { env });
  const push = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) => runCli(source, ['push', '--registries.d', registriesD, ...args], { env: { ...env, ...extraEnv } });

  it('attaches a cosign signature that Stevedore verifies under sigstoreSigned, and refuses under another key', async () => {
    const ref = `${registry.host}/team/app:1.0`;
    const pushed = await push(['--sign-by-sigstore-private-key', keyFile, '--sign-passphrase-file', passFile, ref]);
    assert.equal(pushed.code, 0, pushed.stdout + pushed.stderr);
    digests.app = /digest: (sha256:[a-f0-9]{64})/.exec(pushed.stdout)![1]!;
    assert.match(pushed.stdout, new RegExp(`Storing signature: ${registry.host}/team/app:sha256-${digests.app.slice(7)}\\.sig`));
    const ok = await pull(join(dir.path, 'mine'), ref, await policyWith(pubFile));
    assert.equal(ok.code, 0, ok.stderr);
    const shown = await runCli(join(dir.path, 'mine'), ['trust', 'show', '--format', 'json', '--signature-policy', await policyWith(pubFile), ref], { env });
    assert.equal(shown.code, 0, shown.stderr);
    const kept = JSON.parse(shown.stdout) as { accepted: boolean; signatures: { accepted: boolean; claims?: { manifestDigest: string } }[] };
    assert.equal(kept.accepted, true);
    assert.deepEqual(kept.signatures.map((s) => [s.accepted, s.claims?.manifestDigest]), [[true, digests.app]]);

    const root = join(dir.path, 'refusing');
    await importBuffer(await FileImageStore.open(root), await randomRootfs(1, 500), 'local/keep:1');
    const snapshot = await storeSnapshot(root);
    const refused = await pull(root, ref, await policyWith(otherPub));
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(refused.stderr, /cryptographic signature verification failed: it was not made by .*other\.pub/);
    assert.deepEqual(await storeSnapshot(root), snapshot);
  });

  it('save says the kept signatures stay behind (archives carry none, as with docker save and skopeo); the loaded copy has none', async () => {
    const ref = `${registry.host}/team/app:1.0`;
    const archive = join(dir.path, 'app.tar');
    const saved = await runCli(join(dir.path, 'mine'), ['save', '-o', archive, ref], { env });
    assert.equal(saved.code, 0, saved.stderr);
    assert.match(saved.stderr, new RegExp(`WARNING: The signatures kept with ${registry.host}/team/app:1\\.0 are not written into the archive`));
    const unsigned = await runCli(source, ['save', '-o', join(dir.path, 'plain.tar'), `${registry.host}/team/refused:1.0`], { env });
    assert.equal(unsigned.code, 0, unsigned.stderr);
    assert.equal(unsigned.stderr, '');
    const elsewhere = join(dir.path, 'loaded');
    const loaded = await runCli(elsewhere, ['load', '-i', archive], { env });
    assert.equal(loaded.code, 0, loaded.stderr);
    const shown = await runCli(elsewhere, ['trust', 'show', '--format', 'json', '--signature-policy', await policyWith(pubFile), ref], { env });
    assert.equal(shown.code, 0, shown.stderr);
    const none = JSON.parse(shown.stdout) as { accepted: boolean; signatures: unknown[] };
    assert.deepEqual([none.accepted, none.signatures], [false, []]);
  });

  it('skopeo reads the attachment from the registry and openssl verifies its signature with cosign.pub', async () => {
    const tag = `sha256-${digests.app!.slice(7)}.sig`;
    const out = join(dir.path, 'sig-dir');
    const policy = await writeJson(join(dir.path, 'accept.json'), { default: [{ type: 'insecureAcceptAnything' }] });
    const copied = await run('skopeo', ['--policy', policy, 'copy', '--src-tls-verify=false', `docker://${registry.host}/team/app:${tag}`, `dir:${out}`]);
    assert.equal(copied.code, 0, copied.stderr);
    const manifest = JSON.parse(await readFile(join(out, 'manifest.json'), 'utf8')) as { mediaType: string; layers: { mediaType: string; digest: string; annotations: Record<string, string> }[] };
    assert.equal(manifest.mediaType, 'application/vnd.oci.image.manifest.v1+json');
    assert.equal(manifest.layers.length, 1);
    const layer = manifest.layers[0]!;
    assert.equal(layer.mediaType, 'application/vnd.dev.cosign.simplesigning.v1+json');
    const payloadFile = join(out, layer.digest.slice(7));
    const payload = JSON.parse(await readFile(payloadFile, 'utf8')) as { critical: { identity: { 'docker-reference': string }; image: { 'docker-manifest-digest': string }; type: string } };
    assert.deepEqual(payload.critical, { identity: { 'docker-reference': `${registry.host}/team/app:1.0` }, image: { 'docker-manifest-digest': digests.app }, type: 'cosign container image signature' });
    const sigFile = join(dir.path, 'sig.der');
    await writeFile(sigFile, Buffer.from(layer.annotations['dev.cosignproject.cosign/signature']!, 'base64'));
    const verified = await run('openssl', ['dgst', '-sha256', '-verify', pubFile, '-signature', sigFile, payloadFile]);
    assert.equal(verified.stdout.trim(), 'Verified OK', verified.stderr);
    const wrongKey = await run('openssl', ['dgst', '-sha256', '-verify', otherPub, '-signature', sigFile, payloadFile]);
    assert.notEqual(wrongKey.code, 0);
  });

  it('a second signature (COSIGN_PASSWORD, --sign-identity) is added beside the first, which still verifies', async () => {
    const ref = `${registry.host}/team/mirror:1.0`;
    const identity = `${registry.host}/team/app:1.0`;
    const pushed = await push(['-q', '--sign-by-sigstore-private-key', keyFile, ref], { COSIGN_PASSWORD: COSIGN_GENERATED_PASSPHRASE });
    assert.equal(pushed.code, 0, pushed.stderr);
    const again = await push(['-q', '--sign-by-sigstore-private-key', keyFile, '--sign-identity', identity, ref], { COSIGN_PASSWORD: COSIGN_GENERATED_PASSPHRASE });
    assert.equal(again.code, 0, again.stderr);
    const shown = await runCli(join(dir.path, 'show'), ['trust', 'show', '--format', 'json', '--signature-policy', await policyWith(pubFile), '--registries.d', registriesD, ref], { env });
    assert.equal(shown.code, 0, shown.stderr);
    const identities = (JSON.parse(shown.stdout) as { signatures: { claims?: { dockerReference: string } }[] }).signatures.map((s) => s.claims?.dockerReference).sort();
    assert.deepEqual(identities, [identity, ref].sort());
    // Signed as team/app: accepted where the policy asks for that identity exactly.
    const exact = await pull(join(dir.path, 'exact'), ref, await policyWith(pubFile, { type: 'exactReference', dockerReference: identity }));
    assert.equal(exact.code, 0, exact.stderr);
  });

  it('--sign-with-referrers attaches a Sigstore bundle as a referrer (the tag-schema index: distribution 2.8 has no referrers API) that the pull verifies', async () => {
    const ref = `${registry.host}/team/bundled:1.0`;
    const pushed = await push(['--sign-by-sigstore-private-key', keyFile, '--sign-passphrase-file', passFile, '--sign-with-referrers', ref]);
    assert.equal(pushed.code, 0, pushed.stdout + pushed.stderr);
    const digest = /digest: (sha256:[a-f0-9]{64})/.exec(pushed.stdout)![1]!;
    assert.match(pushed.stdout, new RegExp(`Storing signature: ${registry.host}/team/bundled@sha256:[a-f0-9]{64} \\(referrer, listed in the sha256-${digest.slice(7)} tag\\)`));
    const tags = (await (await fetch(`${registry.url}/v2/team/bundled/tags/list`)).json()) as { tags: string[] };
    assert.deepEqual(tags.tags.sort(), ['1.0', `sha256-${digest.slice(7)}`]);
    const ok = await pull(join(dir.path, 'bundled-ok'), ref, await policyWith(pubFile));
    assert.equal(ok.code, 0, ok.stderr);
    const refused = await pull(join(dir.path, 'bundled-no'), ref, await policyWith(otherPub));
    assert.equal(refused.code, 1, refused.stdout);
    assert.match(refused.stderr, /the bundle was not signed by .*other\.pub/);
  });

  it('with nothing pushed: a wrong passphrase, and registries.d without use-sigstore-attachments', async () => {
    const ref = `${registry.host}/team/refused:1.0`;
    const wrong = await push(['--sign-by-sigstore-private-key', keyFile, ref], { COSIGN_PASSWORD: 'nope' });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /The passphrase does not open the sigstore private key/);
    const noConfig = await runCli(source, ['push', '--registries.d', noAttachments, '--sign-by-sigstore-private-key', keyFile, '--sign-passphrase-file', passFile, ref], { env });
    assert.equal(noConfig.code, 1);
    assert.match(noConfig.stderr, /Nothing was pushed: .*use-sigstore-attachments: true/s);
    const noPass = await push(['--sign-by-sigstore-private-key', keyFile, ref]);
    assert.equal(noPass.code, 1);
    assert.match(noPass.stderr, /needs its passphrase: give --sign-passphrase-file FILE or set COSIGN_PASSWORD/);
    const res = await fetch(`${registry.url}/v2/team/refused/tags/list`);
    assert.equal(res.status, 404, await res.text());
  });
});
