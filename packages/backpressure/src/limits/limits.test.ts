import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeOf, virtualClock } from '../virtual-clock.test-helper.js';
import { AimdLimit } from './aimd-limit.js';
import { ConcurrencyLimiter } from './concurrency-limiter.js';
import type { LimiterTicket } from './concurrency-limiter.js';
import { FixedLimit } from './fixed-limit.js';
import { Gradient2Limit } from './gradient2-limit.js';
import { WindowedLimit } from './windowed-limit.js';

/** Netflix AIMDLimit._update, transcribed. */
function netflixAimd(limit: number, rtt: number, inflight: number, didDrop: boolean, o = { min: 20, max: 200, ratio: 0.9, timeout: 5000 }): number {
  let current = limit;
  if (didDrop || rtt > o.timeout) current = Math.trunc(current * o.ratio);
  else if (inflight * 2 >= current) current = current + 1;
  return Math.min(o.max, Math.max(o.min, current));
}

describe('AimdLimit', () => {
  it('follows Netflix AIMDLimit step for step', () => {
    const sample = fc.tuple(fc.integer({ min: 0, max: 8000 }), fc.integer({ min: 0, max: 300 }), fc.boolean());
    fc.assert(
      fc.property(fc.array(sample, { maxLength: 400 }), (samples) => {
        const a = new AimdLimit();
        let ref = 20;
        for (const [rtt, inflight, drop] of samples) {
          a.onSample(rtt, inflight, drop);
          ref = netflixAimd(ref, rtt, inflight, drop);
          expect(a.limit).toBe(ref);
        }
      }),
    );
  });

  it('rejects bad options with INVALID_ARGUMENT', () => {
    for (const o of [{ minLimit: 0 }, { minLimit: 30 }, { maxLimit: 10 }, { initialLimit: 1.5 }, { backoffRatio: 1 }, { backoffRatio: 0.2 }, { timeoutMs: -1 }]) {
      expect(codeOf(() => new AimdLimit(o))).toBe('INVALID_ARGUMENT');
    }
  });
});

/** Netflix Gradient2Limit._update with its ExpAvgMeasurement(600, 10), transcribed (defaults: initial 20, min 20, max 200, smoothing 0.2, queueSize 4, tolerance 1.5). */
function netflixGradient2() {
  let estimated = 20;
  let count = 0;
  let sum = 0;
  let longValue = 0;
  const factor = 2 / (600 + 1);
  const addLong = (x: number) => {
    if (count < 10) {
      count++;
      sum += x;
      longValue = sum / count;
    } else longValue = longValue * (1 - factor) + x * factor;
    return longValue;
  };
  return {
    update(rtt: number, inflight: number): number {
      const queueSize = 4;
      const shortRtt = rtt;
      const longRtt = addLong(rtt);
      if (longRtt / shortRtt > 2) longValue = longValue * 0.95;
      if (inflight < estimated / 2) return Math.trunc(estimated);
      const gradient = Math.max(0.5, Math.min(1.0, (1.5 * longRtt) / shortRtt));
      let newLimit = estimated * gradient + queueSize;
      newLimit = estimated * (1 - 0.2) + newLimit * 0.2;
      newLimit = Math.max(20, Math.min(200, newLimit));
      estimated = newLimit;
      return Math.trunc(estimated);
    },
  };
}

