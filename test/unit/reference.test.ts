import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StevedoreError } from '../../src/core/errors';
import {
  familiarName,
  familiarString,
  formatReference,
  isValidTag,
  matchesReferencePattern,
  parseReference,
  repositoryName,
  tryParseReference,
  withTag,
  type ImageReference,
} from '../../src/core/reference/reference';

const SHA256 = `sha256:${'0123456789abcdef'.repeat(4)}`;
const SHA512 = `sha512:${'0123456789abcdef'.repeat(8)}`;
const IMAGE_ID = 'f'.repeat(64);

// input → the fully qualified form, and the familiar form Docker would print.
const valid: Array<[input: string, formatted: string, familiar: string]> = [
  ['redis', 'docker.io/library/redis:latest', 'redis:latest'],
  ['redis:7', 'docker.io/library/redis:7', 'redis:7'],
  ['redis:7.2-alpine', 'docker.io/library/redis:7.2-alpine', 'redis:7.2-alpine'],
  ['library/redis', 'docker.io/library/redis:latest', 'redis:latest'],
  ['docker.io/redis', 'docker.io/library/redis:latest', 'redis:latest'],
  ['docker.io/library/redis:6', 'docker.io/library/redis:6', 'redis:6'],
  ['index.docker.io/redis', 'docker.io/library/redis:latest', 'redis:latest'],
  ['index.docker.io/user/app:1.0', 'docker.io/user/app:1.0', 'user/app:1.0'],
  ['user/app', 'docker.io/user/app:latest', 'user/app:latest'],
  ['user/app:1.0', 'docker.io/user/app:1.0', 'user/app:1.0'],
  ['docker.io/library/a/b', 'docker.io/library/a/b:latest', 'library/a/b:latest'],
  ['registry-1.docker.io/redis', 'registry-1.docker.io/redis:latest', 'registry-1.docker.io/redis:latest'],
  ['ghcr.io/owner/app:v1', 'ghcr.io/owner/app:v1', 'ghcr.io/owner/app:v1'],
  ['quay.io/a/b/c/d', 'quay.io/a/b/c/d:latest', 'quay.io/a/b/c/d:latest'],
  ['localhost/app', 'localhost/app:latest', 'localhost/app:latest'],
  ['localhost:5000/a/b:tag', 'localhost:5000/a/b:tag', 'localhost:5000/a/b:tag'],
  ['myregistry:5000/app', 'myregistry:5000/app:latest', 'myregistry:5000/app:latest'],
  ['127.0.0.1:5000/app', '127.0.0.1:5000/app:latest', '127.0.0.1:5000/app:latest'],
  ['[::1]:5000/a', '[::1]:5000/a:latest', '[::1]:5000/a:latest'],
  ['[fe80::1]/x', '[fe80::1]/x:latest', '[fe80::1]/x:latest'],
  ['[2001:DB8::1]:443/team/app:1', '[2001:DB8::1]:443/team/app:1', '[2001:DB8::1]:443/team/app:1'],
  [`redis@${SHA256}`, `docker.io/library/redis@${SHA256}`, `redis@${SHA256}`],
  [`redis:7@${SHA256}`, `docker.io/library/redis:7@${SHA256}`, `redis:7@${SHA256}`],
  [`host:5000/a/b:t@${SHA256}`, `host:5000/a/b:t@${SHA256}`, `host:5000/a/b:t@${SHA256}`],
  [`host:5000/path@${SHA512}`, `host:5000/path@${SHA512}`, `host:5000/path@${SHA512}`],
  // Any "." makes the first component a registry host, even one that reads like a namespace.
  ['my.namespace/app', 'my.namespace/app:latest', 'my.namespace/app:latest'],
  ['user/a.b_c__d-e--f', 'docker.io/user/a.b_c__d-e--f:latest', 'user/a.b_c__d-e--f:latest'],
  ['app:_Under.Score-1', 'docker.io/library/app:_Under.Score-1', 'app:_Under.Score-1'],
  [`app:${'t'.repeat(128)}`, `docker.io/library/app:${'t'.repeat(128)}`, `app:${'t'.repeat(128)}`],
  // A single component is always a Docker Hub name, even when it looks like a host.
  ['localhost:5000', 'docker.io/library/localhost:5000', 'localhost:5000'],
  ['example.com', 'docker.io/library/example.com:latest', 'example.com:latest'],
  // A name with a 64-hex tag is not an image ID, so Docker accepts it.
  [`sha256:${IMAGE_ID}`, `docker.io/library/sha256:${IMAGE_ID}`, `sha256:${IMAGE_ID}`],
  [`${IMAGE_ID}:tag`, `docker.io/library/${IMAGE_ID}:tag`, `${IMAGE_ID}:tag`],
  // An uppercase first component is read as a registry host, since namespaces must be lowercase.
  ['MyHost/app', 'MyHost/app:latest', 'MyHost/app:latest'],
  ['Docker.io/app', 'Docker.io/app:latest', 'Docker.io/app:latest'],
  // The 255-character limit is on the path (library/ included), never the domain.
  ['a'.repeat(247), `docker.io/library/${'a'.repeat(247)}:latest`, `${'a'.repeat(247)}:latest`],
  [`${'h'.repeat(100)}.com/${'p'.repeat(255)}`, `${'h'.repeat(100)}.com/${'p'.repeat(255)}:latest`, `${'h'.repeat(100)}.com/${'p'.repeat(255)}:latest`],
];

