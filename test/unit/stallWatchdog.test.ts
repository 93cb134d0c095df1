// The stall watchdog on a mocked clock: a body dripping a few bytes a second is a stall (an idle
// timeout never sees one), a slow but steady body is not, and nothing fires before the body starts.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { STALL_MIN_BYTES, StallWatchdog } from '../../src/core/registry/stallWatchdog';
import { durationText, RetryClock } from '../../src/core/registry/retryPolicy';

describe('StallWatchdog', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setInterval'] }));
  afterEach(() => mock.timers.reset());

  it('a body dripping 5 bytes a second is stalled after the stall time', () => {
    const watchdog = new StallWatchdog(30_000);
    watchdog.start();
    for (let second = 0; second < 29; second++) {
      watchdog.received(5);
      mock.timers.tick(1000);
    }
    assert.equal(watchdog.stalled, false, 'not before the stall time');
    for (let second = 0; second < 9; second++) {
      watchdog.received(5);
      mock.timers.tick(1000);
    }
    assert.equal(watchdog.stalled, true);
    assert.equal(watchdog.signal.aborted, true);
  });

  it('a slow but steady body (STALL_MIN_BYTES per stall time) is not stalled', () => {
    const watchdog = new StallWatchdog(30_000);
    watchdog.start();
    for (let second = 0; second < 300; second++) {
      watchdog.received(Math.ceil(STALL_MIN_BYTES / 30));
      mock.timers.tick(1000);
    }
    assert.equal(watchdog.stalled, false);
    watchdog.stop();
  });

  it('waits for start(): the time before the body is not counted', () => {
    const watchdog = new StallWatchdog(1000);
    mock.timers.tick(10_000);
    assert.equal(watchdog.stalled, false);
    watchdog.start();
    mock.timers.tick(1000);
    assert.equal(watchdog.stalled, true);
  });

  it("follows the caller's signal", () => {
    const outer = new AbortController();
    const watchdog = new StallWatchdog(1000, outer.signal);
    outer.abort();
    assert.equal(watchdog.signal.aborted, true);
    assert.equal(watchdog.stalled, false);
  });
});

describe('RetryClock', () => {
  it('allows a wait only while it ends inside the budget', () => {
    let now = 1000;
    const clock = new RetryClock({ maxElapsedMs: 5000 }, () => now);
    assert.equal(clock.allows(5000), true);
    now = 4000;
    assert.equal(clock.allows(2001), false);
    assert.equal(clock.allows(2000), true);
    assert.equal(new RetryClock({ maxElapsedMs: 0 }, () => now).allows(1), false);
  });

  it('names budgets as messages do', () => {
    assert.equal(durationText(600_000), '10 min');
    assert.equal(durationText(30_000), '30 s');
    assert.equal(durationText(400), '400 ms');
  });
});
