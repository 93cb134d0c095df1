// Content trust in the extension: a pull the signature policy refuses stores nothing and offers
// Open Policy and Pull Without Verification; the second pulls once without checking signatures.
// The policy comes from `stevedore.trust.policyPath`, on top of the machine's own. Push and Sign…
// with a cosign key attaches a signature that the extension's pull then verifies; the inspector's
// Signatures section shows it verified (and an image pulled without one as unsigned), and the
// Images view marks the signed image.

import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pushImage } from '../../../src/core/registry/pushImage';
import { RegistryClients } from '../../../src/core/registry/registryClients';
import { FileImageStore } from '../../../src/core/store/fileImageStore';
import type { StevedoreApi } from '../../../src/extension/extension';
import type { RegistriesTreeNode, RemoteTagNode } from '../../../src/extension/views/registryNodes';
import { COSIGN_GENERATED_KEY, COSIGN_GENERATED_PASSPHRASE, COSIGN_GENERATED_PUBLIC_KEY } from '../../helpers/cosignKeyFile';
import { importBuffer, randomRootfs } from '../../helpers/fixtures';
import type { SignaturesState } from '../../../src/webview/inspector/protocol';
import { imageContextValue } from '../../../src/extension/views/imagesTreeProvider';
import { startRegistry, type RunningRegistry } from '../../helpers/registry';
import { suite, suiteSetup, suiteTeardown, test } from './harness';
import { imageNamed, run, runFailing, setSetting, stevedoreApi } from './stevedore';

const LONG = { timeoutMs: 600_000 };

