import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StevedoreError } from '../../src/core/errors';
import { parseFilterTime } from '../../src/core/format/filterTime';
import { parseGoDuration } from '../../src/core/format/goDuration';
import { pruneFilter } from '../../src/core/image/pruneFilter';

const NOW = new Date('2026-03-10T12:34:56.789Z');
/** Local layouts use the machine's current offset, as Go's FixedZone(reference.Zone()) does. */
const LOCAL_OFFSET_MS = -NOW.getTimezoneOffset() * 60_000;

function assertInvalid(value: string, message: string): void {
  assert.throws(
    () => parseFilterTime(value, NOW),
    (err: unknown) => err instanceof StevedoreError && err.code === 'INVALID_ARGUMENT' && err.message === message,
    value,
  );
}

test('Go durations parse as time.ParseDuration does', () => {
  assert.equal(parseGoDuration('1h'), 3600e9);
  assert.equal(parseGoDuration('90m'), 5400e9);
  assert.equal(parseGoDuration('1h30m'), 5400e9);
  assert.equal(parseGoDuration('1.5h'), 5400e9);
  assert.equal(parseGoDuration('.5s'), 0.5e9);
  assert.equal(parseGoDuration('-2h45m'), -9900e9);
  assert.equal(parseGoDuration('300ms'), 300e6);
  assert.equal(parseGoDuration('1µs'), 1e3);
  assert.equal(parseGoDuration('0'), 0);
  for (const bad of ['', '1', '1d', 'h', '.h', '1h30', '1 h', '3000000h']) assert.equal(parseGoDuration(bad), undefined, bad);
});

test('until= durations count back from now in whole seconds, as Docker does', () => {
  const nowSeconds = Math.floor(NOW.getTime() / 1000) * 1000;
  assert.equal(parseFilterTime('1h', NOW), nowSeconds - 3600_000);
  assert.equal(parseFilterTime('24h', NOW), nowSeconds - 86_400_000);
  assert.equal(parseFilterTime('90m', NOW), nowSeconds - 5400_000);
  assert.equal(parseFilterTime('1h30m', NOW), nowSeconds - 5400_000);
  assert.equal(parseFilterTime('1.5h', NOW), nowSeconds - 5400_000);
  assert.equal(parseFilterTime('-1h', NOW), nowSeconds + 3600_000);
});

test('RFC 3339 dates and times in every layout Docker tries', () => {
  assert.equal(parseFilterTime('2006-01-02T15:04:05Z', NOW), Date.UTC(2006, 0, 2, 15, 4, 5));
  assert.equal(parseFilterTime('2006-01-02T15:04:05+07:00', NOW), Date.UTC(2006, 0, 2, 8, 4, 5));
  assert.equal(parseFilterTime('2006-01-02T15:04:05.5-01:30', NOW), Date.UTC(2006, 0, 2, 16, 34, 5, 500));
  assert.equal(parseFilterTime('2006-01-02T15:04:05.123456789Z', NOW), Date.UTC(2006, 0, 2, 15, 4, 5) + 123.456789);
  assert.equal(parseFilterTime('2006-01-02T15Z', NOW), Date.UTC(2006, 0, 2, 15));
  assert.equal(parseFilterTime('2006-01-02T15:04Z', NOW), Date.UTC(2006, 0, 2, 15, 4));
  assert.equal(parseFilterTime('2006-01-02T15:04+02:00', NOW), Date.UTC(2006, 0, 2, 13, 4));
  assert.equal(parseFilterTime('2006-01-02Z', NOW), Date.UTC(2006, 0, 2));
  assert.equal(parseFilterTime('2006-01-02+01:00', NOW), Date.UTC(2006, 0, 1, 23));
  // Without a zone: the machine's offset.
  assert.equal(parseFilterTime('2006-01-02', NOW), Date.UTC(2006, 0, 2) - LOCAL_OFFSET_MS);
  assert.equal(parseFilterTime('2006-01-02T15', NOW), Date.UTC(2006, 0, 2, 15) - LOCAL_OFFSET_MS);
  assert.equal(parseFilterTime('2006-01-02T15:04', NOW), Date.UTC(2006, 0, 2, 15, 4) - LOCAL_OFFSET_MS);
  assert.equal(parseFilterTime('2006-01-02T15:04:05', NOW), Date.UTC(2006, 0, 2, 15, 4, 5) - LOCAL_OFFSET_MS);
  assert.equal(parseFilterTime('2006-01-02T15:04:05.25', NOW), Date.UTC(2006, 0, 2, 15, 4, 5, 250) - LOCAL_OFFSET_MS);
});

