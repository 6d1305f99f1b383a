import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isShnError } from '@shn/core';
import { quantile, summarize } from './stats.js';

const finite = fc.double({ min: -1e9, max: 1e9, noNaN: true, noDefaultInfinity: true });

describe('quantile', () => {
  it('returns one of the samples, monotone in q', () => {
    fc.assert(
      fc.property(fc.array(finite, { minLength: 1, maxLength: 200 }), fc.double({ min: 0, max: 1, noNaN: true }), fc.double({ min: 0, max: 1, noNaN: true }), (xs, a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const qlo = quantile(xs, lo);
        expect(xs).toContain(qlo);
        expect(qlo).toBeLessThanOrEqual(quantile(xs, hi));
      }),
    );
  });

  it('at least q of the samples are <= the q-quantile', () => {
    fc.assert(
      fc.property(fc.array(finite, { minLength: 1, maxLength: 200 }), fc.double({ min: 0, max: 1, noNaN: true }), (xs, q) => {
        const v = quantile(xs, q);
        expect(xs.filter((x) => x <= v).length).toBeGreaterThanOrEqual(Math.ceil(q * xs.length));
      }),
    );
  });

  it('p50 of 1..100 is 50 and p99 is 99', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(quantile(xs, 0.5)).toBe(50);
    expect(quantile(xs, 0.99)).toBe(99);
    expect(quantile(xs, 1)).toBe(100);
  });

  it('rejects bad input with INVALID_ARGUMENT', () => {
    for (const bad of [() => quantile([], 0.5), () => quantile([1], 1.5), () => quantile([Number.NaN], 0.5)]) {
      try {
        bad();
        expect.unreachable();
      } catch (e) {
        expect(isShnError(e) && e.code).toBe('INVALID_ARGUMENT');
      }
    }
  });
});

describe('summarize', () => {
  it('min <= median <= max and spread is non-negative; does not depend on order', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: 0, max: 1e9, noNaN: true }), { minLength: 1, maxLength: 50 }), (xs) => {
        const s = summarize(xs);
        expect(s.min).toBeLessThanOrEqual(s.median);
        expect(s.median).toBeLessThanOrEqual(s.max);
        expect(s.spreadPct).toBeGreaterThanOrEqual(0);
        expect(summarize([...xs].reverse())).toEqual(s);
      }),
    );
  });

  it('a single sample has zero spread', () => {
    expect(summarize([42])).toEqual({ median: 42, min: 42, max: 42, spreadPct: 0 });
  });
});
