import { ShnError } from '@shn/core';
import type { Router, ShardLoad } from '@shn/core';

/** 32-bit FNV-1a over the UTF-16 code units of `s` (stable across threads and runs). */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Lamping & Veach's jump consistent hash: maps a 32-bit key to a bucket in [0, buckets),
 * moving only ~1/n of keys when the bucket count grows by one.
 */
export function jumpHash(key: number, buckets: number): number {
  // 64-bit LCG emulated with BigInt-free 32-bit halves would be faster; the float form below
  // follows the paper with a 32-bit xorshift-multiply mixer standing in for the 64-bit LCG.
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
