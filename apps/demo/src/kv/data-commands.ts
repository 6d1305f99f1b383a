import { errorReply, isErrorReply, OK, type Reply } from '../resp/reply.js';
import type { CommandContext, CommandSpec } from './command-spec.js';
import { parseCursor, parseScanOptions } from './hash-commands.js';
import { parseCopyOptions } from './key-commands.js';
import { wrongArity } from './kv-errors.js';
import { groupByShard, type ShardBackend } from './shard-backend.js';
import { lcsReply } from './string-commands.js';

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
const UNEXPECTED = errorReply('ERR unexpected shard reply');

function spec(name: string, arity: number, flags: string[], firstKey: number, lastKey: number, step: number, run: CommandSpec['run']): CommandSpec {
  return { name, arity, flags, firstKey, lastKey, step, run };
}

/** A command on one key (argument 1): the whole command runs on the shard that owns the key. */
function keyed(name: string, arity: number, flags: string[]): CommandSpec {
  return spec(name, arity, flags, 1, 1, 1, (a, cx) => cx.backend.forKey(a[1]!, { op: 'cmd', args: a }));
}

/** Sends `name keys…` to each owning shard and sums the integer replies (DEL, EXISTS, ...). */
async function sumOverShards(backend: ShardBackend, name: Buffer, keys: Buffer[]): Promise<Reply> {
  if (keys.length === 1) return backend.forKey(keys[0]!, { op: 'cmd', args: [name, ...keys] });
  const replies = await Promise.all(groupByShard(backend, keys).map((g) => backend.onShard(g.shard, { op: 'cmd', args: [name, ...g.keys] })));
  let total = 0;
  for (const r of replies) {
    if (typeof r !== 'number') return isErrorReply(r) ? r : UNEXPECTED;
    total += r;
  }
  return total;
}

/** MGET: one request per owning shard, values put back in the caller's key order. */
async function mget(backend: ShardBackend, keys: Buffer[]): Promise<Reply> {
  const groups = groupByShard(backend, keys);
  const replies = await Promise.all(groups.map((g) => backend.onShard(g.shard, { op: 'cmd', args: [b('mget'), ...g.keys] })));
  const out: Reply[] = new Array<Reply>(keys.length).fill(null);
  for (let gi = 0; gi < groups.length; gi++) {
    const r = replies[gi];
    if (!Array.isArray(r)) return isErrorReply(r) ? r : UNEXPECTED;
    groups[gi]!.positions.forEach((pos, i) => {
      out[pos] = (r as Reply[])[i] ?? null;
    });
  }
  return out;
}

/** The pairs of an MSET-like command grouped by owning shard (`[shard, [k, v, ...]]`). */
function pairsByShard(backend: ShardBackend, kv: Buffer[]): [number, Buffer[]][] {
  const keys = kv.filter((_, i) => i % 2 === 0);
  return groupByShard(backend, keys).map((g) => [g.shard, g.positions.flatMap((p) => [kv[2 * p]!, kv[2 * p + 1]!])]);
}

/**
 * MSET: pairs grouped per owning shard. Atomic per shard, not across shards (a concurrent MGET
 * may see part of it); a later pair for the same key wins, as in Redis.
 */
async function mset(backend: ShardBackend, kv: Buffer[]): Promise<Reply> {
  const replies = await Promise.all(pairsByShard(backend, kv).map(([s, pairs]) => backend.onShard(s, { op: 'cmd', args: [b('mset'), ...pairs] })));
  for (const r of replies) if (r !== OK) return isErrorReply(r) ? r : UNEXPECTED;
  return OK;
}

/**
 * MSETNX: on one shard it is atomic; across shards it checks every shard first, then sets, so
 * a concurrent writer between the two steps can make it set keys that exist by then.
 */
async function msetnx(backend: ShardBackend, kv: Buffer[]): Promise<Reply> {
  const groups = pairsByShard(backend, kv);
  if (groups.length === 1) return backend.onShard(groups[0]![0], { op: 'cmd', args: [b('msetnx'), ...groups[0]![1]] });
  const found = await Promise.all(groups.map(([s, pairs]) => backend.onShard(s, { op: 'cmd', args: [b('__existsany'), ...pairs.filter((_, i) => i % 2 === 0)] })));
  for (const r of found) if (r !== 0) return isErrorReply(r) ? r : 0;
  const r = await mset(backend, kv);
  return r === OK ? 1 : r;
}