suite('content trust: a refused pull', () => {
  let api: StevedoreApi;
  let dir: string;
  let registry: RunningRegistry;
  let reference: string;

  suiteSetup(async () => {
    api = await stevedoreApi();
    dir = await mkdtemp(join(tmpdir(), 'stevedore-trust-'));
    registry = await startRegistry();
    reference = `${registry.host}/trusted/app:1`;
    const source = await FileImageStore.open(join(dir, 'source'));
    const clients = new RegistryClients({ insecureRegistries: [registry.host] });
    try {
      await importBuffer(source, await randomRootfs(2, 20_000), reference);
      await pushImage(source, clients, { reference });
    } finally {
      await clients.close();
    }
    const policy = join(dir, 'policy.json');
    await writeFile(policy, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }], transports: { docker: { [registry.host]: [{ type: 'reject' }] } } }));
    await setSetting('trust.policyPath', policy);
  });

  suiteTeardown(async () => {
    await setSetting('trust.policyPath', undefined);
    const node = await imageNamed(api, reference).catch(() => undefined);
    if (node) await run('stevedore.removeImage', node, [node], { force: true, skipConfirmation: true });
    await registry?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('the refusal names the policy, stores nothing, and offers Open Policy and Pull Without Verification', async () => {
    const before = (await (await api.openStore()).list()).length;
    const refused = await runFailing('stevedore.pullImage', { reference });
    assert.equal(refused.code, 'SIGNATURE_REJECTED');
    assert.match(refused.message, /refused by the signature policy .*policy\.json/);
    assert.deepEqual(refused.actions, ['Open Policy', 'Pull Without Verification']);
    assert.equal((await (await api.openStore()).list()).length, before);
  }, LONG);

  test('Pull Without Verification pulls the image once, skipping signature checks', async () => {
    const pulled = await run<{ reference: string }>('stevedore.pullImage', { reference, disableContentTrust: true });
    assert.match(pulled.reference, /trusted\/app:1$/);
    await imageNamed(api, reference.replace(/^[^/]+\//, `${registry.host}/`));
    // Without the switch the policy still refuses: the button skipped checks for that one pull only.
    const again = await runFailing('stevedore.pullImage', { reference });
    assert.equal(again.code, 'SIGNATURE_REJECTED');
  }, LONG);
});

suite('content trust: Push and Sign…, and signatures in the inspector', () => {
  let api: StevedoreApi;
  let dir: string;
  let registry: RunningRegistry;
  let signed: string;
  let unsigned: string;
  let keyFile: string;
  let pushedDigest: string;

  suiteSetup(async () => {
    api = await stevedoreApi();
    dir = await mkdtemp(join(tmpdir(), 'stevedore-sign-'));
    registry = await startRegistry();
    signed = `${registry.host}/signed/app:1`;
    unsigned = `${registry.host}/open/app:1`;
    keyFile = join(dir, 'cosign.key');
    await writeFile(keyFile, COSIGN_GENERATED_KEY, { mode: 0o600 });
    await writeFile(join(dir, 'cosign.pub'), COSIGN_GENERATED_PUBLIC_KEY);
    const registriesD = join(dir, 'registries.d');
    await mkdir(registriesD);
    await writeFile(join(registriesD, 'attach.yaml'), `docker:\n  ${registry.host}:\n    use-sigstore-attachments: true\n`);
    const policy = join(dir, 'policy.json');
    await writeFile(
      policy,
      JSON.stringify({
        default: [{ type: 'insecureAcceptAnything' }],
        transports: { docker: { [`${registry.host}/signed`]: [{ type: 'sigstoreSigned', keyPath: join(dir, 'cosign.pub') }] } },
      }),
    );
    await setSetting('trust.policyPath', policy);
    await setSetting('trust.registriesDir', registriesD);
    const store = await api.openStore();
    await importBuffer(store, await randomRootfs(2, 10_000), signed);
    await importBuffer(store, await randomRootfs(1, 5_000), unsigned);
  });

  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await setSetting('trust.policyPath', undefined);
    await setSetting('trust.registriesDir', undefined);
    for (const ref of [signed, unsigned]) {
      const node = await imageNamed(api, ref).catch(() => undefined);
      if (node) await run('stevedore.removeImage', node, [node], { force: true, skipConfirmation: true });
    }
    await registry?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function signaturesShown(manifestDigest: string): Promise<Extract<SignaturesState, { state: 'ready' }>> {
    // The panel checks once it has loaded the image; the harness's timeout bounds the wait.
    for (;;) {
      const state = api.inspector.signatures(manifestDigest);
      if (state?.state === 'ready') return state;
      assert.notEqual(state?.state, 'error', JSON.stringify(state));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  test('a wrong passphrase fails before anything is pushed', async () => {
    const failed = await runFailing('stevedore.pushAndSign', { reference: signed, sigstoreKeyFile: keyFile, passphrase: 'wrong' });
    assert.equal(failed.code, 'INVALID_ARGUMENT');
    assert.match(failed.message, /The passphrase does not open the sigstore private key/);
    assert.equal((await fetch(`${registry.url}/v2/signed/app/tags/list`)).status, 404);
  }, LONG);

  test('Push and Sign… with a cosign key attaches a .sig signature to the registry', async () => {
    const pushed = await run<{ reference: string; digest: string; signature: { format: string; location: string } }[]>('stevedore.pushAndSign', { reference: signed, sigstoreKeyFile: keyFile, passphrase: COSIGN_GENERATED_PASSPHRASE });
    assert.equal(pushed.length, 1);
    pushedDigest = pushed[0]!.digest;
    assert.deepEqual(pushed[0]!.signature, { reference: signed, format: 'cosign', location: `${registry.host}/signed/app:sha256-${pushedDigest.slice(7)}.sig` });
    const tags = (await (await fetch(`${registry.url}/v2/signed/app/tags/list`)).json()) as { tags: string[] };
    assert.deepEqual(tags.tags.sort(), ['1', `sha256-${pushedDigest.slice(7)}.sig`]);
  }, LONG);

  test('pulled again under the sigstoreSigned policy, the image is marked signed and the inspector shows the verified signature', async () => {
    const node = await imageNamed(api, signed);
    await run('stevedore.removeImage', node, [node], { force: true, skipConfirmation: true });
    await run('stevedore.pullImage', { reference: signed });
    const pulled = await imageNamed(api, signed);
    assert.equal(pulled.signed, true);
    assert.match(imageContextValue(pulled), /\bsigned\b/);
    const opened = await run<{ manifestDigest: string }>('stevedore.openInspector', signed);
    const shown = await signaturesShown(opened.manifestDigest);
    assert.equal(shown.summary.kept, 1);
    assert.deepEqual(shown.summary.signedAs, { reference: signed, digest: pushedDigest });
    const mine = shown.summary.checks.find((c) => c.policy.endsWith('policy.json') && c.policy.startsWith(dir));
    assert.ok(mine, `no check under the setting's policy: ${JSON.stringify(shown.summary.checks)}`);
    assert.equal(mine.accepted, true);
    assert.match(mine.requirements.join(), /^sigstoreSigned \(public keys: .*cosign\.pub/);
    assert.deepEqual(
      mine.signatures.map((s) => ({ format: s.format, accepted: s.accepted, signer: s.signer, identity: s.identity, digest: s.digest })),
      [{ format: 'sigstore', accepted: true, signer: join(dir, 'cosign.pub'), identity: signed, digest: pushedDigest }],
    );
  }, LONG);

  test('with stevedore.trust.signingKey set, Push and Sign… signs with that key without asking which', async () => {
    const reference = `${registry.host}/signed/keyed:1`;
    await importBuffer(await api.openStore(), await randomRootfs(1, 4_000), reference);
    await setSetting('trust.signingKey', keyFile);
    try {
      // No key in the arguments: without the setting this would open the key picker and wait.
      const pushed = await run<{ digest: string; signature: { format: string; location: string } }[]>('stevedore.pushAndSign', { reference, passphrase: COSIGN_GENERATED_PASSPHRASE });
      assert.equal(pushed.length, 1);
      assert.deepEqual(pushed[0]!.signature, { reference, format: 'cosign', location: `${registry.host}/signed/keyed:sha256-${pushed[0]!.digest.slice(7)}.sig` });
      const tags = (await (await fetch(`${registry.url}/v2/signed/keyed/tags/list`)).json()) as { tags: string[] };
      assert.ok(tags.tags.includes(`sha256-${pushed[0]!.digest.slice(7)}.sig`), tags.tags.join(' '));
    } finally {
      await setSetting('trust.signingKey', undefined);
      const node = await imageNamed(api, reference).catch(() => undefined);
      if (node) await run('stevedore.removeImage', node, [node], { force: true, skipConfirmation: true });
    }
  }, LONG);

  test('the Registries view marks the tag whose manifest has a signature attached, and no other', async () => {
    // A second tag in the same repository, of another image, pushed without a signature.
    const source = await FileImageStore.open(join(dir, 'source'));
    const clients = new RegistryClients({ insecureRegistries: [registry.host] });
    try {
      await importBuffer(source, await randomRootfs(1, 3_000), `${registry.host}/signed/app:2`);
      await pushImage(source, clients, { reference: `${registry.host}/signed/app:2` });
    } finally {
      await clients.close();
    }
    await setSetting('registries', [{ url: registry.host }]);
    try {
      const tree = api.registriesTree;
      let level: RegistriesTreeNode[] = ((await tree.getChildren()) ?? []).filter((n) => n.kind === 'registry' && n.domain === registry.host);
      let repository: RegistriesTreeNode | undefined;
      for (let depth = 0; depth < 3 && !repository && level.length > 0; depth++) {
        const next: RegistriesTreeNode[] = [];
        for (const node of level) next.push(...((await tree.getChildren(node)) ?? []));
        repository = next.find((n) => n.kind === 'repository' && n.repository === 'signed/app');
        level = next.filter((n) => n.kind === 'registry' || n.kind === 'namespace');
      }
      assert.ok(repository, 'signed/app is not in the Registries view');
      const tags = ((await tree.getChildren(repository)) ?? []).filter((n): n is RemoteTagNode => n.kind === 'remoteTag');
      assert.deepEqual(Object.fromEntries(tags.map((t) => [t.tag, t.signed === true])), { '1': true, '2': false, [`sha256-${pushedDigest.slice(7)}.sig`]: false });
      assert.equal((await tree.getTreeItem(tags.find((t) => t.tag === '1')!)).description, 'signed');
      assert.equal((await tree.getTreeItem(tags.find((t) => t.tag === '2')!)).description, undefined);
    } finally {
      await setSetting('registries', undefined);
    }
  }, LONG);

  test('an image with no signatures kept is shown as unsigned, and not marked', async () => {
    const node = await imageNamed(api, unsigned);
    assert.notEqual(node.signed, true);
    const opened = await run<{ manifestDigest: string }>('stevedore.openInspector', unsigned);
    const shown = await signaturesShown(opened.manifestDigest);
    assert.equal(shown.summary.kept, 0);
    assert.ok(shown.summary.checks.every((c) => c.signatures.length === 0));
  }, LONG);
});
