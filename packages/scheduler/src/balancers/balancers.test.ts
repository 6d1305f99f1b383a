import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededRng } from '@shn/core';
import type { ShardLoad } from '@shn/core';
import { codeOf, virtualClock } from '../virtual-clock.test-helper.js';
import { healthAware } from './health-aware.js';
import { joinShortestQueue, leastLoaded, powerOfTwoChoices } from './load-aware.js';
import { rendezvousHash } from './rendezvous-hash.js';
import { ringHash } from './ring-hash.js';
import { roundRobin, weightedRoundRobin } from './round-robin.js';
import { stickySessions } from './sticky-sessions.js';

const cands = (loads: readonly number[]): ShardLoad[] => loads.map((load, shard) => ({ shard, load }));

describe('roundRobin and weightedRoundRobin', () => {
  it('round robin visits every candidate once per cycle', () => {
    const r = roundRobin();
    const c = cands([0, 0, 0, 0]);
    expect(Array.from({ length: 8 }, () => r.pick('k', c))).toEqual([0, 1, 2, 3, 0, 1, 2, 3]);
  });

  it('weighted round robin gives each shard exactly its integer weight per sum-of-weights picks, interleaved', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 6 }), (weights) => {
        const r = weightedRoundRobin(weights);
        const total = weights.reduce((a, b) => a + b, 0);
        const c = cands(weights.map(() => 0));
        for (let cycle = 0; cycle < 3; cycle++) {
          const counts = new Array<number>(weights.length).fill(0);
          for (let i = 0; i < total; i++) {
            const s = r.pick('k', c);
            counts[s] = (counts[s] as number) + 1;
          }
          expect(counts).toEqual(weights);
        }
      }),
    );
    const smooth = weightedRoundRobin([5, 1, 1]);
    expect(Array.from({ length: 7 }, () => smooth.pick('k', cands([0, 0, 0])))).toEqual([0, 0, 1, 0, 2, 0, 0]);
  });

  it('rejects weights that are not finite and > 0', () => {
    for (const w of [[0], [-1], [Infinity], [NaN], { 2: 'x' }]) expect(codeOf(() => weightedRoundRobin(w as never))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => roundRobin().pick('k', []))).toBe('INVALID_ARGUMENT');
  });
});

describe('load-aware balancers', () => {
  it('least loaded and JSQ pick a minimum-load candidate; P2C never picks the busier of its two samples', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(20), { minLength: 1, maxLength: 10 }), fc.integer(), (loads, seed) => {
        const c = cands(loads);
        const min = Math.min(...loads);
        expect(loads[leastLoaded().pick('k', c)]).toBe(min);
        expect(loads[joinShortestQueue({ rng: seededRng(seed) }).pick('k', c)]).toBe(min);
        // P2C: the pick is never the unique maximum (it beats at least one other sample) when n >= 2.
        const p2c = powerOfTwoChoices({ rng: seededRng(seed) });
        const max = Math.max(...loads);
        if (loads.length >= 2 && loads.filter((l) => l === max).length === 1 && max > min) {
          for (let i = 0; i < 20; i++) expect(loads[p2c.pick('k', c)]).toBeLessThan(max);
        }
      }),
    );
  });

  it('least loaded rotates among ties', () => {
    const r = leastLoaded();
    const c = cands([1, 0, 5, 0]);
    expect([r.pick('k', c), r.pick('k', c), r.pick('k', c)]).toEqual([1, 3, 1]);
  });
});

describe('stickySessions', () => {
  it('keeps a session on its first shard while it is a candidate, and re-picks when it is gone or idle', () => {
    const clock = virtualClock(0);
    const r = stickySessions(roundRobin(), { idleTtlMs: 100, clock, maxSessions: 2 });
    const c = cands([0, 0, 0]);
    const a = r.pick('alice', c);
    const b = r.pick('bob', c);
    expect(a).not.toBe(b);
    for (let i = 0; i < 5; i++) expect(r.pick('alice', c)).toBe(a);
    const without = c.filter((x) => x.shard !== a);
    expect(r.pick('alice', without)).not.toBe(a);
    clock.advance(101);
    const again = r.pick('bob', c);
    expect(r.pick('bob', c)).toBe(again);
    r.pick('carol', c);
    r.pick('dave', c);
    expect(r.sessions).toBe(2);
  });
});

