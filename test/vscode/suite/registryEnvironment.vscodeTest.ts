// The extension honours the registry variables of the environment that only the CLI read before
// (the core's registryOptionsFromEnv builds both): STEVEDORE_SECURE_LOOPBACK makes a loopback TLS
// registry's certificate count, and STEVEDORE_CERTS_DIRS names the certs.d folder holding its CA.
// The variables are set in the extension host's own environment (this suite runs in it) and read
// when the registry clients are rebuilt (Refresh Registries), as after a restart with them set.

import * as assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pushImage } from '../../../src/core/registry/pushImage';
import { RegistryClients } from '../../../src/core/registry/registryClients';
import { FileImageStore } from '../../../src/core/store/fileImageStore';
import { importBuffer, randomRootfs } from '../../helpers/fixtures';
import { startRegistry, type RunningRegistry } from '../../helpers/registry';
import { suite, suiteSetup, suiteTeardown, test } from './harness';
import { run, runFailing, stevedoreApi, untilImagesView } from './stevedore';

const LONG = { timeoutMs: 600_000 };
const VARIABLES = ['STEVEDORE_SECURE_LOOPBACK', 'STEVEDORE_CERTS_DIRS'] as const;

suite('registry settings from the environment, as the CLI reads them', () => {
  let dir: string;
  let registry: RunningRegistry;
  let reference: string;

  suiteSetup(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stevedore-regenv-'));
    registry = await startRegistry({ tls: true });
    reference = `${registry.host}/envtls/app:1`;
    const source = await FileImageStore.open(join(dir, 'source'));
    // Loopback counts as insecure by default, so the core pushes without knowing the CA.
    const clients = new RegistryClients({});
    try {
      await importBuffer(source, await randomRootfs(2, 50_000), reference);
      await pushImage(source, clients, { reference });
    } finally {
      await clients.close();
    }
  });

  suiteTeardown(async () => {
    for (const name of VARIABLES) delete process.env[name];
    await run('stevedore.registries.refresh');
    await registry?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('STEVEDORE_SECURE_LOOPBACK=1 makes the extension verify a loopback registry\'s certificate', async () => {
    process.env.STEVEDORE_SECURE_LOOPBACK = '1';
    await run('stevedore.registries.refresh');
    const failure = await runFailing('stevedore.pullImage', { reference });
    assert.equal(failure.code, 'TLS_ERROR', failure.message);
    assert.match(failure.message, new RegExp(`TLS certificate of ${registry.host.replace(/\./g, '\\.')} is not trusted`));
  }, LONG);

  test('STEVEDORE_CERTS_DIRS names the certs.d folder whose CA the extension then trusts', async () => {
    const certsDir = join(dir, 'certs.d');
    await mkdir(join(certsDir, registry.host), { recursive: true });
    await copyFile(registry.caFile!, join(certsDir, registry.host, 'ca.crt'));
    process.env.STEVEDORE_SECURE_LOOPBACK = '1';
    process.env.STEVEDORE_CERTS_DIRS = certsDir;
    await run('stevedore.registries.refresh');
    await run('stevedore.pullImage', { reference });
    await untilImagesView(await stevedoreApi(), (tags) => tags.includes(reference));
  }, LONG);
});
