// The registry client's protocol pieces, without a network: challenges, Link and Content-Range
// headers, Retry-After, scopes, Docker Hub's names, insecure-registry rules, manifest parsing,
// platform selection and error mapping.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StevedoreError } from '../../src/core/errors';
import { parseAuthChallenges, preferredChallenge } from '../../src/core/registry/authChallenge';
import { parseContentRange } from '../../src/core/registry/blobDownload';
import { mergeScopes, scopeKey } from '../../src/core/registry/bearerTokens';
import { parseManifest } from '../../src/core/registry/manifests';
import { nextLink } from '../../src/core/registry/pagedLists';
import { selectPlatform } from '../../src/core/registry/platformSelect';
import { registryErrorFrom } from '../../src/core/registry/registryError';
import { hostFromServerAddress, isListedInsecure, isLoopbackHost, registryHost } from '../../src/core/registry/registryHost';
import { parseRetryAfter } from '../../src/core/registry/retryPolicy';
import { runLimited } from '../../src/core/registry/runLimited';
import { compressedMediaType } from '../../src/core/registry/pushBlob';
import { ellipsis } from '../../src/cli/format/ellipsis';
import { splitSearchTerm } from '../../src/cli/commands/search';
import { progressText } from '../../src/cli/progressLines';
import type { ImageIndex } from '../../src/core/image/types';