/** RENAME / RENAMENX / COPY / LCS: run on the shard when both keys live there; otherwise dump and restore. */
function twoKeys(name: string, arity: number, flags: string[], cross: (a: Buffer[], cx: CommandContext) => Promise<Reply> | Reply): CommandSpec {
  return spec(name, arity, flags, 1, 2, 1, (a, cx) => {
    const s = cx.backend.shardOf(a[1]!);
    return s === cx.backend.shardOf(a[2]!) ? cx.backend.onShard(s, { op: 'cmd', args: a }) : cross(a, cx);
  });
}

async function dump(cx: CommandContext, key: Buffer): Promise<Reply> {
  return await cx.backend.forKey(key, { op: 'cmd', args: [b('__dump'), key] });
}

/** Moves a dumped value onto `key`'s shard (`mode` replace or nx). */
async function restore(cx: CommandContext, key: Buffer, mode: 'replace' | 'nx', dumped: readonly Reply[]): Promise<Reply> {
  const [type, at, ...parts] = dumped as [Buffer, number, ...Buffer[]];
  return await cx.backend.forKey(key, { op: 'cmd', args: [b('__restore'), key, b(mode), b(String(at)), type, ...parts] });
}

/** RENAME across shards: not atomic (a reader may briefly see both keys or, after a crash, neither). */
function crossRename(nx: boolean): (a: Buffer[], cx: CommandContext) => Promise<Reply> {
  return async (a, cx) => {
    const d = await dump(cx, a[1]!);
    if (isErrorReply(d)) return d;
    if (d === null) return errorReply('ERR no such key');
    if (!Array.isArray(d)) return UNEXPECTED;
    const r = await restore(cx, a[2]!, nx ? 'nx' : 'replace', d);
    if (r !== 1) return r === 0 ? 0 : isErrorReply(r) ? r : UNEXPECTED;
    await cx.backend.forKey(a[1]!, { op: 'cmd', args: [b('del'), a[1]!] });
    return nx ? 1 : OK;
  };
}

async function crossCopy(a: Buffer[], cx: CommandContext): Promise<Reply> {
  const replace = parseCopyOptions(a.slice(3));
  if (typeof replace !== 'boolean') return replace;
  const d = await dump(cx, a[1]!);
  if (isErrorReply(d)) return d;
  if (d === null) return 0;
  if (!Array.isArray(d)) return UNEXPECTED;
  return restore(cx, a[2]!, replace ? 'replace' : 'nx', d);
}

async function crossLcs(a: Buffer[], cx: CommandContext): Promise<Reply> {
  const [x, y] = await Promise.all([dump(cx, a[1]!), dump(cx, a[2]!)]);
  const value = (d: Reply): Buffer | undefined | null => {
    if (d === null) return Buffer.alloc(0);
    if (!Array.isArray(d) || !Buffer.isBuffer(d[0])) return undefined;
    return d[0].toString('latin1') === 'string' ? (d[2] as Buffer) : null;
  };
  const vx = value(x);
  const vy = value(y);
  if (vx === undefined || vy === undefined) return isErrorReply(x) ? x : isErrorReply(y) ? y : UNEXPECTED;
  if (vx === null || vy === null) return errorReply('ERR The specified keys must contain string values');
  return lcsReply(vx, vy, a.slice(3));
}

function allShards(cx: CommandContext, args: Buffer[]): Promise<Reply[]> {
  return Promise.all(Array.from({ length: cx.backend.shardCount }, (_, s) => cx.backend.onShard(s, { op: 'cmd', args })));
}

/**
 * SCAN with one cursor across all shards: the cursor is `slot × shards + shard`. It walks
 * shard 0's slot table, then shard 1's, and so on; a full iteration with no concurrent writes
 * returns every key exactly once (keys never move between slots while they live).
 */
