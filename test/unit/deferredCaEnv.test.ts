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
  it("trusts the deferred CAs besides Node's store, unless its own CA (DOCKER_CERT_PATH) decides", async () => {
    const { mkdtemp, readFile, rm } = await import('node:fs/promises');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const tls = await import('node:tls');
    const { makeServerCertificates } = await import('../helpers/certificates');
    const { endpointFromHost } = await import('../../src/core/engine/engineEndpoint');
    const { withDeferredCas } = await import('../../src/cli/engineSettings');
    const dir = await mkdtemp(join(tmpdir(), 'stevedore-cas-'));
    const certs = await makeServerCertificates(dir);
    const server = tls.createServer({ cert: await readFile(certs.certFile), key: await readFile(certs.keyFile) }, (socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const handshake = (secureContext: import('node:tls').SecureContext | undefined): Promise<string> =>
      new Promise((resolve) => {
        const socket = tls.connect({ host: '127.0.0.1', port, ...(secureContext ? { secureContext } : {}) }, () => {
          socket.destroy();
          resolve('verified');
        });
        socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      });
    try {
      const env = { STEVEDORE_DEFERRED_CA_CERTS: certs.caFile };
      const host = `https://127.0.0.1:${port}`;
      const deferred = await withDeferredCas(endpointFromHost('docker', host), env);
      assert.equal(await handshake(deferred.tls?.secureContext), 'verified');
      assert.equal((await withDeferredCas(endpointFromHost('docker', host), {})).tls?.secureContext, undefined);
      assert.equal(await handshake(undefined), 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
      const own = { ...endpointFromHost('docker', host), tls: { ca: Buffer.from('own'), verify: true } };
      assert.equal((await withDeferredCas(own, env)).tls?.secureContext, undefined);
    } finally {
      server.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