describe('Gradient2Limit', () => {
  it('follows Netflix Gradient2Limit step for step (positive RTTs)', () => {
    const sample = fc.tuple(fc.double({ min: 0.01, max: 500, noNaN: true }), fc.integer({ min: 0, max: 300 }));
    fc.assert(
      fc.property(fc.array(sample, { maxLength: 400 }), (samples) => {
        const g = new Gradient2Limit();
        const ref = netflixGradient2();
        for (const [rtt, inflight] of samples) {
          g.onSample(rtt, inflight);
          expect(g.limit).toBe(ref.update(rtt, inflight));
        }
      }),
    );
  });

  it('grows while latency is flat, shrinks when latency climbs, recovers when it falls back, and stays in [min, max]', () => {
    const g = new Gradient2Limit({ minLimit: 5, initialLimit: 20, maxLimit: 200 });
    for (let i = 0; i < 200; i++) g.onSample(10, g.limit);
    const grown = g.limit;
    expect(grown).toBeGreaterThan(20);
    for (let i = 0; i < 100; i++) g.onSample(60, g.limit);
    const shrunk = g.limit;
    expect(shrunk).toBeLessThan(grown / 2);
    expect(shrunk).toBeGreaterThanOrEqual(5);
    for (let i = 0; i < 300; i++) g.onSample(10, g.limit);
    expect(g.limit).toBeGreaterThan(shrunk);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.double({ min: 0, max: 1000, noNaN: true }), fc.nat(400)), { maxLength: 300 }), (samples) => {
        const h = new Gradient2Limit({ minLimit: 3, initialLimit: 10, maxLimit: 50 });
        for (const [rtt, inflight] of samples) {
          h.onSample(rtt, inflight);
          expect(h.limit).toBeGreaterThanOrEqual(3);
          expect(h.limit).toBeLessThanOrEqual(50);
        }
      }),
    );
  });

  it('does not grow while app-limited (fewer than half the limit in flight)', () => {
    const g = new Gradient2Limit({ initialLimit: 40, minLimit: 20 });
    for (let i = 0; i < 100; i++) g.onSample(10, 5);
    expect(g.limit).toBe(40);
  });

  it('with appLimitedHeadroom, decays while app-limited toward headroom x in flight, never below minLimit, never upward', () => {
    const g = new Gradient2Limit({ initialLimit: 1000, minLimit: 8, maxLimit: 2000, appLimitedHeadroom: 2 });
    for (let i = 0; i < 100; i++) g.onSample(10, 30);
    expect(g.limit).toBe(60);
    const low = new Gradient2Limit({ initialLimit: 1000, minLimit: 8, maxLimit: 2000, appLimitedHeadroom: 2 });
    for (let i = 0; i < 100; i++) low.onSample(10, 1);
    expect(low.limit).toBe(8);
    fc.assert(
      fc.property(fc.integer({ min: 8, max: 2000 }), fc.array(fc.tuple(fc.double({ min: 0.01, max: 100, noNaN: true }), fc.nat(3000)), { maxLength: 200 }), (initial, samples) => {
        const h = new Gradient2Limit({ initialLimit: initial, minLimit: 8, maxLimit: 2000, appLimitedHeadroom: 2 });
        for (const [rtt, inflight] of samples) {
          const before = h.limit;
          h.onSample(rtt, inflight);
          expect(h.limit).toBeGreaterThanOrEqual(8);
          expect(h.limit).toBeLessThanOrEqual(2000);
          // App-limited: it may shrink toward 2 x in flight, never grow.
          if (inflight < before / 2) expect(h.limit).toBeLessThanOrEqual(before);
        }
      }),
    );
  });

  it('rejects bad options with INVALID_ARGUMENT', () => {
    for (const o of [{ smoothing: 0 }, { smoothing: 2 }, { rttTolerance: 0.5 }, { queueSize: -1 }, { longWindow: 0 }, { minLimit: 50 }, { appLimitedHeadroom: 0.5 }, { appLimitedHeadroom: Infinity }, { appLimitedHeadroom: -1 }]) {
      expect(codeOf(() => new Gradient2Limit(o))).toBe('INVALID_ARGUMENT');
    }
  });
});