for (const [input, formatted, familiar] of valid) {
  test(`parses ${JSON.stringify(short(input))}`, () => {
    const ref = parseReference(input);
    assert.equal(formatReference(ref), formatted);
    assert.equal(familiarString(ref), familiar);
    assert.deepEqual(tryParseReference(input), ref);
  });
}

// input → words the message must contain.
const invalid: Array<[input: string, problem: RegExp]> = [
  ['', /reference is empty/],
  ['Redis', /^invalid reference "Redis": repository name must be lowercase/],
  ['REDIS:latest', /must be lowercase.*"redis"/],
  ['user/App', /must be lowercase: "App"/],
  ['ghcr.io/Owner/app', /must be lowercase: "Owner"/],
  ['Foo_Bar/app', /must be lowercase: "Foo_Bar"/],
  ['a//b', /empty path component/],
  ['a/', /empty path component/],
  ['/a', /empty path component/],
  [':tag', /no repository name before ":"/],
  ['localhost/', /no repository name after "localhost\/"/],
  ['ghcr.io/:1.0', /no repository name after "ghcr.io\/"/],
  [`@${SHA256}`, /no repository name before "@"/],
  ['redis:', /tag after ":" is empty/],
  [`redis:${'t'.repeat(129)}`, /tag must not be more than 128 characters \(it has 129\)/],
  ['redis:.hidden', /tag ".hidden" must start with a letter, digit or "_"/],
  ['redis:-x', /must start with a letter, digit or "_", not "-"/],
  ['redis:a+b', /tag "a\+b" contains the invalid character "\+"/],
  ['redis:1:2', /invalid character ":"/],
  ['redis:é', /invalid character "é"/],
  ['redis@', /digest after "@" is empty/],
  ['redis@sha256', /digest "sha256" is malformed/],
  ['redis@sha256:', /is malformed/],
  [`redis@${SHA256}@${SHA256}`, /is malformed/],
  ['redis@sha256:abc', /sha256 digest must have 64 hex digits, but "sha256:abc" has 3/],
  [`redis@${SHA256}0`, /must have 64 hex digits.* has 65/],
  [`redis@sha512:${'a'.repeat(64)}`, /sha512 digest must have 128 hex digits/],
  [`redis@sha256:${'g'.repeat(64)}`, /not hex digits/],
  [`redis@sha256:${'A'.repeat(64)}`, /must use lowercase hex digits/],
  [`redis@md5:${'a'.repeat(32)}`, /digest algorithm "md5" is not supported/],
  [`redis@sha384:${'a'.repeat(96)}`, /digest algorithm "sha384" is not supported/],
  ['a'.repeat(248), /must not be more than 255 characters .*has 256/],
  [`user/${'a'.repeat(251)}`, /must not be more than 255 characters .*has 256/],
  [IMAGE_ID, /64-character hexadecimal string is an image ID.*cannot specify 64-byte hexadecimal strings/],
  ['my app', /contains whitespace/],
  [' redis', /contains whitespace/],
  ['redis\n', /contains whitespace/],
  ['::1/a', /looks like an IPv6 address; put the address in brackets/],
  ['[::1/a', /missing the closing "\]"/],
  ['[fe80::1%eth0]/a', /zone IDs such as "%eth0" are not supported/],
  ['[::1]x/a', /unexpected text after "\]"/],
  ['[::1]:/a', /empty port/],
  ['host:/a', /empty port/],
  ['host:http/a', /port "http", which is not a number/],
  [':5000/a', /no host name before the port/],
  ['a..b/c', /empty part between dots/],
  ['-bad.com/c', /"-bad" may only contain letters, digits and "-"/],
  ['bad_host.com/c', /"bad_host" may only contain letters/],
  ['_app', /component "_app" must start and end with a lowercase letter or digit/],
  ['app-', /must start and end with a lowercase letter or digit/],
  ['a___b', /component "a___b" has an invalid separator/],
  ['a..b', /invalid separator/],
  ['a.-b', /invalid separator/],
  ['user/a!b', /component "a!b" contains the invalid character "!"/],
];

