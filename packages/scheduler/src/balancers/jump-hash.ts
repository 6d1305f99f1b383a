import type { Router, ShardLoad } from '@shn/core';
import { fnv1a32 } from '../hashing.js';
import { checkCandidates } from './candidates.js';

/**
 * Lamping & Veach's jump consistent hash of a 32-bit key into [0, buckets): growing from n to
 * n + 1 buckets moves exactly the keys that land in the new bucket (expected 1/(n+1)) and no
 * others. The same function as `@shn/core-mailbox`'s default router.
 */
export function jumpHash(key: number, buckets: number): number {
  let b = -1;
  let j = 0;
  let k = key >>> 0;
  while (j < buckets) {
    b = j;
    k = Math.imul(k ^ (k >>> 15), 0x2c1b3c6d) >>> 0;
    k = Math.imul(k ^ (k >>> 12), 0x297a2d39) >>> 0;
    k = (k ^ (k >>> 15)) >>> 0;
    j = Math.floor((b + 1) * (4294967296 / (k + 1)));
  }
  return b;
}

/**
 * Jump consistent hash of FNV-1a(key) over the candidate positions: places keys exactly like the
 * runtime's default router. O(log n) per pick and no memory, balanced like uniform hashing; but
 * buckets are positions, so shards can only be added or removed at the end of the list (removing
 * one from the middle reshuffles everything after it).
 */
export function jumpHashBalancer(): Router {
  return {
    name: 'jump-hash',
    pick(key: string, candidates: readonly ShardLoad[]): number {
      checkCandidates(candidates, 'jump-hash');
      return (candidates[jumpHash(fnv1a32(key), candidates.length)] as ShardLoad).shard;
    },
  };
}
