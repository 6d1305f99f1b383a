import { jumpHash } from '@shn/core';
import type { Router, ShardLoad } from '@shn/core';
import { fnv1a32 } from '../hashing.js';
import { checkCandidates } from './candidates.js';

/** Lamping & Veach's jump consistent hash (the one copy lives in `@shn/core`). */
export { jumpHash } from '@shn/core';

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
