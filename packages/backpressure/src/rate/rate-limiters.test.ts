import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { codeOf, virtualClock } from '../virtual-clock.test-helper.js';
import { LeakyBucket } from './leaky-bucket.js';
import { SlidingWindowLimiter } from './sliding-window.js';
import { TokenBucket } from './token-bucket.js';

/** Steps of virtual time (ms, some negative: the clock may go backwards) each followed by attempts. */
const script = fc.array(fc.tuple(fc.integer({ min: -50, max: 200 }).map((x) => x / 4), fc.nat(6)), { minLength: 1, maxLength: 300 });

/** Runs `tryOnce` on a clock driven by `steps`; returns the forward (running max) time of every admission. */
function drive(steps: readonly [number, number][], make: (clock: ReturnType<typeof virtualClock>) => () => boolean): number[] {
  const clock = virtualClock(1000);
  const tryOnce = make(clock);
  let forward = 1000;
  const admitted: number[] = [];
  for (const [dt, attempts] of steps) {
    clock.set(Math.max(0, clock.now() + dt));
    // Time as the limiter sees it: the running maximum of the readings it took.
    if (attempts > 0) forward = Math.max(forward, clock.now());
    for (let i = 0; i < attempts; i++) if (tryOnce()) admitted.push(forward);
  }
  return admitted;
}

/** Largest count of times within any closed window [a, a + w]. */
function maxInClosedWindow(times: readonly number[], w: number): { count: number; span: number }[] {
  const out: { count: number; span: number }[] = [];
  for (let i = 0; i < times.length; i++) {
    for (let j = i; j < times.length && (times[j] as number) - (times[i] as number) <= w; j++) {
      out.push({ count: j - i + 1, span: (times[j] as number) - (times[i] as number) });
    }
  }
  return out;
}

describe('TokenBucket', () => {
  it('never admits more than burst + rate * w over any window of w ms (clock may go backwards)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 1, max: 20 }), script, (rate, burst, steps) => {
        const admitted = drive(steps, (clock) => {
          const b = new TokenBucket({ ratePerSec: rate, burst, clock });
          return () => b.tryAcquire();
        });
        for (let i = 0; i < admitted.length; i++) {
          for (let j = i; j < admitted.length; j++) {
            expect(j - i + 1).toBeLessThanOrEqual(burst + (rate * ((admitted[j] as number) - (admitted[i] as number))) / 1000 + 1e-9);
          }
        }
      }),
    );
  });

  it('a clock that goes backwards grants no extra permits (same decisions as on the clamped clock)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 1, max: 20 }), script, (rate, burst, steps) => {
        const raw = drive(steps, (clock) => {
          const b = new TokenBucket({ ratePerSec: rate, burst, clock });
          return () => b.tryAcquire();
        });
        // The same steps on a clock that stands still instead of going back (the running maximum).
        let maxSeen = 1000;
        let t = 1000;
        const clampedSteps = steps.map(([dt, n]) => {
          t = Math.max(0, t + dt);
          if (n === 0) return [0, 0] as [number, number];
          // Readings are taken only when there are attempts; move to their running maximum.
          const step = Math.max(0, t - maxSeen);
          maxSeen = Math.max(maxSeen, t);
          return [step, n] as [number, number];
        });
        const reference = drive(clampedSteps, (clock) => {
          const b = new TokenBucket({ ratePerSec: rate, burst, clock });
          return () => b.tryAcquire();
        });
        expect(raw).toEqual(reference);
      }),
    );
  });

  it('reports msUntil and rejects bad options with INVALID_ARGUMENT', () => {
    const clock = virtualClock(0);
    const b = new TokenBucket({ ratePerSec: 10, burst: 2, clock });
    expect(b.tryAcquire(2)).toBe(true);
    expect(b.tryAcquire()).toBe(false);
    expect(b.msUntil()).toBeCloseTo(100, 9);
    expect(b.msUntil(3)).toBe(Infinity);
    clock.advance(100);
    expect(b.tryAcquire()).toBe(true);
    for (const o of [{ ratePerSec: -1, burst: 1 }, { ratePerSec: 0, burst: 1 }, { ratePerSec: Infinity, burst: 1 }, { ratePerSec: 1, burst: 0 }, { ratePerSec: 1, burst: 0.5 }, { ratePerSec: 1, burst: NaN }, { ratePerSec: 1, burst: 2, initial: 3 }]) {
      expect(codeOf(() => new TokenBucket(o))).toBe('INVALID_ARGUMENT');
    }
    expect(codeOf(() => b.tryAcquire(0))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => b.tryAcquire(-1))).toBe('INVALID_ARGUMENT');
  });
});

