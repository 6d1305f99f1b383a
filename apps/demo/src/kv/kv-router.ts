import { ShnError, fnv1a32, jumpHash, type Router, type ShardLoad } from '@shn/core';

const PREFIX_HASH = ((): number => {
  let h = 0x811c9dc5;
  for (const c of 'kv/') {
    h ^= c.charCodeAt(0);
    h = Math.imul(h, 0x01000193);
  }
  return h;
})();

/** {@link kvShardOf} of `kv/<key>` straight from the key's bytes (no string is built). */
export function kvShardOfKey(key: Uint8Array, shards: number): number {
  if (shards === 1) return 0;
  let h = PREFIX_HASH;
  for (let i = 0; i < key.length; i++) {
    h ^= key[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return jumpHash(h >>> 0, shards);
}

/**
 * The shard that owns actor `name` (`kv/<key as latin1>`) among `shards` shards. The kv system
 * declares {@link kvRouter}, so the runtime places actors with this same function, and a shard
 * thread can tell a local key from a remote one without asking.
 */
export function kvShardOf(name: string, shards: number): number {
  return jumpHash(fnv1a32(name), shards);
}

/** The kv system's router: {@link kvShardOf} over the candidates, in shard order. */
export const kvRouter: Router = {
  name: 'kv-jump-hash',
  pick(key: string, candidates: readonly ShardLoad[]): number {
    if (candidates.length === 0) throw new ShnError('INVALID_ARGUMENT', 'kv router needs at least one candidate shard');
    return candidates[kvShardOf(key, candidates.length)]!.shard;
  },
};

/** For each shard, an actor id of kind `kv` that the router places there (to address a shard by name). */
export function idsOnShards(shards: number): string[] {
  const out: (string | undefined)[] = new Array<string | undefined>(shards).fill(undefined);
  let left = shards;
  for (let i = 0; left > 0 && i < 1_000_000; i++) {
    const id = `@shard${i}`;
    const s = kvShardOf(`kv/${id}`, shards);
    if (out[s] === undefined) {
      out[s] = id;
      left--;
    }
  }
  return out.map((id, s) => id ?? `@shard-unreachable-${s}`);
}
