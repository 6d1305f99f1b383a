/** 32-bit FNV-1a over the UTF-16 code units of `s`: stable across threads, platforms and runs. */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Lamping & Veach's jump consistent hash: maps a 32-bit key to a bucket in [0, buckets), and
 * growing from n to n + 1 buckets moves only the keys that land in the new bucket (expected
 * 1/(n+1)). A 32-bit xorshift-multiply mixer stands in for the paper's 64-bit LCG. This is the
 * placement of the runtime's default router; every package that must place keys the same way
 * calls this one copy.
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
