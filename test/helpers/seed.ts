// Random choices in tests (kill moments, fault positions) that can be replayed: the seed is
// printed, and STEVEDORE_TEST_SEED=<seed> makes the next run draw the same numbers.
//
//   const random = seededRandom('kill moments');   // prints "kill moments: seed 123 (…)"
//   random.below(400)                                // an integer in [0, 400)

import { randomInt } from 'node:crypto';

export interface SeededRandom {
  readonly seed: number;
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  below(n: number): number;
}

export function seededRandom(what: string, env: NodeJS.ProcessEnv = process.env): SeededRandom {
  const given = env.STEVEDORE_TEST_SEED;
  if (given !== undefined && !/^\d+$/.test(given)) throw new Error(`STEVEDORE_TEST_SEED must be a whole number, not ${JSON.stringify(given)}`);
  const seed = given !== undefined ? Number(given) % 2 ** 32 : randomInt(2 ** 32);
  console.log(`${what}: seed ${seed} (replay with STEVEDORE_TEST_SEED=${seed})`);
  return fromSeed(seed);
}

/** mulberry32: small, fast and good enough to spread test cases; the same seed, the same numbers. */
export function fromSeed(seed: number): SeededRandom {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  return { seed, next, below: (n) => Math.floor(next() * n) };
}
