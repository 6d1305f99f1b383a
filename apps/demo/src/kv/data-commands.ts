import { errorReply, OK, type Reply } from '../resp/reply.js';
import { INT64_MIN, parseStrictInt64 } from '../resp/strict-integer.js';
import type { CommandContext, CommandSpec } from './command-spec.js';
import { KV_ERRORS, wrongArity } from './kv-errors.js';
import { parseSetCommand } from './set-options.js';
import { groupByShard, type ShardBackend } from './shard-backend.js';
import { isErrorReply } from '../resp/reply.js';

/** Key commands: GET SET DEL EXISTS INCR INCRBY DECR DECRBY MGET MSET. */
export const DATA_COMMANDS: readonly CommandSpec[] = [
  spec('get', 2, ['readonly', 'fast'], 1, 1, 1, (a, cx) => cx.backend.forKey(a[1]!, { op: 'get', key: a[1]! })),
  spec('set', -3, ['write', 'denyoom'], 1, 1, 1, (a, cx) => {
    const req = parseSetCommand(a);
    return isErrorReply(req) ? req : cx.backend.forKey(req.key, req);
  }),
  spec('del', -2, ['write'], 1, -1, 1, (a, cx) => sumOverShards(cx.backend, a.slice(1), 'del')),
  spec('exists', -2, ['readonly', 'fast'], 1, -1, 1, (a, cx) => sumOverShards(cx.backend, a.slice(1), 'exists')),
  spec('incr', 2, ['write', 'denyoom', 'fast'], 1, 1, 1, (a, cx) => cx.backend.forKey(a[1]!, { op: 'incrby', key: a[1]!, by: 1n })),
  spec('decr', 2, ['write', 'denyoom', 'fast'], 1, 1, 1, (a, cx) => cx.backend.forKey(a[1]!, { op: 'incrby', key: a[1]!, by: -1n })),
  spec('incrby', 3, ['write', 'denyoom', 'fast'], 1, 1, 1, (a, cx) => incrBy(cx, a[1]!, a[2]!, false)),
  spec('decrby', 3, ['write', 'denyoom', 'fast'], 1, 1, 1, (a, cx) => incrBy(cx, a[1]!, a[2]!, true)),
  spec('mget', -2, ['readonly', 'fast'], 1, -1, 1, (a, cx) => mget(cx.backend, a.slice(1))),
  spec('mset', -3, ['write', 'denyoom'], 1, -1, 2, (a, cx) => (a.length % 2 === 0 ? wrongArity('mset') : mset(cx.backend, a.slice(1)))),
];

function spec(name: string, arity: number, flags: string[], firstKey: number, lastKey: number, step: number, run: CommandSpec['run']): CommandSpec {
  return { name, arity, flags, firstKey, lastKey, step, run };
}

function incrBy(cx: CommandContext, key: Buffer, amount: Buffer, decrement: boolean): Reply | Promise<Reply> {
  const n = parseStrictInt64(amount);
  if (n === undefined) return errorReply(KV_ERRORS.notInteger);
  if (decrement && n === INT64_MIN) return errorReply(KV_ERRORS.decrementOverflow);
  return cx.backend.forKey(key, { op: 'incrby', key, by: decrement ? -n : n });
}

/** DEL / EXISTS: one request per owning shard, integer replies summed. */
async function sumOverShards(backend: ShardBackend, keys: Buffer[], op: 'del' | 'exists'): Promise<Reply> {
  if (keys.length === 1) return backend.forKey(keys[0]!, { op, keys });
  const replies = await Promise.all(groupByShard(backend, keys).map((g) => backend.onShard(g.shard, { op, keys: g.keys })));
  let total = 0;
  for (const r of replies) {
    if (typeof r !== 'number') return isErrorReply(r) ? r : errorReply('ERR unexpected shard reply');
    total += r;
  }
  return total;
}

/** MGET: one request per owning shard, values put back in the caller's key order. */
async function mget(backend: ShardBackend, keys: Buffer[]): Promise<Reply> {
  const groups = groupByShard(backend, keys);
  const replies = await Promise.all(groups.map((g) => backend.onShard(g.shard, { op: 'mget', keys: g.keys })));
  const out: Reply[] = new Array<Reply>(keys.length).fill(null);
  for (let gi = 0; gi < groups.length; gi++) {
    const r = replies[gi];
    if (!Array.isArray(r)) return isErrorReply(r) ? r : errorReply('ERR unexpected shard reply');
    const g = groups[gi]!;
    g.positions.forEach((pos, i) => {
      out[pos] = (r as Reply[])[i] ?? null;
    });
  }
  return out;
}

/**
 * MSET: pairs grouped per owning shard. Atomic per shard, not across shards (a concurrent
 * MGET may see part of it); a later pair for the same key wins, as in Redis.
 */
async function mset(backend: ShardBackend, kv: Buffer[]): Promise<Reply> {
  const keys = kv.filter((_, i) => i % 2 === 0);
  const groups = groupByShard(backend, keys);
  const replies = await Promise.all(
    groups.map((g) => backend.onShard(g.shard, { op: 'mset', pairs: g.positions.flatMap((p) => [kv[2 * p]!, kv[2 * p + 1]!]) })),
  );
  for (const r of replies) if (r !== OK) return isErrorReply(r) ? r : errorReply('ERR unexpected shard reply');
  return OK;
}
