import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runWriteWorkload } from './write-workload.js';

describe('runWriteWorkload', () => {
  it('does exactly `writes` writes, never more than `clients` at once and one at a time per client, over the key range', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 20 }), fc.integer({ min: 1, max: 200 }), fc.integer({ min: 1, max: 50 }), async (clients, writes, keys) => {
        let inFlight = 0;
        let peak = 0;
        const busy = new Set<number>();
        const seen: string[] = [];
        const r = await runWriteWorkload({
          clients,
          writes,
          keys,
          valueBytes: 10,
          put: async (c, key, value) => {
            expect(busy.has(c)).toBe(false);
            busy.add(c);
            inFlight++;
            peak = Math.max(peak, inFlight);
            expect(value).toHaveLength(10);
            seen.push(key);
            await new Promise((res) => setImmediate(res));
            inFlight--;
            busy.delete(c);
          },
        });
        expect(seen).toHaveLength(writes);
        expect(peak).toBeLessThanOrEqual(clients);
        expect(new Set(seen).size).toBe(Math.min(keys, writes));
        expect(r.p50Ms).toBeLessThanOrEqual(r.p99Ms);
        expect(r.writesPerSecond).toBeGreaterThan(0);
      }),
      { numRuns: 30 },
    );
  });

  it('takes its latencies and rate from the clock it is given', async () => {
    let now = 0;
    const clock = { now: () => now, monotonic: () => now };
    const r = await runWriteWorkload({
      clients: 1,
      writes: 100,
      keys: 10,
      valueBytes: 5,
      clock,
      put: (_c, key) => {
        now += key === 'key-9' ? 50 : 2; // every tenth write takes 50 ms, the rest 2 ms
        return Promise.resolve();
      },
    });
    expect(r.p50Ms).toBe(2);
    expect(r.p99Ms).toBe(50);
    expect(r.elapsedMs).toBe(90 * 2 + 10 * 50);
    expect(r.writesPerSecond).toBeCloseTo(100 / 0.68, 6);
  });

  it('rejects a non-positive count with INVALID_ARGUMENT, and passes on the first failed write', async () => {
    await expect(runWriteWorkload({ clients: 0, writes: 1, keys: 1, valueBytes: 1, put: () => Promise.resolve() })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(runWriteWorkload({ clients: 2, writes: 10, keys: 1, valueBytes: 1, put: () => Promise.reject(new Error('boom')) })).rejects.toThrow('boom');
  });
});
