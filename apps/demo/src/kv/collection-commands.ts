import { errorReply, type Reply } from '../resp/reply.js';
import { parseStrictInt64 } from '../resp/strict-integer.js';
import { KV_ERRORS } from './kv-errors.js';
import { formatRedisFloat, parseRedisFloat } from './redis-float.js';
import { bytes, isErr, k, opt, typed, type ShardCommandContext, type ShardCommandFn } from './shard-command.js';

/**
 * A small subset of lists, sets and sorted sets: enough for tools and for WRONGTYPE across
 * types. Lists are arrays (O(n) pushes at the head), sorted sets are maps sorted on read.
 */
function container<T extends 'list' | 'set' | 'zset'>(cx: ShardCommandContext, key: Uint8Array, type: T, create: boolean) {
  const e = typed(cx, key, type);
  if (isErr(e)) return e;
  if (e !== undefined) return e.value.value;
  if (!create) return undefined;
  const value = type === 'list' ? [] : type === 'set' ? new Set<string>() : new Map<string, number>();
  cx.store.put(k(key), { type, value } as never, undefined);
  return value;
}

function dropIfEmpty(cx: ShardCommandContext, key: Uint8Array, size: number): void {
  if (size === 0) cx.store.delete(k(key));
}

function range(len: number, a: Buffer, b: Buffer): [number, number] | { err: string } | undefined {
  const s0 = parseStrictInt64(a);
  const e0 = parseStrictInt64(b);
  if (s0 === undefined || e0 === undefined) return errorReply(KV_ERRORS.notInteger);
  let s = Number(s0);
  let e = Number(e0);
  if (s < 0) s += len;
  if (e < 0) e += len;
  if (s < 0) s = 0;
  if (s > e || s >= len) return undefined;
  if (e >= len) e = len - 1;
  return [s, e];
}

function push(left: boolean): ShardCommandFn {
  return (a, cx) => {
    const l = container(cx, a[1]!, 'list', true) as Buffer[] | { err: string };
    if (isErr(l)) return l;
    for (const v of a.slice(2)) {
      if (left) l.unshift(Buffer.from(v));
      else l.push(Buffer.from(v));
    }
    return l.length;
  };
}

function pop(left: boolean): ShardCommandFn {
  return (a, cx) => {
    let count: number | undefined;
    if (a.length > 3) return errorReply(KV_ERRORS.syntax);
    if (a.length === 3) {
      const n = parseStrictInt64(a[2]!);
      if (n === undefined || n < 0n) return errorReply('ERR value is out of range, must be positive');
      count = Number(n);
    }
    const l = container(cx, a[1]!, 'list', false) as Buffer[] | undefined | { err: string };
    if (isErr(l)) return l;
    if (l === undefined) return null;
    const n = count ?? 1;
    const out = left ? l.splice(0, n) : l.splice(Math.max(0, l.length - n), n).reverse();
    dropIfEmpty(cx, a[1]!, l.length);
    return count === undefined ? (out[0] ?? null) : out;
  };
}

