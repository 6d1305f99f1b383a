import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Router, ShardLoad } from '@shn/core';
import { jumpHashRouter } from '@shn/core-mailbox';
import { codeOf } from '../virtual-clock.test-helper.js';
import { jumpHashBalancer } from './jump-hash.js';
import { maglevHash } from './maglev-hash.js';
import { rendezvousHash } from './rendezvous-hash.js';
import { ringHash } from './ring-hash.js';
import type { HashRingRouter } from './ring-hash.js';

/**
 * Properties of the four consistent-hash balancers when a shard is added (n -> n + 1), with the
 * bound each is held to:
 * - moved keys: every variant moves about 1/(n+1) of the keys. Jump, rendezvous and the ring move
 *   keys only to the new shard (their definition); Maglev may move a few between old shards (the
 *   paper's trade-off) and is held to 1.15 x the minimal disruption.
 * - load: jump and rendezvous are uniform hashing, held to the balls-into-bins bound
 *   mean + 5 sqrt(mean) (five binomial standard deviations); the ring's exact key-space shares are
 *   held to max/mean <= 1 + 3/sqrt(virtualNodes) (three standard deviations of an arc sum of v
 *   points), Maglev's to its table bound ceil(M/n)/(M/n).
 * Sampling noise on K keys is allowed at five standard deviations.
 */
const K = 20_000;
const hasShares = (r: Router): r is HashRingRouter => 'shares' in r;
const cands = (n: number): ShardLoad[] => Array.from({ length: n }, (_, shard) => ({ shard, load: 0 }));
const sigma = (p: number) => Math.sqrt((p * (1 - p)) / K);

function placements(router: Router, keys: readonly string[], n: number): Int32Array {
  const c = cands(n);
  return Int32Array.from(keys, (k) => router.pick(k, c));
}

const keySets = fc.tuple(fc.integer({ min: 1, max: 16 }), fc.string({ maxLength: 8 })).map(([n, prefix]) => ({
  n,
  keys: Array.from({ length: K }, (_, i) => `${prefix}kv/${i}`),
}));

describe.each([
  ['jump hash', () => jumpHashBalancer(), 1],
  ['rendezvous', () => rendezvousHash(), 1],
  ['ring (160 virtual nodes)', () => ringHash(), 1],
  ['maglev (M = 65537)', () => maglevHash(), 1.15],
] as const)('%s', (name, make, disruption) => {
  it('moves about 1/(n+1) of the keys when a shard is added, and only to it (Maglev: within its bound)', () => {
    fc.assert(
      fc.property(keySets, ({ n, keys }) => {
        const router = make();
        const before = placements(router, keys, n);
        const after = placements(router, keys, n + 1);
        let moved = 0;
        let movedBetweenOld = 0;
        for (let i = 0; i < K; i++) {
          if (before[i] === after[i]) continue;
          moved++;
          if (after[i] !== n) movedBetweenOld++;
        }
        const p = 1 / (n + 1);
        let expected = p;
        if (hasShares(router)) expected = (router.shares(cands(n + 1)).get(n) as number) * disruption;
        expect(moved / K).toBeLessThanOrEqual(expected + 5 * sigma(p));
        expect(moved / K).toBeGreaterThanOrEqual(p * (name.startsWith('ring') ? 1 - 3 / Math.sqrt(160) : 1) - 5 * sigma(p));
        if (!name.startsWith('maglev')) expect(movedBetweenOld).toBe(0);
        else expect(movedBetweenOld / K).toBeLessThanOrEqual(0.15 * p + 5 * sigma(p));
      }),
      { numRuns: 8 },
    );
  });

  it('keeps max/mean load within the published bound', () => {
    fc.assert(
      fc.property(keySets, ({ n, keys }) => {
        const router = make();
        const counts = new Array<number>(n).fill(0);
        for (const s of placements(router, keys, n)) counts[s] = (counts[s] as number) + 1;
        const mean = K / n;
        const max = Math.max(...counts);
        if (!hasShares(router)) {
          expect(max).toBeLessThanOrEqual(mean + 5 * Math.sqrt(mean));
          return;
        }
        const shares = [...router.shares(cands(n)).values()];
        expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
        const maxShare = Math.max(...shares);
        const bound = name.startsWith('ring') ? (1 + 3 / Math.sqrt(160)) / n : Math.ceil(65537 / n) / 65537;
        expect(maxShare).toBeLessThanOrEqual(bound + 1e-12);
        expect(max).toBeLessThanOrEqual(K * maxShare + 5 * Math.sqrt(K * maxShare));
      }),
      { numRuns: 8 },
    );
  });

  it('is a pure function of the key and the candidate set (same answer from a fresh instance, any order)', () => {
    const a = make();
    const b = make();
    const c = cands(7);
    const shuffled = [...c].reverse();
    for (let i = 0; i < 500; i++) {
      const key = `user/${i}`;
      expect(b.pick(key, c)).toBe(a.pick(key, c));
      if (!name.startsWith('jump')) expect(a.pick(key, shuffled)).toBe(a.pick(key, c));
    }
  });
});

describe('jumpHashBalancer', () => {
  it('places keys exactly like the runtime default router', () => {
    const ours = jumpHashBalancer();
    const runtime = jumpHashRouter();
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 64 }), (key, n) => {
        expect(ours.pick(key, cands(n))).toBe(runtime.pick(key, cands(n)));
      }),
    );
  });
});

describe('bad input', () => {
  it('rejects bad table sizes, virtual node counts and empty candidate lists with INVALID_ARGUMENT', () => {
    for (const tableSize of [100, 65536, 0, -7, 2 ** 25 + 1]) expect(codeOf(() => maglevHash({ tableSize }))).toBe('INVALID_ARGUMENT');
    for (const virtualNodes of [0, -1, 1.5, 5000]) expect(codeOf(() => ringHash({ virtualNodes }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => maglevHash({ tableSize: 101 }).pick('k', cands(2)))).toBe('INVALID_ARGUMENT');
    for (const r of [jumpHashBalancer(), rendezvousHash(), ringHash(), maglevHash()]) expect(codeOf(() => r.pick('k', []))).toBe('INVALID_ARGUMENT');
  });
});