async function scan(a: Buffer[], cx: CommandContext): Promise<Reply> {
  const c = parseCursor(a[1]!);
  if (c === undefined) return errorReply('ERR invalid cursor');
  const o = parseScanOptions(a, 2, true);
  if ('err' in o) return o;
  const shards = BigInt(cx.backend.shardCount);
  let shard = Number(c % shards);
  let slot = c / shards;
  const keys: Reply[] = [];
  for (;;) {
    const r = await cx.backend.onShard(shard, { op: 'cmd', args: [b('__scan'), b(String(slot)), b(String(o.count)), b(o.pattern), b(o.type)] });
    if (isErrorReply(r)) return r;
    if (!Array.isArray(r) || typeof r[0] !== 'number' || !Array.isArray(r[1])) return UNEXPECTED;
    keys.push(...(r[1] as Reply[]));
    if (r[0] !== 0) return [b(String(BigInt(r[0]) * shards + BigInt(shard))), keys];
    shard++;
    slot = 0n;
    if (shard >= cx.backend.shardCount) return [b('0'), keys];
    if (keys.length >= o.count) return [b(String(shard)), keys];
  }
}

let randomStart = 0;

/** Key commands. Single-key ones run whole on the owning shard; multi-key ones split and gather. */
export const DATA_COMMANDS: readonly CommandSpec[] = [
  // strings
  keyed('get', 2, ['readonly', 'fast']),
  keyed('set', -3, ['write', 'denyoom']),
  keyed('setnx', 3, ['write', 'denyoom', 'fast']),
  keyed('setex', 4, ['write', 'denyoom']),
  keyed('psetex', 4, ['write', 'denyoom']),
  keyed('getex', -2, ['write', 'fast']),
  keyed('getdel', 2, ['write', 'fast']),
  keyed('getset', 3, ['write', 'denyoom', 'fast']),
  keyed('append', 3, ['write', 'denyoom', 'fast']),
  keyed('strlen', 2, ['readonly', 'fast']),
  keyed('getrange', 4, ['readonly']),
  keyed('substr', 4, ['readonly']),
  keyed('setrange', 4, ['write', 'denyoom']),
  keyed('incr', 2, ['write', 'denyoom', 'fast']),
  keyed('decr', 2, ['write', 'denyoom', 'fast']),
  keyed('incrby', 3, ['write', 'denyoom', 'fast']),
  keyed('decrby', 3, ['write', 'denyoom', 'fast']),
  keyed('incrbyfloat', 3, ['write', 'denyoom', 'fast']),
  keyed('setbit', 4, ['write', 'denyoom']),
  keyed('getbit', 3, ['readonly', 'fast']),
  spec('mget', -2, ['readonly', 'fast'], 1, -1, 1, (a, cx) => mget(cx.backend, a.slice(1))),
  spec('mset', -3, ['write', 'denyoom'], 1, -1, 2, (a, cx) => (a.length % 2 === 0 ? wrongArity('mset') : mset(cx.backend, a.slice(1)))),
  spec('msetnx', -3, ['write', 'denyoom'], 1, -1, 2, (a, cx) => (a.length % 2 === 0 ? wrongArity('msetnx') : msetnx(cx.backend, a.slice(1)))),
  twoKeys('lcs', -3, ['readonly'], crossLcs),
  // keys and expiry
  ...['del', 'unlink'].map((n) => spec(n, -2, ['write'], 1, -1, 1, (a, cx) => sumOverShards(cx.backend, a[0]!, a.slice(1)))),
  ...['exists', 'touch'].map((n) => spec(n, -2, ['readonly', 'fast'], 1, -1, 1, (a, cx) => sumOverShards(cx.backend, a[0]!, a.slice(1)))),
  keyed('type', 2, ['readonly', 'fast']),
  twoKeys('rename', 3, ['write'], crossRename(false)),
  twoKeys('renamenx', 3, ['write', 'fast'], crossRename(true)),
  twoKeys('copy', -3, ['write', 'denyoom'], crossCopy),
  spec('keys', 2, ['readonly'], 0, 0, 0, async (a, cx) => {
    const replies = await allShards(cx, [b('keys'), a[1]!]);
    const out: Reply[] = [];
    for (const r of replies) {
      if (!Array.isArray(r)) return isErrorReply(r) ? r : UNEXPECTED;
      out.push(...(r as Reply[]));
    }
    return out;
  }),
  spec('scan', -2, ['readonly'], 0, 0, 0, scan),
  spec('randomkey', 1, ['readonly'], 0, 0, 0, async (_a, cx) => {
    const replies = await allShards(cx, [b('randomkey')]);
    const err = replies.find(isErrorReply);
    if (err !== undefined) return err;
    const n = replies.length;
    randomStart = (randomStart + 1) % n;
    for (let i = 0; i < n; i++) {
      const r = replies[(randomStart + i) % n];
      if (r !== null && r !== undefined) return r;
    }
    return null;
  }),
  ...(
    [
      ['expire', -3],
      ['pexpire', -3],
      ['expireat', -3],
      ['pexpireat', -3],
    ] as const
  ).map(([n, ar]) => keyed(n, ar, ['write', 'fast'])),
  ...['ttl', 'pttl', 'expiretime', 'pexpiretime'].map((n) => keyed(n, 2, ['readonly', 'fast'])),
  keyed('persist', 2, ['write', 'fast']),
  spec('memory', -2, ['readonly'], 0, 0, 0, (a, cx) => {
    const sub = a[1]!.toString('latin1').toLowerCase();
    if (sub === 'usage') {
      if (a.length !== 3 && !(a.length === 5 && a[3]!.toString('latin1').toUpperCase() === 'SAMPLES')) return a.length < 3 ? wrongArity('memory|usage') : errorReply('ERR syntax error');
      return cx.backend.forKey(a[2]!, { op: 'cmd', args: [b('memory'), a[1]!, a[2]!] });
    }
    if (sub === 'help') return ['MEMORY <subcommand> [<arg> ...]. Subcommands are:', 'USAGE <key> [SAMPLES <count>]'];
    return errorReply(`ERR unknown subcommand '${a[1]!.toString('latin1').slice(0, 128)}'. Try MEMORY HELP.`);
  }),
  // hashes
  keyed('hset', -4, ['write', 'denyoom', 'fast']),
  keyed('hmset', -4, ['write', 'denyoom', 'fast']),
  keyed('hsetnx', 4, ['write', 'denyoom', 'fast']),
  keyed('hget', 3, ['readonly', 'fast']),
  keyed('hmget', -3, ['readonly', 'fast']),
  keyed('hdel', -3, ['write', 'fast']),
  keyed('hexists', 3, ['readonly', 'fast']),
  keyed('hlen', 2, ['readonly', 'fast']),
  keyed('hstrlen', 3, ['readonly', 'fast']),
  keyed('hgetall', 2, ['readonly']),
  keyed('hkeys', 2, ['readonly']),
  keyed('hvals', 2, ['readonly']),
  keyed('hincrby', 4, ['write', 'denyoom', 'fast']),
  keyed('hincrbyfloat', 4, ['write', 'denyoom', 'fast']),
  keyed('hrandfield', -2, ['readonly']),
  keyed('hscan', -3, ['readonly']),
  // lists, sets, sorted sets (a subset)
  keyed('lpush', -3, ['write', 'denyoom', 'fast']),
  keyed('rpush', -3, ['write', 'denyoom', 'fast']),
  keyed('lpop', -2, ['write', 'fast']),
  keyed('rpop', -2, ['write', 'fast']),
  keyed('llen', 2, ['readonly', 'fast']),
  keyed('lindex', 3, ['readonly']),
  keyed('lrange', 4, ['readonly']),
  keyed('sadd', -3, ['write', 'denyoom', 'fast']),
  keyed('srem', -3, ['write', 'fast']),
  keyed('smembers', 2, ['readonly']),
  keyed('scard', 2, ['readonly', 'fast']),
  keyed('sismember', 3, ['readonly', 'fast']),
  keyed('zadd', -4, ['write', 'denyoom', 'fast']),
  keyed('zcard', 2, ['readonly', 'fast']),
  keyed('zscore', 3, ['readonly', 'fast']),
  keyed('zrange', -4, ['readonly']),
];
