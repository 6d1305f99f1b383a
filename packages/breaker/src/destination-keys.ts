import { splitActorName } from '@shn/core';
import type { Envelope } from '@shn/core';

/**
 * Picks the destination an ask is guarded under: its breaker and bulkhead key. Return undefined
 * to let the ask through unguarded.
 */
export type DestinationKey = (env: Envelope) => string | undefined;

const shardKeys: string[] = [];

/** One breaker per shard: `shard:<n>` (a node's shards are separate failure domains). */
export const byShard: DestinationKey = (env) => {
  const shard = env.to.shard;
  // Shard indexes are small integers: their keys are built once, not per ask.
  return shardKeys[shard] ?? (Number.isInteger(shard) && shard >= 0 && shard <= 0xffff ? (shardKeys[shard] = `shard:${shard}`) : `shard:${shard}`);
};

/** One breaker per node: `node:<name>` (for the cross-node transport). */
export const byNode: DestinationKey = (env) => `node:${env.to.node}`;

/** One breaker per actor kind: `kind:<kind>` (a kind whose code is broken fails everywhere). */
export const byKind: DestinationKey = (env) => {
  const actor = env.to.actor;
  const slash = actor.indexOf('/');
  return `kind:${slash > 0 ? actor.slice(0, slash) : splitActorName(actor).kind}`;
};

/** One breaker per node and shard: `<node>#<shard>`. */
export const byNodeShard: DestinationKey = (env) => `${env.to.node}#${env.to.shard}`;

/**
 * Guards only asks that leave the sender's shard (or node): same-shard asks pass unguarded.
 * Asks from outside any actor (the main thread, `env.from` undefined) are guarded.
 */
export function crossShard(key: DestinationKey): DestinationKey {
  return (env) => {
    const from = env.from;
    if (from !== undefined && from.shard === env.to.shard && from.node === env.to.node) return undefined;
    return key(env);
  };
}
