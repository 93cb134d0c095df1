// The tests' own replayable randomness (test/helpers/seed.ts): a printed seed must replay.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromSeed, seededRandom } from '../helpers/seed';

describe('seeded test randomness', () => {
  it('STEVEDORE_TEST_SEED replays the same numbers, and different seeds differ', () => {
    const first = seededRandom('replay check', { STEVEDORE_TEST_SEED: '42' });
    const again = seededRandom('replay check', { STEVEDORE_TEST_SEED: '42' });
    const drawn = Array.from({ length: 20 }, () => first.below(1000));
    assert.equal(first.seed, 42);
    assert.deepEqual(Array.from({ length: 20 }, () => again.below(1000)), drawn);
    assert.notDeepEqual(Array.from({ length: 20 }, () => fromSeed(43).below(1000)), drawn);
    for (const n of drawn) assert.ok(Number.isInteger(n) && n >= 0 && n < 1000);
  });

  it('without a seed one is chosen and printed; a seed that is not a number is refused', () => {
    const random = seededRandom('fresh', {});
    assert.ok(Number.isInteger(random.seed) && random.seed >= 0 && random.seed < 2 ** 32);
    assert.throws(() => seededRandom('bad', { STEVEDORE_TEST_SEED: 'abc' }), /STEVEDORE_TEST_SEED must be a whole number/);
  });
});
