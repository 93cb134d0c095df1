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
