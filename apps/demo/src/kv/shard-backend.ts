import type { ShardGauges } from '@shn/core';
import type { Reply } from '../resp/reply.js';
import type { ShardRequest } from './shard-request.js';

/**
 * Where shard requests go: the runtime (real shard threads) in production, an in-process
 * set of stores in unit tests. Implementations never reject: failures (busy, crashed shard,
 * timeout, closed runtime) come back as error replies.
 */
export interface ShardBackend {
  /** Number of shards. */
  readonly shardCount: number;
  /** Index of the shard that owns `key`. */
  shardOf(key: Buffer): number;
  /** Sends a request to the actor `kv/<key as latin1>` (routed to its owning shard); a local key may answer at once. */
  forKey(key: Buffer, req: ShardRequest): Reply | Promise<Reply>;
  /** Sends a request to shard `shard`'s `kv` actor (fan-out, already grouped per shard); the local shard may answer at once. */
  onShard(shard: number, req: ShardRequest): Reply | Promise<Reply>;
  /** Per-shard gauges, indexed by shard. */
  gauges(): readonly ShardGauges[];
}

/** Keys grouped by owning shard, remembering each key's position in the original list. */
export interface ShardGroup {
  readonly shard: number;
  readonly keys: Buffer[];
  readonly positions: number[];
}

/** Groups `keys` by owning shard, in first-seen order. */
export function groupByShard(backend: Pick<ShardBackend, 'shardOf'>, keys: readonly Buffer[]): ShardGroup[] {
  const groups = new Map<number, ShardGroup>();
  keys.forEach((key, i) => {
    const shard = backend.shardOf(key);
    let g = groups.get(shard);
    if (g === undefined) {
      g = { shard, keys: [], positions: [] };
      groups.set(shard, g);
    }
    g.keys.push(key);
    g.positions.push(i);
  });
  return [...groups.values()];
}