describe('WWW-Authenticate challenges', () => {
  it('parses Docker Hub\'s Bearer challenge', () => {
    const [c] = parseAuthChallenges('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/redis:pull"');
    assert.deepEqual(c, { scheme: 'bearer', params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/redis:pull' } });
  });

  it('parses Basic, error parameters, escapes and several challenges in one header', () => {
    const all = parseAuthChallenges('Basic realm="reg\\"istry", Bearer realm="https://t/token",error="insufficient_scope",scope="repository:a:pull,push"');
    assert.equal(all.length, 2);
    assert.deepEqual(all[0], { scheme: 'basic', params: { realm: 'reg"istry' } });
    assert.equal(all[1]!.params.error, 'insufficient_scope');
    assert.equal(all[1]!.params.scope, 'repository:a:pull,push');
    assert.equal(preferredChallenge(all)!.scheme, 'bearer');
    assert.deepEqual(parseAuthChallenges(['Basic realm=x', 'Bearer realm="y"']).map((c) => c.scheme), ['basic', 'bearer']);
    assert.deepEqual(parseAuthChallenges(undefined), []);
  });
});

describe('headers', () => {
  it('finds rel="next" in Link headers, relative or absolute, among other links', () => {
    assert.equal(nextLink('</v2/_catalog?last=b&n=2>; rel="next"'), '/v2/_catalog?last=b&n=2');
    assert.equal(nextLink('<https://r.example/v2/x/tags/list?n=5&last=a>; rel=next'), 'https://r.example/v2/x/tags/list?n=5&last=a');
    assert.equal(nextLink('</prev>; rel="prev", </next>; rel="next"'), '/next');
    assert.equal(nextLink('</x>; rel="prev"'), undefined);
    assert.equal(nextLink(undefined), undefined);
  });

  it('parses Content-Range and rejects anything else', () => {
    assert.deepEqual(parseContentRange('bytes 100-199/200'), { start: 100, end: 199, total: 200 });
    assert.deepEqual(parseContentRange('bytes 5-9/*'), { start: 5, end: 9 });
    assert.equal(parseContentRange('items 1-2/3'), undefined);
    assert.equal(parseContentRange(undefined), undefined);
  });

  it('reads Retry-After as seconds or an HTTP date', () => {
    assert.equal(parseRetryAfter('1'), 1000);
    assert.equal(parseRetryAfter(' 30 '), 30_000);
    const now = Date.parse('2024-01-01T00:00:00Z');
    assert.equal(parseRetryAfter('Mon, 01 Jan 2024 00:00:05 GMT', now), 5000);
    assert.equal(parseRetryAfter('soon'), undefined);
    assert.equal(parseRetryAfter(undefined), undefined);
  });
});

describe('token scopes', () => {
  it('merges actions per resource and orders push scopes first', () => {
    assert.deepEqual(mergeScopes(['repository:a:pull'], ['repository:a:push', 'repository:b:pull']), ['repository:a:pull,push', 'repository:b:pull']);
    assert.equal(scopeKey(['repository:b:pull', 'repository:a:pull,push']), 'repository:a:pull,push repository:b:pull');
    assert.equal(scopeKey(['repository:a:pull', 'repository:a:pull']), 'repository:a:pull');
  });
});

describe('registry names', () => {
  it('maps Docker Hub\'s names as Docker does', () => {
    for (const name of ['docker.io', 'index.docker.io', 'registry-1.docker.io', 'https://index.docker.io/v1/']) {
      assert.deepEqual(registryHost(name), { domain: 'docker.io', apiHost: 'registry-1.docker.io', credentialKey: 'https://index.docker.io/v1/' });
    }
    assert.deepEqual(registryHost('http://localhost:5000/v2/'), { domain: 'localhost:5000', apiHost: 'localhost:5000', credentialKey: 'localhost:5000' });
    assert.equal(hostFromServerAddress('HTTPS://Ghcr.IO/'), 'ghcr.io');
  });

  it('treats loopback as insecure-allowed and honours the insecure list', () => {
    for (const host of ['localhost:5000', '127.0.0.1:5000', '127.1.2.3', '[::1]:5000', 'registry.localhost']) assert.equal(isLoopbackHost(host), true, host);
    for (const host of ['10.0.0.1:5000', 'example.com', 'localhost.example.com']) assert.equal(isLoopbackHost(host), false, host);
    assert.equal(isListedInsecure('reg.local:5000', ['reg.local:5000']), true);
    assert.equal(isListedInsecure('reg.local:5000', ['reg.local']), true, 'a bare host covers every port');
    assert.equal(isListedInsecure('reg.local:5000', ['reg.local:5001']), false);
    assert.equal(isListedInsecure('10.1.2.3:5000', ['10.0.0.0/8']), true);
    assert.equal(isListedInsecure('11.1.2.3:5000', ['10.0.0.0/8']), false);
    assert.equal(isListedInsecure('reg.local', ['http://reg.local/']), true);
  });

  it('splits search terms the way the daemon does', () => {
    assert.deepEqual(splitSearchTerm('redis', undefined), { term: 'redis' });
    assert.deepEqual(splitSearchTerm('bitnami/redis', undefined), { term: 'bitnami/redis' });
    assert.deepEqual(splitSearchTerm('localhost:5000/app', undefined), { registry: 'localhost:5000', term: 'app' });
    assert.deepEqual(splitSearchTerm('docker.io/redis', undefined), { term: 'redis' });
    assert.deepEqual(splitSearchTerm('app', 'reg.example.com'), { registry: 'reg.example.com', term: 'app' });
  });
});

describe('manifests and platforms', () => {
  it('takes the media type from the header, the document, or its shape', () => {
    const manifest = Buffer.from(JSON.stringify({ schemaVersion: 2, config: { digest: `sha256:${'0'.repeat(64)}`, size: 1, mediaType: 'c' }, layers: [] }));
    assert.equal(parseManifest(manifest, 'application/vnd.docker.distribution.manifest.v2+json', 'x').mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
    assert.equal(parseManifest(manifest, 'text/plain', 'x').mediaType, 'application/vnd.oci.image.manifest.v1+json');
    const index = Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [] }));
    assert.equal(parseManifest(index, '', 'x').mediaType, 'application/vnd.oci.image.index.v1+json');
  });

  it('refuses Docker schema 1 with a clear message', () => {
    const v1 = Buffer.from(JSON.stringify({ schemaVersion: 1, name: 'x', fsLayers: [] }));
    assert.throws(() => parseManifest(v1, 'application/vnd.docker.distribution.manifest.v1+prettyjws', 'old:1'), (err: StevedoreError) => err.code === 'UNSUPPORTED' && /schema 1/.test(err.message));
  });

  const index: ImageIndex = {
    schemaVersion: 2,
    manifests: [
      { mediaType: 'm', digest: 'sha256:amd', size: 1, platform: { os: 'linux', architecture: 'amd64' } },
      { mediaType: 'm', digest: 'sha256:armv7', size: 1, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } },
      { mediaType: 'm', digest: 'sha256:arm64', size: 1, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
      { mediaType: 'm', digest: 'sha256:att', size: 1, platform: { os: 'unknown', architecture: 'unknown' }, annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } },
    ],
  };

  it('picks the platform asked for, with variants as containerd matches them', () => {
    assert.equal(selectPlatform(index, { os: 'linux', architecture: 'arm64' }, 'x').digest, 'sha256:arm64');
    assert.equal(selectPlatform(index, { os: 'linux', architecture: 'arm64', variant: 'v8' }, 'x').digest, 'sha256:arm64');
    assert.equal(selectPlatform(index, { os: 'linux', architecture: 'amd64' }, 'x').digest, 'sha256:amd');
  });

  it('lists the available platforms when none matches, never the attestation', () => {
    assert.throws(
      () => selectPlatform(index, { os: 'linux', architecture: 's390x' }, 'app:1'),
      (err: StevedoreError) => err.code === 'PLATFORM_NOT_FOUND' && err.message.includes('available platforms: linux/amd64, linux/arm/v7, linux/arm64/v8.'),
    );
  });

  it('gives uncompressed layer types their gzip counterparts', () => {
    assert.equal(compressedMediaType('application/vnd.oci.image.layer.v1.tar'), 'application/vnd.oci.image.layer.v1.tar+gzip');
    assert.equal(compressedMediaType('application/vnd.docker.image.rootfs.diff.tar'), 'application/vnd.docker.image.rootfs.diff.tar.gzip');
    assert.equal(compressedMediaType('application/vnd.oci.image.layer.v1.tar+gzip'), undefined);
  });
});

