import { ShnError } from '@shn/core';
import type { ShardLoad } from '@shn/core';

/**
 * Checks a balancer's candidate list: non-empty, shards non-negative integers.
 * @throws ShnError `INVALID_ARGUMENT` for an empty list or a bad entry.
 * @internal
 */
export function checkCandidates(candidates: readonly ShardLoad[], router: string): void {
  if (!Array.isArray(candidates) || candidates.length === 0) {
    throw new ShnError('INVALID_ARGUMENT', `${router}: needs at least one candidate shard`);
  }
}

/** The candidate with the smallest load; ties go to `tie(indices)`. @internal */
export function argminLoad(candidates: readonly ShardLoad[], tie: (count: number) => number): number {
  let min = Infinity;
  let count = 0;
  for (const c of candidates) {
    if (c.load < min) {
      min = c.load;
      count = 1;
    } else if (c.load === min) count++;
  }
  if (count === 0) return (candidates[0] as ShardLoad).shard; // every load NaN
  let k = count === 1 ? 0 : tie(count);
  for (const c of candidates) if (c.load === min && k-- === 0) return c.shard;
  return (candidates[0] as ShardLoad).shard;
}
