// The stall watchdog on a mocked clock: a body dripping a few bytes a second is a stall (an idle
// timeout never sees one), a slow but steady body is not, nothing fires before the body starts,
// and time the download waits on its reader (held) is not the server's.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { holdingWhileFull, STALL_MIN_BYTES, StallWatchdog } from '../../src/core/registry/stallWatchdog';
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

  it('held while the reader is behind: no stall however long, then a whole stall time afresh', () => {
    const watchdog = new StallWatchdog(1000);
    watchdog.start();
    mock.timers.tick(750);
    watchdog.hold();
    mock.timers.tick(60_000);
    assert.equal(watchdog.stalled, false, 'held');
    watchdog.release();
    mock.timers.tick(750);
    assert.equal(watchdog.stalled, false, 'the server gets a whole stall time after the release');
    mock.timers.tick(500);
    assert.equal(watchdog.stalled, true, 'a server that sends nothing once released is stalled');
  });

  it('holds while a socket receiver has asked the socket to wait, and lets go when it is writable again', () => {
    const watchdog = new StallWatchdog(1000);
    watchdog.start();
    let writable: (() => void) | undefined;
    const receiver = holdingWhileFull({ space: () => new Uint8Array(1), received: () => false, whenWritable: (resume) => (writable = resume) }, watchdog);
    let resumed = false;
    receiver.whenWritable(() => (resumed = true));
    mock.timers.tick(30_000);
    assert.equal(watchdog.stalled, false, 'held while the receiver is full');
    writable!();
    assert.equal(resumed, true);
    mock.timers.tick(1250);
    assert.equal(watchdog.stalled, true, 'counting again once the socket reads');
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