describe('ConcurrencyLimiter', () => {
  it('never has more in flight than the limit (or a priority its share), and feeds RTTs to the algorithm', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.1, max: 1, noNaN: true }), fc.array(fc.oneof(fc.record({ acquire: fc.nat(255) }), fc.record({ release: fc.nat(), how: fc.constantFrom('success', 'ignore', 'dropped') as fc.Arbitrary<'success' | 'ignore' | 'dropped'> })), { maxLength: 300 }), (share, ops) => {
        const clock = virtualClock(0);
        const samples: number[] = [];
        const l = new ConcurrencyLimiter({ limit: { limit: 8, onSample: (rtt) => void samples.push(rtt) }, lowestPriorityShare: share, clock });
        const open: LimiterTicket[] = [];
        let sampled = 0;
        for (const op of ops) {
          clock.advance(1);
          if ('acquire' in op) {
            const before = l.inflight;
            const t = l.tryAcquire(op.acquire);
            const cap = Math.max(1, Math.floor(8 * (share + ((1 - share) * op.acquire) / 255)));
            expect(t !== undefined).toBe(before < cap);
            if (t !== undefined) open.push(t);
            expect(l.inflight).toBeLessThanOrEqual(8);
          } else if (open.length > 0) {
            const t = open.splice(op.release % open.length, 1)[0] as LimiterTicket;
            t[op.how]();
            t.success(); // a second call is ignored
            if (op.how !== 'ignore') sampled++;
          }
          expect(l.inflight).toBe(open.length);
        }
        expect(samples.length).toBe(sampled);
        expect(samples.every((s) => s >= 1)).toBe(true);
      }),
    );
  });

  it('sheds the lowest priority first under load', () => {
    const l = new ConcurrencyLimiter({ limit: new FixedLimit(10), lowestPriorityShare: 0.5 });
    for (let i = 0; i < 5; i++) expect(l.tryAcquire(0)).toBeDefined();
    expect(l.tryAcquire(0)).toBeUndefined();
    for (let i = 0; i < 5; i++) expect(l.tryAcquire(255)).toBeDefined();
    expect(l.tryAcquire(255)).toBeUndefined();
    expect(l.counters).toEqual({ admitted: 10, rejected: 2 });
  });

  it('rejects bad options with INVALID_ARGUMENT', () => {
    expect(codeOf(() => new ConcurrencyLimiter({ limit: {} as never }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => new ConcurrencyLimiter({ limit: new FixedLimit(1), lowestPriorityShare: 0 }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => new FixedLimit(0))).toBe('INVALID_ARGUMENT');
  });
});

describe('WindowedLimit', () => {
  it('feeds the delegate one sample per window: average RTT, max in flight, any drop', () => {
    const clock = virtualClock(0);
    const seen: [number, number, boolean][] = [];
    const w = new WindowedLimit({ limit: 7, onSample: (r, i, d) => void seen.push([r, i, d]) }, { minWindowMs: 100, maxWindowMs: 100, windowSize: 3, minRttMs: 1, clock });
    w.onSample(0.5, 99, true); // below minRttMs: ignored
    w.onSample(10, 1, false);
    w.onSample(20, 5, false);
    clock.advance(100);
    w.onSample(30, 2, true); // window time is up and 3 samples: one aggregate
    w.onSample(40, 9, false); // a new window
    expect(seen).toEqual([[20, 5, true]]);
    expect(w.limit).toBe(7);
    clock.advance(99);
    w.onSample(40, 1, false);
    w.onSample(40, 1, false);
    expect(seen.length).toBe(1); // window not over yet
    clock.advance(1);
    w.onSample(40, 1, false);
    expect(seen[1]).toEqual([40, 9, false]);
  });

  it('rejects bad options with INVALID_ARGUMENT', () => {
    const d = new FixedLimit(1);
    for (const o of [{ minWindowMs: 0 }, { minWindowMs: 10, maxWindowMs: 5 }, { windowSize: 0 }, { minRttMs: -1 }]) {
      expect(codeOf(() => new WindowedLimit(d, o))).toBe('INVALID_ARGUMENT');
    }
    expect(codeOf(() => new WindowedLimit({} as never))).toBe('INVALID_ARGUMENT');
  });
});