describe('registry errors', () => {
  const ctx = { what: 'manifest for r.example/app:1', registry: 'r.example' };
  it('keeps the status, the spec diagnostics and whether to retry', () => {
    const err = registryErrorFrom(404, '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}', ctx);
    assert.equal(err.code, 'MANIFEST_UNKNOWN');
    assert.equal(err.status, 404);
    assert.deepEqual(err.diagnostics, [{ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown' }]);
    assert.equal(err.temporary, false);
    assert.match(err.message, /^manifest for r\.example\/app:1 not found: manifest_unknown: manifest unknown\./);
    const busy = registryErrorFrom(503, '<html>busy</html>', ctx);
    assert.equal(busy.code, 'REGISTRY_ERROR');
    assert.equal(busy.temporary, true);
    assert.equal(registryErrorFrom(429, '{"errors":[{"code":"TOOMANYREQUESTS","message":"slow"}]}', ctx).code, 'TOO_MANY_REQUESTS');
    assert.equal(registryErrorFrom(401, '', ctx).code, 'UNAUTHORIZED');
    assert.equal(registryErrorFrom(403, '', ctx).code, 'DENIED');
  });
});

describe('runLimited', () => {
  it('runs at most `limit` tasks at once and keeps the order of results', async () => {
    let running = 0;
    let peak = 0;
    const out = await runLimited([1, 2, 3, 4, 5, 6], 2, undefined, async (n) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setImmediate(r));
      running--;
      return n * 10;
    });
    assert.deepEqual(out, [10, 20, 30, 40, 50, 60]);
    assert.equal(peak, 2);
  });

  it('a task that frees its slot lets the next one start, and is still awaited', async () => {
    const order: string[] = [];
    let finishFirst!: () => void;
    const firstDone = new Promise<void>((resolve) => {
      finishFirst = resolve;
    });
    const out = await runLimited(['a', 'b'], 1, undefined, async (name, _i, _signal, free) => {
      order.push(`start ${name}`);
      if (name === 'a') {
        free();
        await firstDone;
      } else {
        finishFirst();
      }
      order.push(`end ${name}`);
      return name;
    });
    assert.deepEqual(out, ['a', 'b']);
    assert.deepEqual(order, ['start a', 'start b', 'end b', 'end a']);
  });

  it('on a failure, stops the others through the signal and waits for them before rethrowing', async () => {
    const settled: number[] = [];
    await assert.rejects(
      runLimited([0, 1, 2, 3], 3, undefined, async (n, _i, signal) => {
        if (n === 1) throw new StevedoreError('DIGEST_MISMATCH', 'bad');
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        settled.push(n);
        throw new Error('aborted');
      }),
      (err: StevedoreError) => err.code === 'DIGEST_MISMATCH',
    );
    assert.deepEqual(settled.sort(), [0, 2]);
  });
});

describe('output helpers', () => {
  it('truncates like docker/cli formatter.Ellipsis', () => {
    assert.equal(ellipsis('abcdef', 4), 'abc…');
    assert.equal(ellipsis('abc', 3), 'abc');
    assert.equal(ellipsis('日本語テキスト', 5), '日本…');
    assert.equal(ellipsis('abc', 1), 'a');
    assert.equal(ellipsis('abc', 0), '');
  });

  it('draws Docker\'s progress bar only on wide terminals', () => {
    assert.equal(progressText({ current: 500_000, total: 1_000_000 }, 80), '   500kB/1MB');
    assert.equal(progressText({ current: 500_000, total: 1_000_000 }, 120), `[${'='.repeat(25)}>${' '.repeat(25)}]    500kB/1MB`);
  });
});
