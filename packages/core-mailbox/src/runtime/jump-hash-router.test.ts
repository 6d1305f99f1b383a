import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fnv1a32, jumpHash, jumpHashRouter } from './jump-hash-router.js';

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
