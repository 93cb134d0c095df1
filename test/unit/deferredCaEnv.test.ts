// The environment handling of deferred NODE_EXTRA_CA_CERTS (core/http/deferredCaEnv.ts): processes
// the CLI starts get the variable back; the CLI run again in a user namespace starts without it.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deferredCaFile, forOurOwnNode, restoreExtraCaVariable } from '../../src/core/http/deferredCaEnv';

describe('deferred NODE_EXTRA_CA_CERTS', () => {
  it('is put back for the processes the CLI starts, unless the variable is set already', () => {
    const env: NodeJS.ProcessEnv = { STEVEDORE_DEFERRED_CA_CERTS: '/etc/extra.pem' };
    restoreExtraCaVariable(env);
    assert.equal(env.NODE_EXTRA_CA_CERTS, '/etc/extra.pem');
    const both: NodeJS.ProcessEnv = { STEVEDORE_DEFERRED_CA_CERTS: '/etc/extra.pem', NODE_EXTRA_CA_CERTS: '/etc/other.pem' };
    restoreExtraCaVariable(both);
    assert.equal(both.NODE_EXTRA_CA_CERTS, '/etc/other.pem');
    const none: NodeJS.ProcessEnv = {};
    restoreExtraCaVariable(none);
    assert.deepEqual(none, {});
  });

  it('an empty value defers nothing', () => {
    assert.equal(deferredCaFile({ STEVEDORE_DEFERRED_CA_CERTS: '' }), undefined);
  });

  it('the CLI run again gets the environment without the restored variable, and keeps the deferred one', () => {
    const env: NodeJS.ProcessEnv = { STEVEDORE_DEFERRED_CA_CERTS: '/etc/extra.pem', PATH: '/bin' };
    restoreExtraCaVariable(env);
    assert.deepEqual(forOurOwnNode(env), { STEVEDORE_DEFERRED_CA_CERTS: '/etc/extra.pem', PATH: '/bin' });
    // A variable the user set besides (not ours to drop) stays.
    const user: NodeJS.ProcessEnv = { STEVEDORE_DEFERRED_CA_CERTS: '/etc/extra.pem', NODE_EXTRA_CA_CERTS: '/etc/other.pem' };
    assert.equal(forOurOwnNode(user).NODE_EXTRA_CA_CERTS, '/etc/other.pem');
  });
});

describe('an engine reached over verified TLS', () => {
  it('trusts the deferred CAs besides the system roots, unless its own CA (DOCKER_CERT_PATH) decides', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const { rootCertificates } = await import('node:tls');
    const { endpointFromHost } = await import('../../src/core/engine/engineEndpoint');
    const { withDeferredCas } = await import('../../src/cli/engineSettings');
    const dir = await mkdtemp(join(tmpdir(), 'stevedore-cas-'));
    try {
      const file = join(dir, 'extra.pem');
      const pem = '-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n';
      await writeFile(file, pem);
      const env = { STEVEDORE_DEFERRED_CA_CERTS: file };
      const ca = (await withDeferredCas(endpointFromHost('docker', 'https://engine.example:2376'), env)).tls?.ca?.toString();
      assert.ok(ca?.includes(pem) && ca.includes(rootCertificates[0]!), 'roots and the extra certificate');
      const own = { ...endpointFromHost('docker', 'https://engine.example:2376'), tls: { ca: Buffer.from('own'), verify: true } };
      assert.equal((await withDeferredCas(own, env)).tls?.ca?.toString(), 'own');
      assert.equal((await withDeferredCas(endpointFromHost('docker', 'https://engine.example:2376'), {})).tls?.ca, undefined);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
