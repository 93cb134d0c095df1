// The credential lookup a registry client shares between its requests: the request that starts it
// lends its signal (so a cancelled pull stops the credential helper it started), but another
// request waiting on the same lookup is not cancelled with it; it looks up again under its own.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CancelledError, isCancelled } from '../../src/core/errors';
import type { CredentialResolver } from '../../src/core/registry/credentials';
import { RegistryAuth } from '../../src/core/registry/registryAuth';

/** A resolver that answers only when told to, and rejects as cancelled when its signal aborts. */
function heldResolver(): { resolver: CredentialResolver; calls: (AbortSignal | undefined)[]; answer: () => void } {
  const calls: (AbortSignal | undefined)[] = [];
  const waiting: (() => void)[] = [];
  const resolver: CredentialResolver = (_registry, signal) =>
    new Promise((resolve, reject) => {
      calls.push(signal);
      signal?.addEventListener('abort', () => reject(new CancelledError()), { once: true });
      waiting.push(() => resolve({ username: 'alice', password: 'secret' }));
    });
  return { resolver, calls, answer: () => waiting.splice(0).forEach((w) => w()) };
}

function basicAuth(credentials: CredentialResolver): RegistryAuth {
  const auth = new RegistryAuth({
    domain: 'reg.example.com',
    credentials,
    isInsecure: () => false,
    registryProtocol: () => 'https:',
    tokenTransport: () => async () => ({ status: 500, text: '' }),
  });
  auth.challenge = { scheme: 'basic', params: {} };
  return auth;
}

describe('the shared credential lookup', () => {
  it('is asked once for requests that overlap', async () => {
    const held = heldResolver();
    const auth = basicAuth(held.resolver);
    const both = Promise.all([auth.authorization([], undefined), auth.authorization([], undefined)]);
    await new Promise((r) => setImmediate(r));
    held.answer();
    const expected = `Basic ${Buffer.from('alice:secret').toString('base64')}`;
    assert.deepEqual(await both, [expected, expected]);
    assert.equal(held.calls.length, 1);
  });

  it('a cancelled request cancels its lookup, and a request still waiting on it looks up again under its own signal', async () => {
    const held = heldResolver();
    const auth = basicAuth(held.resolver);
    const first = new AbortController();
    const second = new AbortController();
    const cancelled = auth.authorization([], first.signal);
    // Settled either way, so that a wrong rejection fails the assertions below instead of going unhandled.
    const waiting = auth.authorization([], second.signal).then((v) => v, (err: unknown) => err);
    await new Promise((r) => setImmediate(r));
    assert.equal(held.calls.length, 1);
    assert.equal(held.calls[0], first.signal, 'the lookup runs under the signal of the request that started it');
    first.abort();
    await assert.rejects(cancelled, (err: unknown) => isCancelled(err));
    // A few turns of the event loop (a count, not a time): the second lookup starts within them.
    for (let i = 0; i < 10 && held.calls.length < 2; i++) await new Promise((r) => setImmediate(r));
    assert.equal(held.calls.length, 2, 'the waiting request looked up again');
    assert.equal(held.calls[1], second.signal);
    held.answer();
    assert.equal(await waiting, `Basic ${Buffer.from('alice:secret').toString('base64')}`);
  });
});
