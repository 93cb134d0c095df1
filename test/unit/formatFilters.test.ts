import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StevedoreError } from '../../src/core/errors';
import { globMatch, parseBoolFilter, parseFilters } from '../../src/core/format/filters';

function assertInvalid(fn: () => unknown, message: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof StevedoreError);
    assert.equal(err.code, 'INVALID_ARGUMENT');
    assert.equal(err.message, message);
    return true;
  });
}

test('parseFilters collects values per key, trimmed, keys lower-cased, duplicates dropped', () => {
  const filters = parseFilters(['dangling=true', ' Label = a=b ', 'label=x', 'label=x', '', 'reference=redis:*'], ['dangling', 'label', 'reference']);
  assert.deepEqual([...filters], [
    ['dangling', ['true']],
    ['label', ['a=b', 'x']],
    ['reference', ['redis:*']],
  ]);
  assert.deepEqual([...parseFilters([], ['label'])], []);
  assert.deepEqual([...parseFilters(['label='], ['label'])], [['label', ['']]]);
});

test('parseFilters rejects a value without "=" as the flag parser does', () => {
  assertInvalid(() => parseFilters(['foo'], ['label']), 'invalid argument "foo" for "-f, --filter" flag: bad format of filter (expected name=value)');
  assertInvalid(() => parseFilters(['a "b"'], ['label'], '--filter'), 'invalid argument "a \\"b\\"" for "--filter" flag: bad format of filter (expected name=value)');
});

test('parseFilters rejects unknown keys as the daemon does', () => {
  assertInvalid(() => parseFilters(['label=a', 'bogus=1'], ['label']), "invalid filter 'bogus'");
  assertInvalid(() => parseFilters(['DANGLING=true'], ['label']), "invalid filter 'dangling'");
});

test('parseBoolFilter accepts true/false/1/0 only', () => {
  assert.equal(parseBoolFilter('true'), true);
  assert.equal(parseBoolFilter('1'), true);
  assert.equal(parseBoolFilter('false'), false);
  assert.equal(parseBoolFilter('0'), false);
  assert.equal(parseBoolFilter(['true', '1']), true);
  assertInvalid(() => parseBoolFilter('maybe'), "invalid filter 'dangling=[maybe]'");
  assertInvalid(() => parseBoolFilter('True'), "invalid filter 'dangling=[True]'");
  assertInvalid(() => parseBoolFilter(['true', 'false'], 'dangling'), "invalid filter 'dangling=[true false]'");
  assertInvalid(() => parseBoolFilter([], 'is-official'), "invalid filter 'is-official'");
});

test('globMatch follows Go path.Match', () => {
  const cases: Array<[string, string, boolean]> = [
    // From Go's path/match_test.go.
    ['abc', 'abc', true],
    ['*', 'abc', true],
    ['*c', 'abc', true],
    ['a*', 'a', true],
    ['a*', 'abc', true],
    ['a*', 'ab/c', false],
    ['a*/b', 'abc/b', true],
    ['a*/b', 'a/c/b', false],
    ['a*b*c*d*e*/f', 'axbxcxdxe/f', true],
    ['a*b*c*d*e*/f', 'axbxcxdxexxx/f', true],
    ['a*b*c*d*e*/f', 'axbxcxdxe/xxx/f', false],
    ['a*b*c*d*e*/f', 'axbxcxdxexxx/fff', false],
    ['a*b?c*x', 'abxbbxdbxebxczzx', true],
    ['a*b?c*x', 'abxbbxdbxebxczzy', false],
    ['ab[c]', 'abc', true],
    ['ab[b-d]', 'abc', true],
    ['ab[e-g]', 'abc', false],
    ['ab[^c]', 'abc', false],
    ['ab[^b-d]', 'abc', false],
    ['ab[^e-g]', 'abc', true],
    ['a\\*b', 'a*b', true],
    ['a\\*b', 'ab', false],
    ['a?b', 'a☺b', true],
    ['a[^a]b', 'a☺b', true],
    ['a???b', 'a☺b', false],
    ['a[^a][^a][^a]b', 'a☺b', false],
    ['[a-ζ]*', 'α', true],
    ['*[a-ζ]', 'A', false],
    ['a?b', 'a/b', false],
    ['a*b', 'a/b', false],
    ['[\\]a]', ']', true],
    ['[\\-]', '-', true],
    ['[x\\-]', 'x', true],
    ['[x\\-]', '-', true],
    ['[x\\-]', 'z', false],
    ['[\\-x]', 'x', true],
    ['[\\-x]', '-', true],
    ['[\\-x]', 'a', false],
    ['*x', 'xxx', true],
    // Docker's reference filter.
    ['redis*', 'redis', true],
    ['*/*', 'library/redis', true],
    ['docker.io/*', 'docker.io/library/redis', false],
  ];
  for (const [pattern, value, expected] of cases) assert.equal(globMatch(pattern, value), expected, `globMatch(${pattern}, ${value})`);
});

test('globMatch reports malformed patterns as path.Match does', () => {
  for (const [pattern, value] of [
    ['[]a]', ']'],
    ['[-]', '-'],
    ['[x-]', 'x'],
    ['[-x]', 'x'],
    ['\\', 'a'],
    ['[a-b-c]', 'a'],
    ['[', 'a'],
    ['[^', 'a'],
    ['[^bc', 'a'],
    ['a[', 'a'],
    // The name fails to match first, but the rest of the pattern is still checked.
    ['a[', 'x'],
    ['a*b[', 'xyz'],
  ]) {
    assertInvalid(() => globMatch(pattern!, value!), 'syntax error in pattern');
  }
});
