import { hasCode } from '@shn/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bulkhead, bulkheadPolicy } from './bulkhead.js';
import { callContext } from './policy.js';
import { flush } from './virtual-time.test-helper.js';

describe('bulkhead', () => {
  it('runs at most maxConcurrent, queues maxQueue in FIFO order, refuses the rest with BULKHEAD_FULL', async () => {
    const b = bulkhead('shard:1', { maxConcurrent: 2, maxQueue: 1 });
    const releases: (() => void)[] = [];
    const order: number[] = [];
    const call = (i: number): Promise<number> =>
      b.run(
        () =>
          new Promise<number>((r) => {
            order.push(i);
            releases.push(() => r(i));
          }),
      );
    const p = [call(1), call(2), call(3)];
    const refused = await call(4).catch((e: unknown) => e);
    expect(hasCode(refused, 'BULKHEAD_FULL')).toBe(true);
    expect((refused as Error).message).toContain('shard:1');
    expect((refused as Error).message).toContain('2 of 2 running, 1 of 1 queued');
    expect([b.active, b.queued]).toEqual([2, 1]);
    releases[0]?.();
    await flush();
    expect(order).toEqual([1, 2, 3]);
    releases[1]?.();
    releases[2]?.();
    expect(await Promise.all(p)).toEqual([1, 2, 3]);
    expect([b.active, b.queued]).toEqual([0, 0]);
  });

  it('refuses a queued call whose deadline passed while it waited, and makes room for new ones', async () => {
    let now = 1000;
    const clock = { now: () => now, monotonic: () => now };
    const b = bulkhead('d', { maxConcurrent: 1, maxQueue: 1, clock });
    let release!: () => void;
    const first = b.run(() => new Promise<void>((r) => (release = r)));
    const queued = b.run(() => 'never', 1500);
    now = 2000;
    // The queue is full of an expired call: it is purged to make room.
    const next = b.run(() => 'ran');
    await expect(queued).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
    release();
    await first;
    await expect(next).resolves.toBe('ran');
  });

  it('as a policy keeps one bulkhead per destination and drops idle ones', async () => {
    const p = bulkheadPolicy({ maxConcurrent: 1 });
    let release!: () => void;
    const a = p.execute(callContext('a'), () => new Promise<void>((r) => (release = r)));
    await expect(p.execute(callContext('a'), async () => 1)).rejects.toMatchObject({ code: 'BULKHEAD_FULL' });
    await expect(p.execute(callContext('b'), async () => 2)).resolves.toBe(2);
    expect(p.size).toBe(1);
    release();
    await a;
    expect(p.size).toBe(0);
  });

  it('refuses bad options', () => {
    expect(() => bulkhead('d', { maxConcurrent: 0 })).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('maxConcurrent') }));
    expect(() => bulkhead('d', { maxQueue: -1 })).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('maxQueue') }));
  });

  it('law: never more than maxConcurrent running or maxQueue waiting, nothing started past its deadline, every call runs once or is refused', async () => {
    type Step = { readonly arrive: number | null } | { readonly finish: number } | { readonly throwNow: true } | { readonly tick: number };
    const stepArb: fc.Arbitrary<Step> = fc.oneof(
      fc.record({ arrive: fc.option(fc.integer({ min: 0, max: 50 }), { nil: null }) }),
      fc.record({ finish: fc.nat({ max: 50 }) }),
      fc.constant({ throwNow: true as const }),
      fc.record({ tick: fc.integer({ min: 0, max: 30 }) }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 4 }),
        fc.array(stepArb, { minLength: 10, maxLength: 200, size: 'large' }),
        async (maxConcurrent, maxQueue, script) => {
          let now = 0;
          const clock = { now: () => now, monotonic: () => now };
          const b = bulkhead('d', { maxConcurrent, maxQueue, clock });
          let running = 0;
          let peak = 0;
          let lateStart = false;
          const finishers: (() => void)[] = [];
          const settled: Promise<unknown>[] = [];
          let started = 0;
          let refused = 0;
          for (const step of script) {
            if ('tick' in step) now += step.tick;
            else if ('finish' in step) {
              if (finishers.length > 0) finishers.splice(step.finish % finishers.length, 1)[0]?.();
            } else {
              const deadline = 'arrive' in step && step.arrive !== null ? now + step.arrive : undefined;
              const p = b.run(() => {
                started++;
                if (deadline !== undefined && now >= deadline) lateStart = true;
                if ('throwNow' in step) throw new Error('sync');
                running++;
                peak = Math.max(peak, running);
                return new Promise<void>((r) =>
                  finishers.push(() => {
                    running--;
                    r();
                  }),
                );
              }, deadline);
              settled.push(p.catch((e: unknown) => (hasCode(e, 'BULKHEAD_FULL') || hasCode(e, 'DEADLINE_EXCEEDED') ? refused++ : undefined)));
            }
            await flush();
            if (b.active > maxConcurrent || b.queued > maxQueue || running > maxConcurrent || lateStart) return false;
          }
          while (finishers.length > 0) {
            finishers.shift()?.();
            await flush();
          }
          await Promise.all(settled);
          return peak <= maxConcurrent && !lateStart && started + refused === settled.length && b.active === 0 && b.queued === 0;
        },
      ),
      { numRuns: 150 },
    );
  });
});
