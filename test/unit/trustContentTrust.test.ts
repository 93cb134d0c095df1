// The verify stage's switches without a registry: no policy file at all (accept, said once),
// DOCKER_CONTENT_TRUST=1 without a policy (refused: Notary v1 is not supported), the skip switches,
// and how strictly a signature's payload is read.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { StevedoreError } from '../../src/core/errors';
import type { RegistryClient } from '../../src/core/registry/registryClient';
import { parseReference } from '../../src/core/reference/reference';
import { contentTrustVerifier, dockerContentTrust } from '../../src/core/trust/contentTrust';
import { isSignatureTag, signedDigests } from '../../src/core/trust/signatureTags';
import { ATOMIC_SIGNATURE_TYPE, COSIGN_SIGNATURE_TYPE, MalformedSignature, makeSignedClaims, parseSignedClaims } from '../../src/core/trust/signaturePayload';

const image = { reference: parseReference('example.com/team/app:1.0'), manifestDigest: `sha256:${'a'.repeat(64)}`, client: {} as RegistryClient };

describe('content trust switches', () => {
  it('with no policy file anywhere, accepts and says once that nothing is verified', async () => {
    const notices: string[] = [];
    const verify = contentTrustVerifier({ env: { HOME: '/nonexistent' }, policySearchPaths: ['/nonexistent/a.json', '/nonexistent/b.json'], notice: (m) => notices.push(m) });
    assert.equal(await verify(image), undefined);
    assert.equal(await verify(image), undefined);
    assert.equal(notices.length, 1);
    assert.match(notices[0]!, /^No signature policy found \(\/nonexistent\/a\.json, \/nonexistent\/b\.json\): images are pulled without verifying signatures/);
  });

  it('DOCKER_CONTENT_TRUST=1 without a policy refuses: Notary v1 is not supported, and says how to write a policy', async () => {
    const verify = contentTrustVerifier({ env: { DOCKER_CONTENT_TRUST: '1' }, policySearchPaths: [join('/nonexistent', 'p.json')], notice: () => undefined });
    await assert.rejects(verify(image), (err: StevedoreError) => {
      assert.equal(err.code, 'CONTENT_TRUST_UNSUPPORTED');
      assert.match(err.message, /Notary v1\), which Stevedore does not support, and no signature policy exists/);
      assert.match(err.message, /"example\.com\/team\/app": \[\{"type": "sigstoreSigned"/);
      assert.match(err.message, /--disable-content-trust/);
      return true;
    });
  });

  it('--disable-content-trust and DOCKER_CONTENT_TRUST=0 skip, saying so', async () => {
    for (const [settings, expected] of [
      [{ env: { DOCKER_CONTENT_TRUST: '1' }, disable: true }, /\(--disable-content-trust\)/],
      [{ env: { DOCKER_CONTENT_TRUST: 'false' } }, /\(DOCKER_CONTENT_TRUST=0\)/],
    ] as const) {
      const notices: string[] = [];
      const verify = contentTrustVerifier({ ...settings, policySearchPaths: [], notice: (m) => notices.push(m) });
      assert.equal(await verify(image), undefined);
      assert.match(notices.join('\n'), expected);
    }
    assert.deepEqual(['', '0', 'FALSE', '1', 'true', 'yes'].map((v) => dockerContentTrust({ DOCKER_CONTENT_TRUST: v })), ['unset', 'off', 'off', 'on', 'on', 'on']);
  });

  it('reads signed claims strictly, as c/image does', () => {
    const claims = { dockerReference: 'example.com/a:1', manifestDigest: `sha256:${'b'.repeat(64)}` };
    assert.deepEqual(parseSignedClaims(makeSignedClaims(claims, ATOMIC_SIGNATURE_TYPE, { creator: 'x' }), ATOMIC_SIGNATURE_TYPE), claims);
    const good = JSON.parse(makeSignedClaims(claims, COSIGN_SIGNATURE_TYPE).toString()) as { critical: Record<string, unknown>; optional: unknown };
    assert.deepEqual(parseSignedClaims(Buffer.from(JSON.stringify({ ...good, optional: null })), COSIGN_SIGNATURE_TYPE), claims);
    const bad: [unknown, RegExp][] = [
      ['not json', /not JSON/],
      [{ ...good, extra: 1 }, /unexpected field "extra"/],
      [{ optional: {} }, /lacks the field "critical"/],
      [{ ...good, critical: { ...good.critical, type: ATOMIC_SIGNATURE_TYPE } }, /unrecognized signature type "atomic container signature"/],
      [{ ...good, critical: { ...good.critical, image: { 'docker-manifest-digest': 'nope' } } }, /invalid docker-manifest-digest/],
      [{ ...good, critical: { ...good.critical, identity: { 'docker-reference': 'x', claim: 'y' } } }, /unexpected field "claim"/],
      [{ ...good, critical: { ...good.critical, whatever: 1 } }, /unexpected field "whatever"/],
    ];
    for (const [value, expected] of bad) {
      const bytes = Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
      assert.throws(() => parseSignedClaims(bytes, COSIGN_SIGNATURE_TYPE), (e: Error) => e instanceof MalformedSignature && expected.test(e.message), JSON.stringify(value));
    }
  });
});

describe('signature tags in a tag list', () => {
  it('names the manifest digests cosign .sig tags and referrer fallback tags stand for, and nothing else', () => {
    const hex = 'ab'.repeat(32);
    const other = 'cd'.repeat(32);
    const tags = ['1', 'latest', `sha256-${hex}.sig`, `sha256-${other}`, 'sha256-short.sig', `sha512-${hex}.sig`, `v-sha256-${hex}.sig`];
    assert.deepEqual([...signedDigests(tags)].sort(), [`sha256:${hex}`, `sha256:${other}`]);
    assert.deepEqual(tags.filter(isSignatureTag), [`sha256-${hex}.sig`, `sha256-${other}`]);
  });
});
