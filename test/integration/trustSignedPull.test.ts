// skopeo 1.9 signs, Stevedore verifies: GPG keys made by the real gpg, images signed by
// `skopeo copy --sign-by` into the loopback registry, signatures written to a registries.d
// lookaside staging folder and read back over HTTP from a small server of the tests. Each way a
// signature can fail is refused with its own reason and leaves the store byte-for-byte unchanged.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FileImageStore } from '../../src/core/store/fileImageStore';
import { runCli } from '../helpers/cli';
import { serveFolder, type FileServer } from '../helpers/fileServer';
import { importBuffer, randomRootfs, tempDir } from '../helpers/fixtures';
import { makeGnupgHome, makeGpgKey, writeJson, type GpgKey } from '../helpers/gpgKeys';
import { startRegistry, type RunningRegistry } from '../helpers/registry';
import { addMultiPlatformImage, skopeo, writePolicy } from '../helpers/registryImages';
import { storeSnapshot } from '../helpers/storeSnapshot';

describe('pull under a signedBy policy, with signatures made by skopeo --sign-by', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let registry: RunningRegistry;
  let lookaside: FileServer;
  let staging: string;
  let registriesD: string;
  let trusted: GpgKey;
  let stranger: GpgKey;
  let policy: string;
  let env: NodeJS.ProcessEnv;
  const digestOf: Record<string, string> = {};

  /** The lookaside folder of a repository's manifest, as c/image names it. */
  const sigDir = (repo: string, digest: string): string => join(staging, repo, `..`, `${repo.split('/').pop()}@${digest.replace(':', '=')}`);

  before(async () => {
    dir = await tempDir();
    registry = await startRegistry({});
    const gnupg = await makeGnupgHome(dir.path);
    trusted = await makeGpgKey(gnupg, 'trusted');
    stranger = await makeGpgKey(gnupg, 'stranger');
    staging = join(dir.path, 'sigstore');
    await mkdir(staging);
    lookaside = await serveFolder(staging);
    registriesD = join(dir.path, 'registries.d');
    await mkdir(registriesD);
    // skopeo writes to the staging folder; Stevedore reads the same files over HTTP.
    await writeFile(join(registriesD, 'test.yaml'), `docker:\n  ${registry.host}:\n    lookaside: ${lookaside.url}\n    lookaside-staging: file://${staging}\n`);
    policy = await writeJson(join(dir.path, 'signed-by.json'), {
      default: [{ type: 'insecureAcceptAnything' }],
      transports: { docker: { [`${registry.host}/team`]: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: trusted.publicKeyFile }] } },
    });
    env = { HOME: join(dir.path, 'home'), DOCKER_CONFIG: join(dir.path, 'home', '.docker'), XDG_CONFIG_HOME: join(dir.path, 'home', '.config'), DOCKER_CONTENT_TRUST: '' };

    const source = await FileImageStore.open(join(dir.path, 'source'));
    const skopeoPolicy = await writePolicy(dir.path);
    const push = async (name: string, signer: GpgKey | undefined): Promise<void> => {
      const ref = `${registry.host}/team/${name}:1.0`;
      await importBuffer(source, await randomRootfs(2, 20_000), ref);
      const signing = signer ? ['--sign-by', signer.fingerprint] : [];
      const copied = await skopeo(skopeoPolicy, ['--registries.d', registriesD, 'copy', '--dest-tls-verify=false', ...signing, `oci:${source.root}:${ref}`, `docker://${ref}`]);
      assert.equal(copied.code, 0, copied.stderr);
      const inspected = await skopeo(skopeoPolicy, ['inspect', '--tls-verify=false', '--format', '{{.Digest}}', `docker://${ref}`]);
      digestOf[name] = inspected.stdout.trim();
    };
    process.env.GNUPGHOME = gnupg;
    // A multi-platform image: skopeo --all signs its index.
    const multi = `${registry.host}/team/multi:1.0`;
    await addMultiPlatformImage(source, multi);
    const copiedMulti = await skopeo(skopeoPolicy, ['--registries.d', registriesD, 'copy', '--all', '--dest-tls-verify=false', '--sign-by', trusted.fingerprint, `oci:${source.root}:${multi}`, `docker://${multi}`]);
    assert.equal(copiedMulti.code, 0, copiedMulti.stderr);
    digestOf.multi = (await skopeo(skopeoPolicy, ['inspect', '--raw', '--tls-verify=false', `docker://${multi}`])).stdout;
    await push('signed', trusted);
    await push('unsigned', undefined);
    await push('other-key', stranger);
    delete process.env.GNUPGHOME;
    // The signed image under another name, with its signature copied beside it: the same digest,
    // but the signature says team/signed.
    const copied = await skopeo(skopeoPolicy, ['copy', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${registry.host}/team/signed:1.0`, `docker://${registry.host}/team/renamed:1.0`]);
    assert.equal(copied.code, 0, copied.stderr);
    const elsewhere = await skopeo(skopeoPolicy, ['copy', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${registry.host}/team/unsigned:1.0`, `docker://${registry.host}/elsewhere/app:1.0`]);
    assert.equal(elsewhere.code, 0, elsewhere.stderr);
    digestOf.renamed = digestOf.signed!;
    await mkdir(sigDir('team/renamed', digestOf.signed!), { recursive: true });
    await copyFile(join(sigDir('team/signed', digestOf.signed!), 'signature-1'), join(sigDir('team/renamed', digestOf.signed!), 'signature-1'));
  });
  after(async () => {
    await lookaside?.close();
    await registry?.stop();
    await dir?.cleanup();
  });

  const pull = (store: string, name: string, extra: string[] = [], extraEnv: NodeJS.ProcessEnv = {}) =>
    runCli(store, ['pull', '--signature-policy', policy, '--registries.d', registriesD, ...extra, `${registry.host}/team/${name}:1.0`], { env: { ...env, ...extraEnv } });

  /** Pulls into a store holding one unrelated image and checks the refusal left it exactly as it was. */
  async function refused(name: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<string> {
    const root = join(dir.path, `store-${name}-${Object.keys(extraEnv).join('')}`);
    await importBuffer(await FileImageStore.open(root), await randomRootfs(1, 1000), 'local/keep:1');
    const before = await storeSnapshot(root);
    const out = await pull(root, name, [], extraEnv);
    assert.equal(out.code, 1, out.stdout + out.stderr);
    assert.deepEqual(await storeSnapshot(root), before, 'a refused pull must leave the store unchanged');
    return out.stderr;
  }

  it('skopeo wrote its signature where registries.d says, and Stevedore pulls the signed image', async () => {
    assert.deepEqual(await readdir(sigDir('team/signed', digestOf.signed!)), ['signature-1']);
    const root = join(dir.path, 'store-ok');
    const out = await pull(root, 'signed');
    assert.equal(out.code, 0, out.stderr);
    assert.ok(lookaside.requests.includes(`/team/signed@${digestOf.signed!.replace(':', '=')}/signature-1`), lookaside.requests.join('\n'));
    const images = await runCli(root, ['images', '--digests', '--format', '{{.Repository}}:{{.Tag}} {{.Digest}}']);
    assert.equal(images.stdout, `${registry.host}/team/signed:1.0 ${digestOf.signed}\n`);
  });

  it('keeps the accepted signature with the image: verify --signatures re-checks it offline, and rmi removes it', async () => {
    const root = join(dir.path, 'store-kept');
    const pulled = await pull(root, 'signed');
    assert.equal(pulled.code, 0, pulled.stderr);
    const manifestHex = digestOf.signed!.slice('sha256:'.length);
    const recordFile = join(root, 'stevedore', 'signatures', `${manifestHex}.json`);
    const record = JSON.parse(await readFile(recordFile, 'utf8')) as { signedDigest: string; signatures: { format: string; signer: string }[] };
    assert.equal(record.signedDigest, digestOf.signed);
    assert.deepEqual(record.signatures.map((s) => [s.format, s.signer]), [['simple-signing', trusted.fingerprint]]);
    // Offline: the lookaside server is not asked again.
    const asked = lookaside.requests.length;
    const ok = await runCli(root, ['verify', '--signatures', '--signature-policy', policy, `${registry.host}/team/signed:1.0`], { env });
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, new RegExp(`simple-signing +${trusted.fingerprint} +${digestOf.signed} +verified`));
    assert.equal(lookaside.requests.length, asked);
    // The policy changed since: now only the other key is trusted.
    const stricter = await writeJson(join(dir.path, 'stranger-only.json'), {
      default: [{ type: 'reject' }],
      transports: { docker: { [`${registry.host}/team`]: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: stranger.publicKeyFile }] } },
    });
    const refusedNow = await runCli(root, ['verify', '--signatures', '--signature-policy', stricter, `${registry.host}/team/signed:1.0`], { env });
    assert.equal(refusedNow.code, 1);
    assert.match(refusedNow.stderr, /Signature by key [0-9A-F]{16} is not accepted: the policy trusts only /);
    const check = await runCli(root, ['system', 'check']);
    assert.equal(check.code, 0, check.stdout + check.stderr);
    const removed = await runCli(root, ['rmi', `${registry.host}/team/signed:1.0`], { env });
    assert.equal(removed.code, 0, removed.stderr);
    await assert.rejects(readFile(recordFile), /ENOENT/);
  });

  it("run's implicit pull is verified as pull is: an unsigned image is refused with the store unchanged, a signed one pulled with its signature kept", async () => {
    const root = join(dir.path, 'store-run');
    await importBuffer(await FileImageStore.open(root), await randomRootfs(1, 1000), 'local/keep:1');
    const before = await storeSnapshot(root);
    const trust = ['--signature-policy', policy, '--registries.d', registriesD];
    const refusedRun = await runCli(root, ['run', '--rm', ...trust, `${registry.host}/team/unsigned:1.0`, 'true'], { env });
    assert.notEqual(refusedRun.code, 0, refusedRun.stdout);
    assert.match(refusedRun.stderr, /Source image rejected: .*team\/unsigned:1\.0 is refused by the signature policy/);
    assert.deepEqual(await storeSnapshot(root), before, 'a refused implicit pull must leave the store unchanged');
    // The signed image has no programs, so the container itself fails; the pull before it must not.
    await runCli(root, ['run', '--rm', ...trust, `${registry.host}/team/signed:1.0`, '/no-such-program'], { env });
    const record = JSON.parse(await readFile(join(root, 'stevedore', 'signatures', `${digestOf.signed!.slice('sha256:'.length)}.json`), 'utf8')) as { signedDigest: string };
    assert.equal(record.signedDigest, digestOf.signed);
  });

  it("build's FROM pull keeps the accepted signature with the image, as pull does", async () => {
    const root = join(dir.path, 'store-build');
    const context = join(dir.path, 'build-context');
    await mkdir(context, { recursive: true });
    await writeFile(join(context, 'Dockerfile'), `FROM ${registry.host}/team/signed:1.0\nLABEL built=here\n`);
    const built = await runCli(root, ['build', '-q', '--signature-policy', policy, '--registries.d', registriesD, '-t', 'local/built:1', context], { env });
    assert.equal(built.code, 0, built.stdout + built.stderr);
    const record = JSON.parse(await readFile(join(root, 'stevedore', 'signatures', `${digestOf.signed!.slice('sha256:'.length)}.json`), 'utf8')) as { signedDigest: string };
    assert.equal(record.signedDigest, digestOf.signed);
  });

  it('copy docker://… into the store under the same name is a pull: an unsigned image is refused with the store unchanged, the signed one kept with its signature', async () => {
    const root = join(dir.path, 'store-copy');
    await importBuffer(await FileImageStore.open(root), await randomRootfs(1, 1000), 'local/keep:1');
    const before = await storeSnapshot(root);
    const trust = ['--signature-policy', policy, '--registries.d', registriesD];
    const copyOf = (name: string) => runCli(root, ['copy', ...trust, `docker://${registry.host}/team/${name}:1.0`, `stevedore:${registry.host}/team/${name}:1.0`], { env });
    const refusedCopy = await copyOf('unsigned');
    assert.equal(refusedCopy.code, 1, refusedCopy.stdout);
    assert.match(refusedCopy.stderr, /team\/unsigned:1\.0 is refused by the signature policy/);
    assert.deepEqual(await storeSnapshot(root), before, 'a refused copy must leave the store unchanged');
    const copied = await copyOf('signed');
    assert.equal(copied.code, 0, copied.stdout + copied.stderr);
    const record = JSON.parse(await readFile(join(root, 'stevedore', 'signatures', `${digestOf.signed!.slice('sha256:'.length)}.json`), 'utf8')) as { signedDigest: string };
    assert.equal(record.signedDigest, digestOf.signed);
  });

  it('copy docker://… into the store under a new name keeps the accepted signature with the image, as tag keeps it: verify --signatures passes by the new name', async () => {
    const root = join(dir.path, 'store-copy-renamed');
    const trust = ['--signature-policy', policy, '--registries.d', registriesD];
    const copied = await runCli(root, ['copy', ...trust, `docker://${registry.host}/team/signed:1.0`, 'stevedore:local/renamed:2'], { env });
    assert.equal(copied.code, 0, copied.stdout + copied.stderr);
    const record = JSON.parse(await readFile(join(root, 'stevedore', 'signatures', `${digestOf.signed!.slice('sha256:'.length)}.json`), 'utf8')) as { reference: string; signedDigest: string };
    assert.equal(record.signedDigest, digestOf.signed);
    assert.equal(record.reference, `${registry.host}/team/signed:1.0`);
    // Offline, by the new name: the record says which reference the signature was accepted for.
    const asked = lookaside.requests.length;
    const ok = await runCli(root, ['verify', '--signatures', '--signature-policy', policy, 'local/renamed:2'], { env });
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, new RegExp(`simple-signing +${trusted.fingerprint} +${digestOf.signed} +verified`));
    assert.equal(lookaside.requests.length, asked);
    const check = await runCli(root, ['system', 'check']);
    assert.equal(check.code, 0, check.stdout + check.stderr);
  });

  it('copy of a signed multi-platform image under a new name keeps the signature of its index, which verify --signatures accepts by the new name', async () => {
    const root = join(dir.path, 'store-copy-multi');
    const indexDigest = `sha256:${createHash('sha256').update(digestOf.multi!).digest('hex')}`;
    const copied = await runCli(root, ['copy', '--signature-policy', policy, '--registries.d', registriesD, '--platform', 'linux/arm64/v8', `docker://${registry.host}/team/multi:1.0`, 'stevedore:local/multi:2'], { env });
    assert.equal(copied.code, 0, copied.stdout + copied.stderr);
    const [inspected] = JSON.parse((await runCli(root, ['inspect', 'local/multi:2'])).stdout) as { RepoDigests: string[] }[];
    assert.deepEqual(inspected!.RepoDigests, [`${registry.host}/team/multi@${indexDigest}`]);
    const ok = await runCli(root, ['verify', '--signatures', '--signature-policy', policy, 'local/multi:2'], { env });
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, new RegExp(`simple-signing +${trusted.fingerprint} +${indexDigest} +verified`));
  });

  it('trust show lists signatures of a remote reference with why each fails, and those kept for a pulled image', async () => {
    const root = join(dir.path, 'store-show');
    const show = (ref: string, extra: string[] = []) => runCli(root, ['trust', 'show', '--signature-policy', policy, '--registries.d', registriesD, ...extra, ref], { env });
    const other = await show(`${registry.host}/team/other-key:1.0`);
    assert.equal(other.code, 0, other.stderr);
    assert.match(other.stdout, new RegExp(`simple-signing +${stranger.fingerprint.slice(-16)} +- +- +✗ Signature by key`));
    assert.match(other.stdout, /Result: refused \(Signature by key/);
    const json = await show(`${registry.host}/team/signed:1.0`, ['--format', 'json']);
    const parsed = JSON.parse(json.stdout) as { accepted: boolean; digest: string; scope: string; signatures: { format: string; accepted: boolean; signer: string; claims: { dockerReference: string } }[] };
    assert.equal(parsed.accepted, true);
    assert.equal(parsed.digest, digestOf.signed);
    assert.equal(parsed.scope, `${registry.host}/team`);
    assert.deepEqual(parsed.signatures.map((s) => [s.format, s.accepted, s.signer, s.claims.dockerReference]), [['simple-signing', true, trusted.fingerprint, `${registry.host}/team/signed:1.0`]]);
    assert.equal((await pull(root, 'signed')).code, 0);
    const kept = await show(`${registry.host}/team/signed:1.0`);
    assert.match(kept.stdout, /signatures kept in the store/);
    assert.match(kept.stdout, new RegExp(`simple-signing +${trusted.fingerprint} +${registry.host.replace(/\./g, '\\.')}/team/signed:1\\.0 +${digestOf.signed} +verified`));
    assert.match(kept.stdout, /Result: accepted/);
  });

  it('refuses an unsigned image: no signature exists', async () => {
    const stderr = await refused('unsigned');
    assert.match(stderr, /Source image rejected: .*team\/unsigned:1\.0 is refused by the signature policy/);
    assert.match(stderr, new RegExp(`scope: transports\\.docker\\["${registry.host.replace(/\./g, '\\.')}/team"\\]; requirement: signedBy`));
    assert.match(stderr, /A signature was required, but no signature exists/);
    assert.match(stderr, /Nothing was stored/);
  });

  it('pull -a verifies each tag: a signed repository pulls, an unsigned one is refused with the store unchanged', async () => {
    const root = join(dir.path, 'store-all-tags');
    await importBuffer(await FileImageStore.open(root), await randomRootfs(1, 1000), 'local/keep:1');
    const all = (repo: string) => runCli(root, ['pull', '-a', '--signature-policy', policy, '--registries.d', registriesD, `${registry.host}/team/${repo}`], { env });
    const signed = await all('signed');
    assert.equal(signed.code, 0, signed.stderr);
    const before = await storeSnapshot(root);
    const unsigned = await all('unsigned');
    assert.equal(unsigned.code, 1, unsigned.stdout);
    assert.match(unsigned.stderr, /team\/unsigned:1\.0 is refused by the signature policy/);
    assert.deepEqual(await storeSnapshot(root), before);
  });

  it('refuses an image signed by a key the policy does not trust', async () => {
    const stderr = await refused('other-key');
    assert.match(stderr, new RegExp(`Signature by key ${stranger.fingerprint.slice(-16)} is not accepted: the policy trusts only ${trusted.fingerprint}`));
  });

  it('refuses a valid signature copied onto another digest', async () => {
    const target = sigDir('team/unsigned', digestOf.unsigned!);
    await mkdir(target, { recursive: true });
    await copyFile(join(sigDir('team/signed', digestOf.signed!), 'signature-1'), join(target, 'signature-1'));
    try {
      const stderr = await refused('unsigned', { STEVEDORE_CASE: 'copied' });
      assert.match(stderr, new RegExp(`Signature for digest ${digestOf.signed} does not match: the image is ${digestOf.unsigned}`));
    } finally {
      await rm(target, { recursive: true });
    }
  });

  it('refuses an image signed as team/signed when pulled as team/renamed (matchRepoDigestOrExact)', async () => {
    const stderr = await refused('renamed');
    assert.match(stderr, new RegExp(`Signature for identity ${registry.host.replace(/\./g, '\\.')}/team/signed:1\\.0 is not accepted: signedIdentity matchRepoDigestOrExact wants exactly ${registry.host.replace(/\./g, '\\.')}/team/renamed:1\\.0`));
  });

  it('--disable-content-trust pulls the unsigned image and says that signatures were skipped', async () => {
    const root = join(dir.path, 'store-disabled');
    const out = await pull(root, 'unsigned', ['--disable-content-trust']);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stderr, /Signature verification skipped \(--disable-content-trust\)/);
    const zero = await pull(join(dir.path, 'store-dct0'), 'unsigned', [], { DOCKER_CONTENT_TRUST: '0' });
    assert.equal(zero.code, 0, zero.stderr);
    assert.match(zero.stderr, /Signature verification skipped \(DOCKER_CONTENT_TRUST=0\)/);
  });

  it('DOCKER_CONTENT_TRUST=1 refuses where the policy requires no signature, and verifies where it does', async () => {
    const root = join(dir.path, 'store-dct');
    const outside = await runCli(root, ['pull', '--signature-policy', policy, '--registries.d', registriesD, `${registry.host}/elsewhere/app:1.0`], { env: { ...env, DOCKER_CONTENT_TRUST: '1' } });
    assert.equal(outside.code, 1);
    assert.match(outside.stderr, /DOCKER_CONTENT_TRUST=1 asks for Docker Content Trust \(Notary v1\), which Stevedore does not support/);
    assert.match(outside.stderr, /requires no signature for it \(scope default\)/);
    assert.match(outside.stderr, /"type": "sigstoreSigned"/);
    const inside = await pull(root, 'signed', [], { DOCKER_CONTENT_TRUST: '1' });
    assert.equal(inside.code, 0, inside.stderr);
    const stillRefused = await refused('unsigned', { DOCKER_CONTENT_TRUST: '1' });
    assert.match(stillRefused, /no signature exists/);
  });
});
