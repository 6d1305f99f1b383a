/**
 * Stable 32-bit hashes (identical on every thread, platform and run) for the consistent-hash
 * balancers.
 */

/** 32-bit FNV-1a, the hash the runtime's default router uses (one copy, in `@shn/core`). */
export { fnv1a32 } from '@shn/core';

/** MurmurHash3's 32-bit finaliser: a bijection on 32-bit integers with full avalanche. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * MurmurHash3 (x86, 32-bit) of a string, taking its UTF-16 code units two at a time as 32-bit
 * blocks. `seed` is any 32-bit integer.
 */
export function murmur3(s: string, seed = 0): number {
  let h = seed >>> 0;
  const n = s.length;
  let i = 0;
  for (; i + 1 < n; i += 2) h = murmurRound(h, (s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16)) >>> 0);
  if (i < n) {
    let k = s.charCodeAt(i);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
  }
  return fmix32(h ^ (n * 2));
}

/** One MurmurHash3 body round. */
function murmurRound(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** MurmurHash3 of two 32-bit words (a key hash and a shard, for rendezvous and Maglev). */
export function hashPair(a: number, b: number, seed = 0): number {
  let h = murmurRound(seed >>> 0, a >>> 0);
  h = murmurRound(h, b >>> 0);
  return fmix32(h ^ 8);
}
