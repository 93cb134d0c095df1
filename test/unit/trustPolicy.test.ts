// The containers trust policy as podman and skopeo read it: where it is found, which scope applies
// (most specific wins), every signedIdentity rule, and a typed INVALID_POLICY error for each kind
// of malformed file.

import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { StevedoreError } from '../../src/core/errors';
import { parseReference } from '../../src/core/reference/reference';
import { loadPolicy, parsePolicy } from '../../src/core/trust/policyFile';
import { dockerScopesFor, requirementsFor } from '../../src/core/trust/policyScopes';
import type { SignedIdentity } from '../../src/core/trust/policyTypes';
import { identityMatches } from '../../src/core/trust/signedIdentity';
import { tempDir } from '../helpers/fixtures';

const KEY = Buffer.from('not really a key').toString('base64');

function policyError(text: string): StevedoreError {
  try {
    parsePolicy(text, '/tmp/p.json');
  } catch (err) {
    assert.ok(err instanceof StevedoreError, String(err));
    assert.equal(err.code, 'INVALID_POLICY');
    assert.match(err.message, /^Invalid signature policy \/tmp\/p\.json: /);
    return err;
  }
  assert.fail(`accepted: ${text}`);
}

describe('trust policy', () => {
  it('is read from --signature-policy, else ~/.config/containers/policy.json, else none (the system file aside)', async () => {
    const dir = await tempDir();
    try {
      const home = join(dir.path, 'home');
      const env = { HOME: home };
      const explicit = join(dir.path, 'explicit.json');
      await writeFile(explicit, JSON.stringify({ default: [{ type: 'reject' }] }));
      assert.equal((await loadPolicy(env, explicit))?.source, explicit);
      await assert.rejects(loadPolicy(env, join(dir.path, 'missing.json')), (e: StevedoreError) => e.code === 'INVALID_POLICY' && /does not exist/.test(e.message));
      await mkdir(join(home, '.config', 'containers'), { recursive: true });
      await writeFile(join(home, '.config', 'containers', 'policy.json'), JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
      const user = await loadPolicy(env);
      assert.equal(user?.source, join(home, '.config', 'containers', 'policy.json'));
      assert.deepEqual(user?.default, [{ type: 'insecureAcceptAnything' }]);
    } finally {
      await dir.cleanup();
    }
  });

  it('looks scopes up most specific first: reference, repository, namespaces, host, wildcards', () => {
    assert.deepEqual(dockerScopesFor(parseReference('registry.example.com/team/sub/app:1.0')), [
      'registry.example.com/team/sub/app:1.0',
      'registry.example.com/team/sub/app',
      'registry.example.com/team/sub',
      'registry.example.com/team',
      'registry.example.com',
      '*.example.com',
      '*.com',
    ]);
    assert.equal(dockerScopesFor(parseReference(`busybox@sha256:${'a'.repeat(64)}`))[0], `docker.io/library/busybox@sha256:${'a'.repeat(64)}`);
    const policy = parsePolicy(
      JSON.stringify({
        default: [{ type: 'reject' }],
        transports: {
          docker: {
            '': [{ type: 'insecureAcceptAnything' }],
            'registry.example.com': [{ type: 'reject' }],
            'registry.example.com/team': [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: '/k.gpg' }],
            'registry.example.com/team/app:1.0': [{ type: 'insecureAcceptAnything' }],
            '*.example.org': [{ type: 'sigstoreSigned', keyData: KEY }],
          },
          atomic: { '': [{ type: 'reject' }] },
        },
      }),
      'p.json',
    );
    const scope = (ref: string): string => requirementsFor(policy, parseReference(ref)).scope;
    assert.equal(scope('registry.example.com/team/app:1.0'), 'registry.example.com/team/app:1.0');
    assert.equal(scope('registry.example.com/team/app:2.0'), 'registry.example.com/team');
    assert.equal(scope('registry.example.com/other/app'), 'registry.example.com');
    assert.equal(scope('a.b.example.org/x'), '*.example.org');
    assert.equal(scope('quay.io/x/y'), '');
    const noDocker = parsePolicy(JSON.stringify({ default: [{ type: 'reject' }] }), 'p.json');
    assert.deepEqual(requirementsFor(noDocker, parseReference('busybox')), { scope: 'default', where: 'default', requirements: [{ type: 'reject' }] });
    const signed = requirementsFor(policy, parseReference('registry.example.com/team/x')).requirements[0]!;
    assert.deepEqual(signed, { type: 'signedBy', keyType: 'GPGKeys', keys: [{ path: '/k.gpg' }], signedIdentity: { type: 'matchRepoDigestOrExact' } });
  });

  it('refuses malformed policies with a typed error saying what is wrong', () => {
    const cases: [unknown, RegExp][] = [
      ['{', /not valid JSON/],
      [[], /the policy must be a JSON object/],
      [{}, /Default policy is missing/],
      [{ default: [] }, /must not be empty/],
      [{ default: [{ type: 'acceptAll' }] }, /unknown policy requirement type "acceptAll"/],
      [{ default: [{}] }, /"type" is missing/],
      [{ default: [{ type: 'reject', keyPath: '/k' }] }, /unknown key "keyPath"/],
      [{ default: [{ type: 'signedBy', keyPath: '/k' }] }, /"keyType" must be "GPGKeys"/],
      [{ default: [{ type: 'signedBy', keyType: 'X509Certificates', keyPath: '/k' }] }, /not implemented/],
      [{ default: [{ type: 'signedBy', keyType: 'GPGKeys' }] }, /exactly one of keyPath, keyPaths and keyData/],
      [{ default: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: '/k', keyData: KEY }] }, /exactly one of/],
      [{ default: [{ type: 'signedBy', keyType: 'GPGKeys', keyPaths: [] }] }, /"keyPaths" must be a non-empty list/],
      [{ default: [{ type: 'signedBy', keyType: 'GPGKeys', keyData: 'not base64!' }] }, /must be the key in base64/],
      [{ default: [{ type: 'signedBy', keyType: 'GPGKeys', keyPth: '/k' }] }, /unknown key "keyPth"/],
      [{ default: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: '/k', signedIdentity: { type: 'matchAnything' } }] }, /unknown signedIdentity type/],
      [{ default: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: '/k', signedIdentity: { type: 'exactReference', dockerReference: 'example.com/a' } }] }, /with a tag or digest/],
      [{ default: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: '/k', signedIdentity: { type: 'exactRepository' } }] }, /"dockerRepository" must be a non-empty string/],
      [{ default: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: '/k', signedIdentity: { type: 'remapIdentity', prefix: 'example.com/a:1', signedPrefix: 'x.io' } }] }, /without tag or digest/],
      [{ default: [{ type: 'sigstoreSigned', fulcio: {} }] }, /"fulcio" is not supported yet/],
      [{ default: [{ type: 'reject' }], transports: { docker: { 'docker://example.com': [{ type: 'reject' }] } } }, /must not have a URL scheme/],
      [{ default: [{ type: 'reject' }], transports: { docker: { 'library/busybox': [{ type: 'reject' }] } } }, /is not a registry host, namespace or repository/],
      [{ default: [{ type: 'reject' }], transports: { docker: { '*example.com': [{ type: 'reject' }] } } }, /not a registry host/],
      [{ default: [{ type: 'reject' }], transports: { docker: { 'example.com': {} } } }, /must be a list of requirements/],
    ];
    for (const [value, expected] of cases) {
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      assert.match(policyError(text).message, expected, text);
    }
  });

  it('matches signed identities as c/image does', () => {
    const tagged = parseReference('example.com/team/app:1.0');
    const digested = parseReference(`example.com/team/app@sha256:${'b'.repeat(64)}`);
    const rule = (signedIdentity: SignedIdentity): SignedIdentity => signedIdentity;
    const cases: [SignedIdentity, typeof tagged, string, boolean][] = [
      [rule({ type: 'matchExact' }), tagged, 'example.com/team/app:1.0', true],
      [rule({ type: 'matchExact' }), tagged, 'example.com/team/app:2.0', false],
      [rule({ type: 'matchExact' }), tagged, 'example.com/team/app', false],
      [rule({ type: 'matchRepoDigestOrExact' }), tagged, 'example.com/team/app:1.0', true],
      [rule({ type: 'matchRepoDigestOrExact' }), tagged, 'example.com/team/app:latest', false],
      [rule({ type: 'matchRepoDigestOrExact' }), digested, 'example.com/team/app:anything', true],
      [rule({ type: 'matchRepoDigestOrExact' }), digested, 'example.com/team/other:1.0', false],
      [rule({ type: 'matchRepoDigestOrExact' }), parseReference('busybox:1'), 'busybox:1', true],
      [rule({ type: 'matchRepository' }), tagged, 'example.com/team/app:9', true],
      [rule({ type: 'matchRepository' }), tagged, 'example.com/team/app2:1.0', false],
      [rule({ type: 'exactReference', dockerReference: 'example.com/signed/app:1.0' }), tagged, 'example.com/signed/app:1.0', true],
      [rule({ type: 'exactReference', dockerReference: 'example.com/signed/app:1.0' }), tagged, 'example.com/team/app:1.0', false],
      [rule({ type: 'exactRepository', dockerRepository: 'example.com/signed/app' }), tagged, 'example.com/signed/app:7', true],
      [rule({ type: 'remapIdentity', prefix: 'example.com/team', signedPrefix: 'upstream.io/org' }), tagged, 'upstream.io/org/app:1.0', true],
      [rule({ type: 'remapIdentity', prefix: 'example.com/team', signedPrefix: 'upstream.io/org' }), tagged, 'example.com/team/app:1.0', false],
      [rule({ type: 'remapIdentity', prefix: 'example.com/te', signedPrefix: 'upstream.io/org' }), tagged, 'example.com/team/app:1.0', true],
      [rule({ type: 'matchExact' }), tagged, 'not a reference!', false],
    ];
    for (const [r, intended, signed, expected] of cases) {
      assert.equal(identityMatches(r, intended, signed), expected, `${JSON.stringify(r)} ${signed}`);
    }
  });
});
