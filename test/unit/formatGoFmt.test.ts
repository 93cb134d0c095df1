import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatGoValue, goQuote, goQuoteRune, goTimeString, goTypeName, sprint, sprintf, sprintln } from '../../src/core/format/goFmt';
import { goMarshalJSON, marshalGoJSON } from '../../src/cli/format/goJson';

test('goQuote is strconv.Quote', () => {
  assert.equal(goQuote('foo'), '"foo"');
  assert.equal(goQuote('a "b"\\'), '"a \\"b\\"\\\\"');
  assert.equal(goQuote('tab\there\nnl\x07\x7f\x01'), '"tab\\there\\nnl\\a\\x7f\\x01"');
  assert.equal(goQuote('héllo ☺'), '"héllo ☺"');
  assert.equal(goQuote('\u00a0\u2028'), '"\\u00a0\\u2028"');
  assert.equal(goQuoteRune(97), "'a'");
  assert.equal(goQuoteRune(39), "'\\''");
  assert.equal(goQuoteRune(10), "'\\n'");
});

test('formatGoValue prints values as fmt %v does', () => {
  assert.equal(formatGoValue('s'), 's');
  assert.equal(formatGoValue(42), '42');
  assert.equal(formatGoValue(1.5), '1.5');
  assert.equal(formatGoValue(1e21), '1e+21');
  assert.equal(formatGoValue(0.000001), '1e-06');
  assert.equal(formatGoValue(true), 'true');
  assert.equal(formatGoValue(null), '<nil>');
  assert.equal(formatGoValue(['a', 1, null, ['b']]), '[a 1 <nil> [b]]');
  assert.equal(formatGoValue(new Map<string, unknown>([['b', 1], ['a', [2]]])), 'map[a:[2] b:1]');
  assert.equal(formatGoValue({ z: 'x', a: 'y' }), 'map[a:y z:x]');
  assert.equal(formatGoValue(new Date('2024-01-02T03:04:05.120Z')), '2024-01-02 03:04:05.12 +0000 UTC');
  assert.equal(goTimeString(new Date('2024-01-02T03:04:05Z')), '2024-01-02 03:04:05 +0000 UTC');
});

test('goTypeName names the Go type a value stands for', () => {
  assert.equal(goTypeName('x'), 'string');
  assert.equal(goTypeName(1), 'int');
  assert.equal(goTypeName(1.5), 'float64');
  assert.equal(goTypeName(['a']), '[]string');
  assert.equal(goTypeName([1]), '[]interface {}');
  assert.equal(goTypeName({ a: 'b' }), 'map[string]string');
  assert.equal(goTypeName(null), '<nil>');
});

test('sprint, sprintln and sprintf', () => {
  assert.equal(sprint(['a', 'b', 1, 2, 'c']), 'ab1 2c');
  assert.equal(sprintln(['a', 1]), 'a 1\n');
  assert.equal(sprintf('%5.2f|%-6d|%+d|%x|%#o|%08.3f|%+.2e', [3.14159, 42, 5, 'hi', 8, -3.5, 12345.678]), ' 3.14|42    |+5|6869|010|-003.500|+1.23e+04');
  assert.equal(sprintf('%*d|%-*d|%.*f', [4, 7, 3, 1, 2, 1.005]), '   7|1  |1.00');
  assert.equal(sprintf('%t %v %s', [true, null, null]), 'true <nil> %!s(<nil>)');
  assert.equal(sprintf('%z', [1]), '%!z(int=1)');
  assert.equal(sprintf('100%', []), '100%!(NOVERB)');
  assert.equal(sprintf('%d %d', [1]), '1 %!d(MISSING)');
  assert.equal(sprintf('%d', [1, 'x', 2.5]), '1%!(EXTRA string=x, float64=2.5)');
  assert.equal(sprintf('%v|%+v|%g|%G', [Infinity, -Infinity, Number.NaN, 1e-10]), '+Inf|-Inf|NaN|1E-10');
  assert.equal(sprintf('%6.1f%%', [99.44]), '  99.4%');
  assert.equal(sprintf('%s', [['a', 'b']]), '[a b]');
  assert.equal(sprintf('%03s|%.0d|', ['a', 0]), '00a||');
});

test('marshalGoJSON follows encoding/json', () => {
  assert.equal(marshalGoJSON({ b: 1, a: '<&>' }), '{"b":1,"a":"\\u003c\\u0026\\u003e"}');
  assert.equal(marshalGoJSON({ a: '<&>' }, { escapeHTML: false }), '{"a":"<&>"}');
  assert.equal(marshalGoJSON(new Map([['z', 1], ['a', 2]])), '{"a":2,"z":1}');
  assert.equal(marshalGoJSON([1.5, 1e21, 1e-7, -0, 123456789]), '[1.5,1e+21,1e-7,0,123456789]');
  assert.equal(marshalGoJSON('\b\f\u0001\u2029'), '"\\b\\f\\u0001\\u2029"');
  assert.equal(marshalGoJSON({ skip: undefined, fn: () => 1, keep: null }), '{"keep":null}');
  assert.equal(marshalGoJSON(new Date('2024-01-02T03:04:05.500Z')), '"2024-01-02T03:04:05.5Z"');
  assert.equal(marshalGoJSON({ inner: { [goMarshalJSON]: () => '{"raw":true}' } }), '{"inner":{"raw":true}}');
  assert.throws(() => marshalGoJSON(Number.NaN), /unsupported value/);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.throws(() => marshalGoJSON(cyclic), /cycle/);
});
