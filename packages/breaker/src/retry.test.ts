import { ShnError, seededRng } from '@shn/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decorrelatedJitter } from './backoff.js';
import { callContext } from './policy.js';
import { retryPolicy } from './retry.js';
import { VirtualTime } from './virtual-time.test-helper.js';

const transient = (): ShnError => new ShnError('TIMEOUT', 'no reply');

describe('retry', () => {
  it('retries a retryable call on a transient error with decorrelated-jitter waits, then succeeds', async () => {
    const vt = new VirtualTime();
    const waits: number[] = [];
    const r = retryPolicy({ maxAttempts: 4, baseMs: 10, capMs: 1000, timer: vt.timer, clock: vt.clock, rng: seededRng(7), onRetry: (i) => waits.push(i.delayMs) });
    let attempts = 0;
    const seen: number[] = [];
    const p = r.execute(callContext('d', { retryable: true }), async (ctx) => {
      seen.push(ctx.attempt);
      if (++attempts < 3) throw transient();
      return 'ok';
    });
    await vt.advance(10_000);
    await expect(p).resolves.toBe('ok');
    expect(seen).toEqual([0, 1, 2]);
    expect(waits).toHaveLength(2);
    for (const w of waits) expect(w).toBeGreaterThanOrEqual(10);
  });

  it('does not retry a non-retryable error, nor a call not marked retryable', async () => {
    const r = retryPolicy({ maxAttempts: 5 });
    let n = 0;
    await expect(
      r.execute(callContext('d', { retryable: true }), () => {
        n++;
        return Promise.reject(new ShnError('ACTOR_FAILED', 'bug'));
      }),
    ).rejects.toMatchObject({ code: 'ACTOR_FAILED' });
    expect(n).toBe(1);
    await expect(
      r.execute(callContext('d', { retryable: false }), () => {
        n++;
        return Promise.reject(transient());
      }),
    ).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(n).toBe(2);
    await expect(r.execute(callContext('d', { retryable: true }), () => Promise.reject(new ShnError('CIRCUIT_OPEN', 'open')))).rejects.toMatchObject({ code: 'CIRCUIT_OPEN' });
  });

  it('never retries past the deadline: gives up with the last error when the next wait would cross it', async () => {
    const vt = new VirtualTime();
    const r = retryPolicy({ maxAttempts: 10, baseMs: 100, capMs: 100, timer: vt.timer, clock: vt.clock });
    const starts: number[] = [];
    const deadline = vt.clock.now() + 250;
    const p = r.execute(callContext('d', { retryable: true, deadline }), () => {
      starts.push(vt.clock.now());
      return Promise.reject(transient());
    });
    const settled = p.catch((e: unknown) => e);
    await vt.advance(1000);
    expect(await settled).toMatchObject({ code: 'TIMEOUT' });
    // Attempts at 0, 100, 200; a wait of 100 from 200 would end at 300 > the deadline at 250.
    expect(starts.map((t) => t - vt.epoch)).toEqual([0, 100, 200]);
    for (const t of starts) expect(t).toBeLessThan(deadline);
  });

  it('stops at maxAttempts', async () => {
    const vt = new VirtualTime();
    const r = retryPolicy({ maxAttempts: 3, baseMs: 1, capMs: 2, timer: vt.timer, clock: vt.clock });
    let n = 0;
    const p = r
      .execute(callContext('d', { retryable: true }), () => {
        n++;
        return Promise.reject(transient());
      })
      .catch((e: unknown) => e);
    await vt.advance(100);
    expect(await p).toMatchObject({ code: 'TIMEOUT' });
    expect(n).toBe(3);
  });

  it('refuses bad options', () => {
    for (const o of [{ maxAttempts: 0 }, { baseMs: -1 }, { baseMs: 100, capMs: 10 }, { capMs: Infinity }, { isRetryable: 3 }]) {
      expect(() => retryPolicy(o as never)).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
  });

  it('law: decorrelated jitter stays within [base, cap] and at most triples the previous wait', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1000 }), fc.integer({ min: 0, max: 100_000 }), fc.integer(), (base, extra, seed) => {
        const cap = base + extra;
        const next = decorrelatedJitter(base, cap, seededRng(seed));
        let prev = base;
        for (let i = 0; i < 50; i++) {
          const d = next();
          if (!(d >= base && d <= cap && d <= Math.max(base, prev * 3))) return false;
          prev = d;
        }
        return true;
      }),
    );
  });
});