describe('LeakyBucket', () => {
  it('starts at most 1 + rate * w requests over any window of w ms, and never holds more than capacity waiting', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 1, max: 20 }), script, (rate, capacity, steps) => {
        const starts: number[] = [];
        let forward = 1000;
        const clock = virtualClock(1000);
        const b = new LeakyBucket({ ratePerSec: rate, capacity, clock });
        for (const [dt, attempts] of steps) {
          clock.set(Math.max(0, clock.now() + dt));
          if (attempts > 0) forward = Math.max(forward, clock.now());
          for (let i = 0; i < attempts; i++) {
            const delay = b.tryReserve();
            if (delay === undefined) continue;
            expect(delay).toBeGreaterThanOrEqual(0);
            expect(delay).toBeLessThan((capacity * 1000) / rate + 1e-9);
            starts.push(forward + delay);
          }
        }
        for (const { count, span } of maxInClosedWindow(starts, 50)) expect(count).toBeLessThanOrEqual(1 + (rate * span) / 1000 + 1e-6);
      }),
    );
  });

  it('rejects bad options with INVALID_ARGUMENT', () => {
    for (const o of [{ ratePerSec: -5, capacity: 1 }, { ratePerSec: 1, capacity: 0 }, { ratePerSec: 1, capacity: 1.5 }, { ratePerSec: NaN, capacity: 1 }]) {
      expect(codeOf(() => new LeakyBucket(o))).toBe('INVALID_ARGUMENT');
    }
  });
});

describe('SlidingWindowLimiter', () => {
  it('never admits more than limit in any window of windowMs, wherever it starts (clock may go backwards)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10 }), fc.integer({ min: 1, max: 100 }), script, (limit, windowMs, steps) => {
        const admitted = drive(steps, (clock) => {
          const l = new SlidingWindowLimiter({ limit, windowMs, clock });
          return () => l.tryAcquire();
        });
        for (let i = 0; i < admitted.length; i++) {
          let inWindow = 0;
          for (let j = i; j < admitted.length && (admitted[j] as number) < (admitted[i] as number) + windowMs; j++) inWindow++;
          expect(inWindow).toBeLessThanOrEqual(limit);
        }
      }),
    );
  });

  it('admits again exactly when the oldest admission leaves the window', () => {
    const clock = virtualClock(0);
    const l = new SlidingWindowLimiter({ limit: 2, windowMs: 100, clock });
    expect([l.tryAcquire(), l.tryAcquire(), l.tryAcquire()]).toEqual([true, true, false]);
    clock.advance(99);
    expect(l.msUntil()).toBe(1);
    expect(l.tryAcquire()).toBe(false);
    clock.advance(1);
    expect(l.tryAcquire()).toBe(true);
    expect(l.used).toBe(1);
  });

  it('rejects bad options with INVALID_ARGUMENT', () => {
    for (const o of [{ limit: 0, windowMs: 1 }, { limit: -1, windowMs: 1 }, { limit: 2e6, windowMs: 1 }, { limit: 1, windowMs: 0 }, { limit: 1, windowMs: Infinity }]) {
      expect(codeOf(() => new SlidingWindowLimiter(o))).toBe('INVALID_ARGUMENT');
    }
  });
});
