import { seededRng } from '@shn/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HeadSampler } from './head-sampler.js';

/** An rng that replays `draws` and counts how many it gave. */
function scripted(draws: readonly number[]) {
  const rng = {
    drawn: 0,
    next: () => {
      if (rng.drawn >= draws.length) throw new Error('out of scripted draws');
      return draws[rng.drawn++] as number;
    },
    int: () => 0,
  };
  return rng;
}

describe('HeadSampler', () => {
  it('skips floor(log(1 - u) / log(1 - ratio)) events between picks, one draw per pick', () => {
    // ratio 0.01: a draw in [0.01, 0.0199) means a gap of 1, below 0.00995 a gap of 0, 0.025 a gap of 2.
    const rng = scripted([0.015, 0.005, 0.025, 0.5]);
    const s = new HeadSampler(0.01, rng);
    expect(rng.drawn).toBe(1);
    const picks = Array.from({ length: 6 }, () => s.take());
    expect(picks).toEqual([false, true, true, false, false, true]);
    expect(rng.drawn).toBe(4);
  });

  it('picks every event at 1 and none at 0, without drawing', () => {
    const one = scripted([]);
    const all = new HeadSampler(1, one);
    const none = new HeadSampler(0, one);
    for (let i = 0; i < 1000; i++) {
      expect(all.take()).toBe(true);
      expect(none.take()).toBe(false);
    }
    expect(one.drawn).toBe(0);
  });

  it('treats an rng outside [0, 1) as picking now, never as never', () => {
    for (const bad of [1, -0.5, Number.NaN]) {
      const s = new HeadSampler(0.5, scripted([bad, bad]));
      expect(s.take()).toBe(true);
    }
  });

  it('picks each event with probability ratio (binomial bounds over seeds and ratios)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), fc.double({ min: 0.002, max: 0.9, noNaN: true }), (seed, ratio) => {
        const n = 20_000;
        const s = new HeadSampler(ratio, seededRng(seed));
        let picked = 0;
        for (let i = 0; i < n; i++) if (s.take()) picked++;
        const sd = Math.sqrt(n * ratio * (1 - ratio));
        // 6 standard deviations (plus one event of slack for the tiniest ratios).
        expect(Math.abs(picked - n * ratio)).toBeLessThanOrEqual(6 * sd + 1);
      }),
      { numRuns: 60 },
    );
  });

  it('has geometric gaps: the mean gap is (1 - ratio) / ratio, and one pick does not predict the next', () => {
    const ratio = 0.05;
    const s = new HeadSampler(ratio, seededRng(42));
    const gaps: number[] = [];
    let run = 0;
    for (let i = 0; i < 400_000; i++) {
      if (s.take()) {
        gaps.push(run);
        run = 0;
      } else run++;
    }
    const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    expect(mean).toBeGreaterThan((1 - ratio) / ratio - 1);
    expect(mean).toBeLessThan((1 - ratio) / ratio + 1);
    // Memorylessness: P(gap = 0) is ratio, and so is P(gap = k | gap >= k) for small k.
    for (const k of [0, 5, 20]) {
      const atLeast = gaps.filter((g) => g >= k).length;
      const exactly = gaps.filter((g) => g === k).length;
      expect(Math.abs(exactly / atLeast - ratio)).toBeLessThan(0.012);
    }
  });

  it('refuses a ratio outside [0, 1] and an rng without next()', () => {
    for (const bad of [-0.1, 1.5, Number.NaN, '0.5']) {
      expect(() => new HeadSampler(bad as number, seededRng(1))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
    expect(() => new HeadSampler(0.5, {} as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