describe('stickySessions (property)', () => {
  it('returns the same shard for a session as long as that shard stays a candidate and the session is remembered', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(9), fc.array(fc.nat(5), { maxLength: 3 })), { minLength: 1, maxLength: 200 }), fc.integer(), (picks, seed) => {
        const r = stickySessions(powerOfTwoChoices({ rng: seededRng(seed) }), { maxSessions: 1000 });
        const home = new Map<number, number>();
        for (const [session, removed] of picks) {
          const c = cands([0, 1, 2, 3, 4, 5]).filter((x) => !removed.includes(x.shard));
          if (c.length === 0) continue;
          const shard = r.pick(`s${session}`, c);
          expect(c.map((x) => x.shard)).toContain(shard);
          const before = home.get(session);
          if (before !== undefined && c.some((x) => x.shard === before)) expect(shard).toBe(before);
          home.set(session, shard);
        }
      }),
    );
  });
});

describe('healthAware', () => {
  it('skips a shard marked down, ramps it back in linearly, and fails open (counted) when all are down', () => {
    const clock = virtualClock(0);
    const r = healthAware(rendezvousHash(), { rampMs: 1000, minRampWeight: 0.1, clock, rng: seededRng(7) });
    const c = cands([0, 0, 0, 0]);
    const keys = Array.from({ length: 4000 }, (_, i) => `k${i}`);
    const share = () => keys.filter((k) => r.pick(k, c) === 2).length / keys.length;
    const full = share();
    r.markDown(2);
    expect(share()).toBe(0);
    expect(r.health(2)).toEqual({ state: 'down', weight: 0 });
    r.markUp(2);
    const early = share();
    clock.advance(500);
    const mid = share();
    clock.advance(600);
    const late = share();
    expect(early).toBeGreaterThan(0);
    expect(early).toBeLessThan(full * 0.25);
    expect(mid).toBeGreaterThan(early);
    expect(mid).toBeLessThan(full * 0.75);
    expect(late).toBe(full);
    expect(r.health(2).state).toBe('up');
    for (const s of [0, 1, 2, 3]) r.markDown(s);
    expect(c.map((x) => x.shard)).toContain(r.pick('k', c));
    expect(r.panics).toBe(1);
  });

  it('never picks a shard marked down while another candidate is up, whatever the inner balancer', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 12 }), fc.array(fc.nat(11), { maxLength: 11 }), fc.integer(), fc.constantFrom('rr', 'rendezvous', 'ring', 'p2c', 'jsq'), (n, downs, seed, which) => {
        const inner = { rr: roundRobin(), rendezvous: rendezvousHash(), ring: ringHash(), p2c: powerOfTwoChoices({ rng: seededRng(seed) }), jsq: joinShortestQueue({ rng: seededRng(seed) }) }[which];
        const r = healthAware(inner, { clock: virtualClock(0), rng: seededRng(seed) });
        const down = new Set(downs.map((d) => d % n));
        if (down.size === n) down.delete(0);
        for (const d of down) r.markDown(d);
        const c = cands(Array.from({ length: n }, (_, i) => (i * 7) % 5));
        for (let i = 0; i < 50; i++) expect(down.has(r.pick(`k${i}`, c))).toBe(false);
        expect(r.panics).toBe(0);
      }),
    );
  });

  it('rejects bad options with INVALID_ARGUMENT', () => {
    expect(codeOf(() => healthAware(roundRobin(), { rampMs: 0 }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => healthAware(roundRobin(), { minRampWeight: 0 }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => healthAware({} as never))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => stickySessions(roundRobin(), { maxSessions: 0 }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => stickySessions(roundRobin(), { idleTtlMs: -5 }))).toBe('INVALID_ARGUMENT');
  });
});
