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

  it('law: never more than maxConcurrent running or maxQueue waiting; every call runs once or is refused', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 4 }),
        fc.array(fc.oneof(fc.constant('arrive' as const), fc.nat({ max: 50 }), fc.constant('sync-throw' as const)), { minLength: 10, maxLength: 200, size: 'large' }),
        async (maxConcurrent, maxQueue, script) => {
          const b = bulkhead('d', { maxConcurrent, maxQueue });
          let running = 0;
          let peak = 0;
          const finishers: (() => void)[] = [];
          const settled: Promise<unknown>[] = [];
          let started = 0;
          let refused = 0;
          for (const step of script) {
            if (step === 'arrive' || step === 'sync-throw') {
              const p = b.run(() => {
                started++;
                if (step === 'sync-throw') throw new Error('sync');
                running++;
                peak = Math.max(peak, running);
                return new Promise<void>((r) =>
                  finishers.push(() => {
                    running--;
                    r();
                  }),
                );
              });
              settled.push(p.catch((e: unknown) => (hasCode(e, 'BULKHEAD_FULL') ? refused++ : undefined)));
            } else if (finishers.length > 0) {
              finishers.splice(step % finishers.length, 1)[0]?.();
            }
            await flush();
            if (b.active > maxConcurrent || b.queued > maxQueue || running > maxConcurrent) return false;
          }
          while (finishers.length > 0) {
            finishers.shift()?.();
            await flush();
          }
          await Promise.all(settled);
          return peak <= maxConcurrent && started + refused === settled.length && b.active === 0 && b.queued === 0;
        },
      ),
      { numRuns: 150 },
    );
  });
});
