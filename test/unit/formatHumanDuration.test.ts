import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createdSince, humanDuration } from '../../src/core/format/humanDuration';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const MONTH = 30 * DAY;
const YEAR = 365 * DAY;

// The cases of go-units' duration_test.go.
test('humanDuration matches units.HumanDuration', () => {
  const cases: Array<[number, string]> = [
    [450, 'Less than a second'],
    [1 * SECOND, '1 second'],
    [45 * SECOND, '45 seconds'],
    [46 * SECOND, '46 seconds'],
    [59 * SECOND, '59 seconds'],
    [60 * SECOND, 'About a minute'],
    [1 * MINUTE, 'About a minute'],
    [3 * MINUTE, '3 minutes'],
    [35 * MINUTE, '35 minutes'],
    [35 * MINUTE + 40 * SECOND, '35 minutes'],
    [45 * MINUTE, '45 minutes'],
    [45 * MINUTE + 40 * SECOND, '45 minutes'],
    [46 * MINUTE, '46 minutes'],
    [59 * MINUTE, '59 minutes'],
    [1 * HOUR, 'About an hour'],
    [1 * HOUR + 29 * MINUTE, 'About an hour'],
    [1 * HOUR + 31 * MINUTE, '2 hours'],
    [1 * HOUR + 59 * MINUTE, '2 hours'],
    [3 * HOUR, '3 hours'],
    [3 * HOUR + 29 * MINUTE, '3 hours'],
    [3 * HOUR + 31 * MINUTE, '4 hours'],
    [3 * HOUR + 59 * MINUTE, '4 hours'],
    [3 * HOUR + 60 * MINUTE, '4 hours'],
    [24 * HOUR, '24 hours'],
    [1 * DAY + 12 * HOUR, '36 hours'],
    [2 * DAY, '2 days'],
    [7 * DAY, '7 days'],
    [13 * DAY + 5 * HOUR, '13 days'],
    [2 * WEEK, '2 weeks'],
    [2 * WEEK + 4 * DAY, '2 weeks'],
    [3 * WEEK, '3 weeks'],
    [4 * WEEK, '4 weeks'],
    [4 * WEEK + 3 * DAY, '4 weeks'],
    [1 * MONTH, '4 weeks'],
    [1 * MONTH + 2 * WEEK, '6 weeks'],
    [2 * MONTH, '2 months'],
    [2 * MONTH + 2 * WEEK, '2 months'],
    [3 * MONTH, '3 months'],
    [3 * MONTH + 1 * WEEK, '3 months'],
    [5 * MONTH + 2 * WEEK, '5 months'],
    [13 * MONTH, '13 months'],
    [23 * MONTH, '23 months'],
    [24 * MONTH, '24 months'],
    [24 * MONTH + 2 * WEEK, '2 years'],
    [3 * YEAR + 2 * MONTH, '3 years'],
  ];
  for (const [ms, expected] of cases) assert.equal(humanDuration(ms), expected, `humanDuration(${ms})`);
});

test('humanDuration treats a future time as less than a second', () => {
  assert.equal(humanDuration(-5 * MINUTE), 'Less than a second');
});

test('createdSince is the CREATED column of docker images', () => {
  const now = new Date('2024-05-01T12:00:00Z');
  assert.equal(createdSince(new Date('2024-04-30T12:00:00Z'), now), '24 hours ago');
  assert.equal(createdSince(new Date('2024-04-10T12:00:00Z'), now), '3 weeks ago');
  assert.equal(createdSince(new Date('2024-05-01T11:59:30Z'), now), '30 seconds ago');
  assert.equal(createdSince(new Date('2021-01-01T00:00:00Z'), now), '3 years ago');
  assert.equal(createdSince(new Date('not a date'), now), '');
});
