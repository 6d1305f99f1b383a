import { errorReply, type Reply } from '../resp/reply.js';
import { parseStrictInt64 } from '../resp/strict-integer.js';
import type { CommandContext, CommandSpec } from '../kv/command-spec.js';
import { KV_ERRORS } from '../kv/kv-errors.js';

let nextShard = 0;

/** Picks the shard for a CRDT command: round-robin, or the explicit index when given. */
function pickShard(cx: CommandContext, explicit: Buffer | undefined): number | Reply {
  if (explicit === undefined) return nextShard++ % cx.backend.shardCount;
  const n = parseStrictInt64(explicit);
  if (n === undefined || n < 0n || n >= BigInt(cx.backend.shardCount)) return errorReply('ERR shard index out of range');
  return Number(n);
}

/**
 * CRDT-backed commands. `CINCR key n` adds n (may be negative) to a PN-Counter on ANY shard
 * (round-robin) and replies with that shard's value; shards converge through anti-entropy.
 * `CGET key [shard]` reads a shard's replica (round-robin when no shard is given), so a
 * read may briefly lag increments made on other shards (eventual consistency).
 */
export const CRDT_COMMANDS: readonly CommandSpec[] = [
  {
    name: 'cincr',
    arity: 3,
    flags: ['write', 'fast'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    run: (a, cx) => {
      const by = parseStrictInt64(a[2]!);
      if (by === undefined) return errorReply(KV_ERRORS.notInteger);
      const shard = pickShard(cx, undefined) as number;
      return cx.backend.onShard(shard, { op: 'cincr', key: a[1]!, by });
    },
  },
  {
    name: 'cget',
    arity: -2,
    flags: ['readonly', 'fast'],
    firstKey: 1,
    lastKey: 1,
    step: 1,
    run: (a, cx) => {
      if (a.length > 3) return errorReply('ERR syntax error');
      const shard = pickShard(cx, a[2]);
      return typeof shard === 'number' ? cx.backend.onShard(shard, { op: 'cget', key: a[1]! }) : shard;
    },
  },
];
