import type { ShardLoad } from '@shn/core';
import { hashPair, murmur3 } from '../hashing.js';
import { invalid } from '../option-checks.js';
import { CandidateCache } from './candidate-cache.js';
import { checkCandidates } from './candidates.js';
import type { HashRingRouter } from './ring-hash.js';

function isPrime(n: number): boolean {
  if (n < 2) return false;
  for (let d = 2; d * d <= n; d++) if (n % d === 0) return false;
  return true;
}

/**
 * Maglev hashing (Eisenbud et al., NSDI 2016; Envoy's `MAGLEV`): a lookup table of `tableSize`
 * (prime) entries filled by letting every shard claim, in turn, the next free slot of its own
 * permutation. Every shard holds floor(M/n) or ceil(M/n) entries, so max/mean is at most
 * ceil(M/n)/(M/n) (< 1.001 for M = 65537, n <= 64); lookup is one hash and one array read.
 * The price is disruption: adding a shard moves a bit more than the minimal 1/(n+1) of keys
 * (the paper's trade-off), some of them between old shards. Rebuilt when the candidate set changes (O(M)).
 * @param options.tableSize - a prime >= 101 * shards, at most 2^24 (default 65537).
 * @throws ShnError `INVALID_ARGUMENT` for a table size that is not a prime in [101, 2^24].
 */
export function maglevHash(options: { readonly tableSize?: number; readonly seed?: number } = {}): HashRingRouter {
  const m = options.tableSize ?? 65537;
  if (!Number.isInteger(m) || m < 101 || m > 2 ** 24 || !isPrime(m)) throw invalid('tableSize', 'a prime in [101, 2^24]', m);
  const seed = options.seed ?? 0;
  const cache = new CandidateCache<Int32Array>((shards) => {
    if (shards.length * 100 > m) throw invalid('tableSize', `a prime >= 100 * shards (${shards.length} shards)`, m);
    const table = new Int32Array(m).fill(-1);
    const offset = shards.map((s) => hashPair(s, 0x6d61676c, seed) % m);
    const skip = shards.map((s) => (hashPair(s, 0x65763031, seed) % (m - 1)) + 1);
    const next = new Array<number>(shards.length).fill(0);
    let filled = 0;
    while (filled < m) {
      for (let i = 0; i < shards.length && filled < m; i++) {
        let slot: number;
        do {
          slot = ((offset[i] as number) + (next[i] as number) * (skip[i] as number)) % m;
          next[i] = (next[i] as number) + 1;
        } while (table[slot] !== -1);
        table[slot] = shards[i] as number;
        filled++;
      }
    }
    return table;
  });
  return {
    name: 'maglev',
    pick(key: string, candidates: readonly ShardLoad[]): number {
      checkCandidates(candidates, 'maglev');
      const table = cache.get(candidates);
      return table[murmur3(key, seed) % m] as number;
    },
    shares(candidates: readonly ShardLoad[]): Map<number, number> {
      checkCandidates(candidates, 'maglev');
      const out = new Map<number, number>(candidates.map((c) => [c.shard, 0]));
      for (const s of cache.get(candidates)) out.set(s, (out.get(s) ?? 0) + 1 / m);
      return out;
    },
  };
}
