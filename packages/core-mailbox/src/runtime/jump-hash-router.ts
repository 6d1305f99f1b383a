import { ShnError, fnv1a32, jumpHash } from '@shn/core';
import type { Router, ShardLoad } from '@shn/core';

export { fnv1a32, jumpHash } from '@shn/core';

/**
 * The default {@link Router}: jump consistent hash of FNV-1a(`kind/id`) over the candidate
 * list (position in the list, so pass candidates in shard order). Ignores load: placement
 * must be a pure function of the key.
 */
export function jumpHashRouter(): Router {
  return {
    name: 'jump-hash',
    pick(key: string, candidates: readonly ShardLoad[]): number {
      if (candidates.length === 0) throw new ShnError('INVALID_ARGUMENT', 'router needs at least one candidate shard');
      const c = candidates[jumpHash(fnv1a32(key), candidates.length)];
      return (c as ShardLoad).shard;
    },
  };
}
