import { errorReply, OK, type Reply } from '../resp/reply.js';
import { INT64_MAX, INT64_MIN, parseStrictInt64 } from '../resp/strict-integer.js';
import { globMatch } from './glob-match.js';
import { KV_ERRORS, wrongArity } from './kv-errors.js';
import { formatRedisFloat, parseRedisFloat } from './redis-float.js';
import { bytes, isErr, k, opt, typed, type ShardCommandContext, type ShardCommandFn } from './shard-command.js';

type HashResult = Map<string, Buffer> | undefined | { err: string };

function hash(cx: ShardCommandContext, key: Uint8Array): HashResult {
  const e = typed(cx, key, 'hash');
  if (e === undefined || isErr(e)) return e;
  return e.value.value as Map<string, Buffer>;
}

/** The hash at `key`, created when missing. */
function hashForWrite(cx: ShardCommandContext, key: Uint8Array): Map<string, Buffer> | { err: string } {
  const h = hash(cx, key);
  if (h !== undefined) return h;
  const value = new Map<string, Buffer>();
  cx.store.put(k(key), { type: 'hash', value }, undefined);
  return value;
}

/** Redis deletes a hash whose last field went. */
function dropIfEmpty(cx: ShardCommandContext, key: Uint8Array, h: Map<string, Buffer>): void {
  if (h.size === 0) cx.store.delete(k(key));
}

function hsetPairs(name: string, reply: (added: number) => Reply): ShardCommandFn {
  return (a, cx) => {
    if (a.length % 2 === 1) return wrongArity(name);
    const h = hashForWrite(cx, a[1]!);
    if (isErr(h)) return h;
    let added = 0;
    for (let i = 2; i + 1 < a.length; i += 2) {
      const f = k(a[i]!);
      if (!h.has(f)) added++;
      h.set(f, Buffer.from(a[i + 1]!));
    }
    return reply(added);
  };
}

const hincrby: ShardCommandFn = (a, cx) => {
  const by = parseStrictInt64(a[3]!);
  if (by === undefined) return errorReply(KV_ERRORS.notInteger);
  const h = hashForWrite(cx, a[1]!);
  if (isErr(h)) return h;
  const f = k(a[2]!);
  const old = h.get(f);
  let current = 0n;
  if (old !== undefined) {
    const p = parseStrictInt64(old);
    if (p === undefined) {
      dropIfEmpty(cx, a[1]!, h);
      return errorReply('ERR hash value is not an integer');
    }
    current = p;
  }
  const next = current + by;
  if (next > INT64_MAX || next < INT64_MIN) {
    dropIfEmpty(cx, a[1]!, h);
    return errorReply(KV_ERRORS.overflow);
  }
  h.set(f, Buffer.from(next.toString(), 'latin1'));
  const n = Number(next);
  return Number.isSafeInteger(n) ? n : next;
};

const hincrbyfloat: ShardCommandFn = (a, cx) => {
  const by = parseRedisFloat(a[3]!);
  if (by === undefined) return errorReply('ERR value is not a valid float');
  if (!Number.isFinite(by)) return errorReply('ERR value is NaN or Infinity');
  const h = hashForWrite(cx, a[1]!);
  if (isErr(h)) return h;
  const f = k(a[2]!);
  const old = h.get(f);
  let current = 0;
  if (old !== undefined) {
    const p = parseRedisFloat(old);
    if (p === undefined) {
      dropIfEmpty(cx, a[1]!, h);
      return errorReply('ERR hash value is not a float');
    }
    current = p;
  }
  const next = current + by;
  if (!Number.isFinite(next)) {
    dropIfEmpty(cx, a[1]!, h);
    return errorReply('ERR increment would produce NaN or Infinity');
  }
  const text = Buffer.from(formatRedisFloat(next), 'latin1');
  h.set(f, text);
  return text;
};

