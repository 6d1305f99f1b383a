import { ShnError, type Router, type ShardLoad } from '@shn/core';

/** 32-bit FNV-1a over the UTF-16 code units of `s` (keys are latin1: one unit per byte). */
function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Lamping & Veach's jump consistent hash of a 32-bit key into [0, buckets). */
function jumpHash(key: number, buckets: number): number {
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
