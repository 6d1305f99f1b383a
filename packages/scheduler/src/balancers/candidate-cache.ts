import type { ShardLoad } from '@shn/core';

/**
 * Keeps the structure built for the last candidate set (the set of shard numbers, in any order),
 * rebuilding only when the set changes.
 * @internal
 */
export class CandidateCache<S> {
  #key = '';
  #value: S | undefined;

  constructor(private readonly build: (shards: readonly number[]) => S) {}

  get(candidates: readonly ShardLoad[]): S {
    const shards = candidates.map((c) => c.shard).sort((a, b) => a - b);
    const key = shards.join(',');
    if (this.#value === undefined || key !== this.#key) {
      this.#value = this.build(shards);
      this.#key = key;
    }
    return this.#value;
  }
}