const hrandfield: ShardCommandFn = (a, cx) => {
  if (a.length > 4 || (a.length === 4 && opt(a[3]!) !== 'WITHVALUES')) return errorReply(KV_ERRORS.syntax);
  const withValues = a.length === 4;
  let count: bigint | undefined;
  if (a.length >= 3) {
    count = parseStrictInt64(a[2]!);
    if (count === undefined) return errorReply(KV_ERRORS.notInteger);
    if (count < -INT64_MAX || (withValues && count < -(INT64_MAX / 2n))) return errorReply('ERR value is out of range');
  }
  const h = hash(cx, a[1]!);
  if (isErr(h)) return h;
  if (count === undefined) {
    if (h === undefined) return null;
    const fields = [...h.keys()];
    return bytes(fields[cx.rng.int(fields.length)]!);
  }
  if (h === undefined || count === 0n) return [];
  const entries = [...h];
  const out: Reply[] = [];
  const push = (i: number): void => {
    out.push(bytes(entries[i]![0]));
    if (withValues) out.push(entries[i]![1]);
  };
  if (count < 0n) {
    const n = Number(-count);
    for (let i = 0; i < n; i++) push(cx.rng.int(entries.length));
    return out;
  }
  if (count >= BigInt(entries.length)) {
    for (let i = 0; i < entries.length; i++) push(i);
    return out;
  }
  // Distinct fields: a partial Fisher-Yates shuffle of the indices.
  const idx = entries.map((_, i) => i);
  const n = Number(count);
  for (let i = 0; i < n; i++) {
    const j = i + cx.rng.int(idx.length - i);
    [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    push(idx[i]!);
  }
  return out;
};

/** Parses SCAN-style options (`MATCH p`, `COUNT n`, and for SCAN `TYPE t`) starting at `from`. */
export function parseScanOptions(a: readonly Buffer[], from: number, allowType: boolean): { pattern: string; count: number; type: string; novalues: boolean } | { err: string } {
  let pattern = '';
  let count = 10;
  let type = '';
  let novalues = false;
  for (let j = from; j < a.length; j++) {
    const o = opt(a[j]!);
    const more = j + 1 < a.length;
    if (o === 'MATCH' && more) pattern = k(a[++j]!);
    else if (o === 'COUNT' && more) {
      const n = parseStrictInt64(a[++j]!);
      if (n === undefined) return errorReply(KV_ERRORS.notInteger);
      if (n < 1n) return errorReply(KV_ERRORS.syntax);
      count = n > 1_000_000n ? 1_000_000 : Number(n);
    } else if (o === 'TYPE' && more && allowType) type = k(a[++j]!);
    else if (o === 'NOVALUES' && !allowType) novalues = true;
    else return errorReply(KV_ERRORS.syntax);
  }
  return { pattern, count, type, novalues };
}

/** Parses a SCAN cursor: an unsigned 64-bit decimal. */
export function parseCursor(b: Buffer): bigint | undefined {
  const s = k(b);
  if (!/^\d{1,20}$/.test(s)) return undefined;
  const n = BigInt(s);
  return n < 2n ** 64n ? n : undefined;
}

const hscan: ShardCommandFn = (a, cx) => {
  const cursor = parseCursor(a[2]!);
  if (cursor === undefined) return errorReply('ERR invalid cursor');
  const o = parseScanOptions(a, 3, false);
  if ('err' in o) return o;
  const h = hash(cx, a[1]!);
  if (isErr(h)) return h;
  if (h === undefined) return [Buffer.from('0'), []];
  // Insertion order is the cursor: stable while nothing writes the hash.
  const entries = [...h];
  const start = Number(cursor);
  const end = Math.min(entries.length, start + o.count);
  const out: Buffer[] = [];
  for (let i = start; i < end; i++) {
    const [f, v] = entries[i]!;
    if (o.pattern !== '' && !globMatch(o.pattern, f)) continue;
    out.push(bytes(f));
    if (!o.novalues) out.push(v);
  }
  return [Buffer.from(String(end >= entries.length ? 0 : end)), out];
};

/** Shard-local hash commands by name. */
export const HASH_SHARD_COMMANDS: Readonly<Record<string, ShardCommandFn>> = {
  hset: hsetPairs('hset', (n) => n),
  hmset: hsetPairs('hmset', () => OK),
  hsetnx: (a, cx) => {
    const h = hashForWrite(cx, a[1]!);
    if (isErr(h)) return h;
    if (h.has(k(a[2]!))) return 0;
    h.set(k(a[2]!), Buffer.from(a[3]!));
    return 1;
  },
  hget: (a, cx) => {
    const h = hash(cx, a[1]!);
    return isErr(h) ? h : (h?.get(k(a[2]!)) ?? null);
  },
  hmget: (a, cx) => {
    const h = hash(cx, a[1]!);
    return isErr(h) ? h : a.slice(2).map((f) => h?.get(k(f)) ?? null);
  },
  hdel: (a, cx) => {
    const h = hash(cx, a[1]!);
    if (isErr(h) || h === undefined) return h ?? 0;
    let n = 0;
    for (const f of a.slice(2)) if (h.delete(k(f))) n++;
    dropIfEmpty(cx, a[1]!, h);
    return n;
  },
  hexists: (a, cx) => {
    const h = hash(cx, a[1]!);
    return isErr(h) ? h : h?.has(k(a[2]!)) === true ? 1 : 0;
  },
  hlen: (a, cx) => {
    const h = hash(cx, a[1]!);
    return isErr(h) ? h : (h?.size ?? 0);
  },
  hstrlen: (a, cx) => {
    const h = hash(cx, a[1]!);
    return isErr(h) ? h : (h?.get(k(a[2]!))?.length ?? 0);
  },
  hgetall: (a, cx) => {
    const h = hash(cx, a[1]!);
    return isErr(h) ? h : [...(h ?? [])].flatMap(([f, v]) => [bytes(f), v]);
  },
  hkeys: (a, cx) => {
    const h = hash(cx, a[1]!);
    return isErr(h) ? h : [...(h?.keys() ?? [])].map(bytes);
  },
  hvals: (a, cx) => {
    const h = hash(cx, a[1]!);
    return isErr(h) ? h : [...(h?.values() ?? [])];
  },
  hincrby,
  hincrbyfloat,
  hrandfield,
  hscan,
};
