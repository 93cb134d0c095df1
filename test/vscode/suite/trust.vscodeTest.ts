// Content trust in the extension: a pull the signature policy refuses stores nothing and offers
// Open Policy and Pull Without Verification; the second pulls once without checking signatures.
// The policy comes from `stevedore.trust.policyPath`, on top of the machine's own.

import * as assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pushImage } from '../../../src/core/registry/pushImage';
import { RegistryClients } from '../../../src/core/registry/registryClients';
import { ImageStore } from '../../../src/core/store/imageStore';
import type { StevedoreApi } from '../../../src/extension/extension';
import { importBuffer, randomRootfs } from '../../helpers/fixtures';
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
    const source = await ImageStore.open(join(dir, 'source'));
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