function zsorted(z: Map<string, number>): [string, number][] {
  return [...z].sort((x, y) => x[1] - y[1] || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
}

/** Shard-local list, set and sorted-set commands by name. */
export const COLLECTION_SHARD_COMMANDS: Readonly<Record<string, ShardCommandFn>> = {
  lpush: push(true),
  rpush: push(false),
  lpop: pop(true),
  rpop: pop(false),
  llen: (a, cx) => {
    const l = container(cx, a[1]!, 'list', false) as Buffer[] | undefined | { err: string };
    return isErr(l) ? l : (l?.length ?? 0);
  },
  lindex: (a, cx) => {
    const i = parseStrictInt64(a[2]!);
    if (i === undefined) return errorReply(KV_ERRORS.notInteger);
    const l = container(cx, a[1]!, 'list', false) as Buffer[] | undefined | { err: string };
    if (isErr(l) || l === undefined) return l ?? null;
    const n = Number(i < 0n ? BigInt(l.length) + i : i);
    return l[n] ?? null;
  },
  lrange: (a, cx) => {
    const l = container(cx, a[1]!, 'list', false) as Buffer[] | undefined | { err: string };
    if (isErr(l)) return l;
    const r = range(l?.length ?? 0, a[2]!, a[3]!);
    if (r === undefined || l === undefined) return isErr(r) ? r : [];
    if (isErr(r)) return r;
    return l.slice(r[0], r[1] + 1);
  },
  sadd: (a, cx) => {
    const s = container(cx, a[1]!, 'set', true) as Set<string> | { err: string };
    if (isErr(s)) return s;
    let n = 0;
    for (const m of a.slice(2)) {
      if (!s.has(k(m))) n++;
      s.add(k(m));
    }
    return n;
  },
  srem: (a, cx) => {
    const s = container(cx, a[1]!, 'set', false) as Set<string> | undefined | { err: string };
    if (isErr(s) || s === undefined) return s ?? 0;
    let n = 0;
    for (const m of a.slice(2)) if (s.delete(k(m))) n++;
    dropIfEmpty(cx, a[1]!, s.size);
    return n;
  },
  smembers: (a, cx) => {
    const s = container(cx, a[1]!, 'set', false) as Set<string> | undefined | { err: string };
    return isErr(s) ? s : [...(s ?? [])].map(bytes);
  },
  scard: (a, cx) => {
    const s = container(cx, a[1]!, 'set', false) as Set<string> | undefined | { err: string };
    return isErr(s) ? s : (s?.size ?? 0);
  },
  sismember: (a, cx) => {
    const s = container(cx, a[1]!, 'set', false) as Set<string> | undefined | { err: string };
    return isErr(s) ? s : s?.has(k(a[2]!)) === true ? 1 : 0;
  },
  zadd: (a, cx) => {
    if (a.length % 2 === 1) return errorReply(KV_ERRORS.syntax);
    const pairs: [number, string][] = [];
    for (let i = 2; i + 1 < a.length; i += 2) {
      const s = parseRedisFloat(a[i]!);
      if (s === undefined) return errorReply('ERR value is not a valid float');
      pairs.push([s, k(a[i + 1]!)]);
    }
    const z = container(cx, a[1]!, 'zset', true) as Map<string, number> | { err: string };
    if (isErr(z)) return z;
    let n = 0;
    for (const [s, m] of pairs) {
      if (!z.has(m)) n++;
      z.set(m, s);
    }
    return n;
  },
  zcard: (a, cx) => {
    const z = container(cx, a[1]!, 'zset', false) as Map<string, number> | undefined | { err: string };
    return isErr(z) ? z : (z?.size ?? 0);
  },
  zscore: (a, cx) => {
    const z = container(cx, a[1]!, 'zset', false) as Map<string, number> | undefined | { err: string };
    if (isErr(z)) return z;
    const s = z?.get(k(a[2]!));
    return s === undefined ? null : Buffer.from(formatRedisFloat(s), 'latin1');
  },
  zrange: (a, cx) => {
    if (a.length > 5 || (a.length === 5 && opt(a[4]!) !== 'WITHSCORES')) return errorReply(KV_ERRORS.syntax);
    const z = container(cx, a[1]!, 'zset', false) as Map<string, number> | undefined | { err: string };
    if (isErr(z)) return z;
    const sorted = zsorted(z ?? new Map());
    const r = range(sorted.length, a[2]!, a[3]!);
    if (r === undefined) return [];
    if (isErr(r)) return r;
    const out: Reply[] = [];
    for (const [m, s] of sorted.slice(r[0], r[1] + 1)) {
      out.push(bytes(m));
      if (a.length === 5) out.push(Buffer.from(formatRedisFloat(s), 'latin1'));
    }
    return out;
  },
};