for (const [input, problem] of invalid) {
  test(`rejects ${JSON.stringify(short(input))}`, () => {
    assert.throws(
      () => parseReference(input),
      (err: unknown) => {
        assert.ok(err instanceof StevedoreError);
        assert.equal(err.code, 'INVALID_REFERENCE');
        assert.match(err.message, /^invalid reference "/);
        assert.match(err.message, problem);
        return true;
      },
    );
    assert.equal(tryParseReference(input), null);
  });
}

test('parse returns exactly the present fields', () => {
  assert.deepEqual(parseReference('redis'), { domain: 'docker.io', path: 'library/redis', tag: 'latest' });
  assert.deepEqual(parseReference(`redis@${SHA256}`), { domain: 'docker.io', path: 'library/redis', digest: SHA256 });
  assert.deepEqual(parseReference(`localhost:5000/a/b:t@${SHA256}`), { domain: 'localhost:5000', path: 'a/b', tag: 't', digest: SHA256 });
});

test('defaultTag: false leaves a bare name untagged', () => {
  assert.deepEqual(parseReference('redis', { defaultTag: false }), { domain: 'docker.io', path: 'library/redis' });
  assert.deepEqual(parseReference('redis:7', { defaultTag: false }), { domain: 'docker.io', path: 'library/redis', tag: '7' });
  assert.equal(formatReference(parseReference('user/app', { defaultTag: false })), 'docker.io/user/app');
  assert.equal(familiarString(parseReference('user/app', { defaultTag: false })), 'user/app');
  assert.deepEqual(tryParseReference('redis', { defaultTag: false }), { domain: 'docker.io', path: 'library/redis' });
});

test('long inputs are shortened in the message but kept in the detail', () => {
  const input = 'a'.repeat(300);
  assert.throws(
    () => parseReference(input),
    (err: unknown) => err instanceof StevedoreError && err.message.length < 400 && err.detail?.input === input,
  );
});

test('repositoryName and familiarName', () => {
  const cases: Array<[string, string, string]> = [
    ['redis:7', 'docker.io/library/redis', 'redis'],
    ['user/app:1', 'docker.io/user/app', 'user/app'],
    ['docker.io/library/a/b', 'docker.io/library/a/b', 'library/a/b'],
    [`localhost:5000/a/b@${SHA256}`, 'localhost:5000/a/b', 'localhost:5000/a/b'],
    ['quay.io/library/x', 'quay.io/library/x', 'quay.io/library/x'],
  ];
  for (const [input, repository, familiar] of cases) {
    const ref = parseReference(input);
    assert.equal(repositoryName(ref), repository, input);
    assert.equal(familiarName(ref), familiar, input);
  }
});

test('formatReference round-trips through parseReference', () => {
  for (const [input] of valid) {
    const ref = parseReference(input);
    assert.deepEqual(parseReference(formatReference(ref)), ref, input);
    assert.deepEqual(parseReference(familiarString(ref)), ref, input);
  }
});

test('withTag replaces the tag, drops the digest and validates', () => {
  const ref = parseReference(`host:5000/a/b:old@${SHA256}`);
  const tagged = withTag(ref, 'new-1.0');
  assert.deepEqual(tagged, { domain: 'host:5000', path: 'a/b', tag: 'new-1.0' });
  assert.equal(formatReference(tagged), 'host:5000/a/b:new-1.0');
  assert.deepEqual(ref.tag, 'old', 'the input is not mutated');
  assert.throws(
    () => withTag(ref, 'bad tag'),
    (err: unknown) => err instanceof StevedoreError && err.code === 'INVALID_REFERENCE' && /invalid tag "bad tag".*invalid character " "/.test(err.message),
  );
  assert.throws(() => withTag(ref, ''), /invalid tag "": the tag is empty/);
  assert.throws(() => withTag(ref, 'x'.repeat(129)), /not be more than 128 characters/);
});

test('isValidTag', () => {
  for (const tag of ['latest', '1', '_', 'v1.2.3-rc.1', 'UPPER', 'a'.repeat(128)]) assert.equal(isValidTag(tag), true, tag);
  for (const tag of ['', '.x', '-x', 'a:b', 'a/b', 'a@b', 'é', 'a'.repeat(129)]) assert.equal(isValidTag(tag), false, tag);
});

test('matchesReferencePattern follows FamiliarMatch', () => {
  const redis = parseReference('redis:7');
  const app = parseReference('localhost:5000/team/app:1.0');
  const pinned = parseReference(`user/app:1@${SHA256}`);
  const cases: Array<[string, ImageReference, boolean]> = [
    ['redis', redis, true],
    ['redis:7', redis, true],
    ['red*', redis, true],
    ['*:7', redis, true],
    ['redis:?', redis, true],
    ['redis:[0-9]', redis, true],
    ['redis:[^0-6]', redis, true],
    ['redis:[^7]', redis, false],
    ['redis:8', redis, false],
    ['docker.io/library/redis', redis, false],
    ['library/redis', redis, false],
    ['re\\dis', redis, true],
    ['localhost:5000/team/app', app, true],
    ['localhost:5000/*/app:1.0', app, true],
    // `*` and `?` never cross "/", so one star cannot cover the whole path.
    ['localhost:5000/*', app, false],
    ['*', app, false],
    ['*/*/*', app, true],
    ['localhost:5000/team[/]app', app, true],
    ['user/app', pinned, true],
    ['user/app:1@sha256:*', pinned, true],
    ['user/app:1', pinned, false],
  ];
  for (const [pattern, ref, expected] of cases) {
    assert.equal(matchesReferencePattern(pattern, ref), expected, `${pattern} vs ${familiarString(ref)}`);
  }
});

test('matchesReferencePattern rejects malformed patterns', () => {
  const redis = parseReference('redis');
  for (const pattern of ['[', 'redis[', '[]', '[a-]', '[-a]', 'redis\\', '[^]']) {
    assert.throws(
      () => matchesReferencePattern(pattern, redis),
      (err: unknown) => err instanceof StevedoreError && err.code === 'INVALID_ARGUMENT' && err.message.includes('invalid reference filter pattern'),
      pattern,
    );
  }
});

test('matchesReferencePattern stays fast on patterns with many stars', () => {
  const ref = parseReference(`${'a'.repeat(200)}:latest`);
  const started = Date.now();
  assert.equal(matchesReferencePattern(`${'*a'.repeat(40)}b`, ref), false);
  // A linear matcher takes well under a millisecond; a backtracking one tries ~10^40 ways. The
  // bound sits between the two by many orders of magnitude, so no busy machine reaches it.
  assert.ok(Date.now() - started < 60_000);
});

function short(value: string): string {
  return value.length > 60 ? `${value.slice(0, 57)}...` : value;
}