test('Unix timestamps, with fractional seconds', () => {
  assert.equal(parseFilterTime('1136214245', NOW), 1136214245_000);
  assert.equal(parseFilterTime('1136214245.5', NOW), 1136214245_500);
  assert.equal(parseFilterTime('1136214245.000000001', NOW), 1136214245_000 + 1e-6);
  assert.equal(parseFilterTime('0', NOW), 0);
});

test('anything else is an error with Docker\'s wording, never ignored', () => {
  assertInvalid('bogus', 'failed to parse value as time or duration: "bogus"');
  assertInvalid('', 'failed to parse value as time or duration: ""');
  assertInvalid('1d', 'failed to parse value as time or duration: "1d"');
  assertInvalid('12.', 'failed to parse value as time or duration: "12."');
  // Values with a "-" are dates, and Go's time.Parse says what is wrong with them.
  assertInvalid('2006-01-02T15:04:05.999999999Z07:00', 'parsing time "2006-01-02T15:04:05.999999999Z07:00": extra text: "07:00"');
  assertInvalid('2006-01-02Z07:00', 'parsing time "2006-01-02Z07:00": extra text: "07:00"');
  assertInvalid('2006-13-02', 'parsing time "2006-13-02": month out of range');
  assertInvalid('2006-02-30', 'parsing time "2006-02-30": day out of range');
  assertInvalid('2006-1-02', 'parsing time "2006-1-02" as "2006-01-02": cannot parse "1-02" as "01"');
  assertInvalid('yesterday-ish', 'parsing time "yesterday-ish" as "2006-01-02": cannot parse "yesterday-ish" as "2006"');
});

test('prune filters: until spares newer images, label/label! follow MatchKVList, bad values are errors', () => {
  const image = (created: string, labels?: Record<string, string>) => ({ summary: { created, labels } });
  const { all, keep } = pruneFilter(['until=1h'], true, NOW);
  assert.equal(all, true);
  assert.equal(keep(image('2026-03-10T12:00:00Z')), true, 'created 35 minutes ago: kept');
  assert.equal(keep(image('2026-03-10T11:00:00Z')), false, 'created 95 minutes ago: pruned');

  const labelled = pruneFilter(['label!=a', 'label!=b=2'], false, NOW);
  assert.equal(labelled.all, false);
  assert.equal(labelled.keep(image('2020-01-01T00:00:00Z', { a: '1' })), false, 'only every label! together spares an image');
  assert.equal(labelled.keep(image('2020-01-01T00:00:00Z', { a: '1', b: '2' })), true);
  assert.equal(pruneFilter(['label=a=1'], false, NOW).keep(image('2020-01-01T00:00:00Z', { a: '2' })), true);
  assert.equal(pruneFilter(['dangling=false'], false, NOW).all, true);

  const invalid = (values: string[], message: string) =>
    assert.throws(() => pruneFilter(values, true, NOW), (err: unknown) => err instanceof StevedoreError && err.message === message, values.join(' '));
  invalid(['until=bogus'], 'failed to parse value as time or duration: "bogus"');
  invalid(['until=1h', 'until=2h'], 'more than one until filter specified');
  invalid(['foo=bar'], "invalid filter 'foo'");
  invalid(['dangling=maybe'], "invalid filter 'dangling=[maybe]'");
});
