import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Clock } from '@shn/core';
import { isShnError } from '@shn/core';
import { measureLatencies, measureRate, repeatAlternating, repeatMeasurement } from './measure.js';

/** A fake clock that advances only when told: makes rates and latencies exact. */
function manualClock(): Clock & { advance(ms: number): void } {
  let t = 0;
  return { now: () => t, monotonic: () => t, advance: (ms) => (t += ms) };
}

describe('repeatMeasurement', () => {
  it('runs warmups + repeats times and keeps only the last `repeats` results', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(5), fc.integer({ min: 1, max: 5 }), async (warmups, repeats) => {
        let calls = 0;
        const out = await repeatMeasurement({ warmups, repeats }, async () => ++calls);
        expect(calls).toBe(warmups + repeats);
        expect(out).toEqual(Array.from({ length: repeats }, (_, i) => warmups + i + 1));
      }),
    );
  });

  it('rejects a bad plan with INVALID_ARGUMENT', async () => {
    await expect(repeatMeasurement({ warmups: 0, repeats: 0 }, async () => 1)).rejects.toSatisfy((e) => isShnError(e) && e.code === 'INVALID_ARGUMENT');
    await expect(repeatMeasurement({ warmups: -1, repeats: 1 }, async () => 1)).rejects.toSatisfy((e) => isShnError(e) && e.code === 'INVALID_ARGUMENT');
  });
});

describe('repeatAlternating', () => {
  it('runs every measure once per round in rotating order and keeps the last `repeats` rounds', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(4), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 4 }), async (warmups, repeats, subjects) => {
        const calls: number[] = [];
        const measures = Array.from({ length: subjects }, (_, i) => async () => {
          calls.push(i);
          return calls.length;
        });
        const out = await repeatAlternating({ warmups, repeats }, measures);
        const rounds = warmups + repeats;
        expect(calls).toHaveLength(rounds * subjects);
        for (let r = 0; r < rounds; r++) {
          // Round r starts with subject r mod n and visits each subject once.
          const round = calls.slice(r * subjects, (r + 1) * subjects);
          expect(round[0]).toBe(r % subjects);
          expect([...round].sort()).toEqual(Array.from({ length: subjects }, (_, i) => i));
        }
        expect(out).toHaveLength(subjects);
        for (let i = 0; i < subjects; i++) {
          // Each kept value is the call number of subject i's call in a kept round.
          const expected: number[] = [];
          calls.forEach((s, at) => {
            if (s === i && at >= warmups * subjects) expected.push(at + 1);
          });
          expect(out[i]).toEqual(expected);
        }
      }),
    );
  });

  it('rejects a bad plan or no measures with INVALID_ARGUMENT, and passes a measure failure on', async () => {
    await expect(repeatAlternating({ warmups: 0, repeats: 0 }, [async () => 1])).rejects.toSatisfy((e) => isShnError(e) && e.code === 'INVALID_ARGUMENT');
    await expect(repeatAlternating({ warmups: 0, repeats: 1 }, [])).rejects.toSatisfy((e) => isShnError(e) && e.code === 'INVALID_ARGUMENT');
    await expect(repeatAlternating({ warmups: 0, repeats: 2 }, [async () => 1, async () => Promise.reject(new Error('boom'))])).rejects.toThrow('boom');
  });
});

describe('measureRate', () => {
  it('count mode: ops / elapsed seconds', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1e6 }), fc.integer({ min: 1, max: 10_000 }), async (count, ms) => {
        const clock = manualClock();
        const rate = await measureRate({ count }, async (n) => { expect(n).toBe(count); clock.advance(ms); }, clock);
        expect(rate).toBeCloseTo(count / (ms / 1000), 6);
      }),
    );
  });

  it('duration mode: runs whole batches until the duration passed', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 1, max: 50 }), fc.integer({ min: 1, max: 500 }), async (batch, perBatchMs, durationMs) => {
        const clock = manualClock();
        let batches = 0;
        const rate = await measureRate({ durationMs, batch }, async (n) => { expect(n).toBe(batch); batches++; clock.advance(perBatchMs); }, clock);
        expect(batches).toBe(Math.max(1, Math.ceil(durationMs / perBatchMs)));
        expect(rate).toBeCloseTo((batches * batch) / ((batches * perBatchMs) / 1000), 6);
      }),
    );
  });

  it('rejects bad spans with INVALID_ARGUMENT', async () => {
    for (const span of [{ count: 0 }, { count: 1.5 }, { durationMs: 0, batch: 1 }, { durationMs: 10, batch: 0 }]) {
      await expect(measureRate(span, async () => {})).rejects.toSatisfy((e) => isShnError(e) && e.code === 'INVALID_ARGUMENT');
    }
  });
});

describe('measureLatencies', () => {
  it('reports p50/p99 of the round trips in microseconds', async () => {
    const clock = manualClock();
    let i = 0;
    // Round trip i takes (i + 1) µs: 1..100 µs.
    const r = await measureLatencies(100, async () => { clock.advance(++i / 1000); }, clock);
    expect(r.count).toBe(100);
    expect(r.p50Us).toBeCloseTo(50, 6);
    expect(r.p99Us).toBeCloseTo(99, 6);
  });

  it('rejects a bad count with INVALID_ARGUMENT', async () => {
    await expect(measureLatencies(0, async () => {})).rejects.toSatisfy((e) => isShnError(e) && e.code === 'INVALID_ARGUMENT');
  });
});
