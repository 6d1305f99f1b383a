import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fnv1a32, jumpHash, jumpHashRouter } from './jump-hash-router.js';
import { RestartLimiter } from './restart-limiter.js';

const shards = (n: number) => Array.from({ length: n }, (_, shard) => ({ shard, load: 0 }));

describe('jumpHashRouter', () => {
  it('is deterministic and in range', () => {
    const r = jumpHashRouter();
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 64 }), (key, n) => {
        const a = r.pick(key, shards(n));
        expect(a).toBe(r.pick(key, shards(n)));
        expect(a).toBeGreaterThanOrEqual(0);
        expect(a).toBeLessThan(n);
      }),
    );
  });

  it('is consistent: growing n to n+1 only moves keys to the new bucket', () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), fc.integer({ min: 1, max: 100 }), (key, n) => {
        const before = jumpHash(key, n);
        const after = jumpHash(key, n + 1);
        expect(after === before || after === n).toBe(true);
      }),
    );
  });

  it('spreads keys evenly (within 10% of the mean over 4 shards)', () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 40_000; i++) counts[jumpHash(fnv1a32(`kv/key:${i}`), 4)]! += 1;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(1_000);
  });

  it('rejects an empty candidate list', () => {
    expect(() => jumpHashRouter().pick('k', [])).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('RestartLimiter', () => {
  it('backs off exponentially, caps, and gives up past the intensity', () => {
    const l = new RestartLimiter({ maxRestarts: 3, periodMs: 1000, backoffMs: { initial: 10, max: 25 } });
    expect(l.next(0)).toBe(10);
    expect(l.next(1)).toBe(20);
    expect(l.next(2)).toBe(25);
    expect(l.next(3)).toBe(-1);
    // After the window passes, restarts are allowed again and backoff starts over.
    expect(l.next(2000)).toBe(10);
  });

  it('rejects bad options with INVALID_ARGUMENT', () => {
    for (const o of [{ maxRestarts: -1 }, { periodMs: 0 }, { backoffMs: { initial: 10, max: 5 } }]) {
      expect(() => new RestartLimiter(o)).toThrowError(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
  });
});
