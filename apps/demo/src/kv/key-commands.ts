import { errorReply, OK } from '../resp/reply.js';
import { INT64_MAX, INT64_MIN, parseStrictInt64 } from '../resp/strict-integer.js';
import { globMatch } from './glob-match.js';
import { invalidExpire, KV_ERRORS } from './kv-errors.js';
import { cloneValue, type KvEntry, type KvValue } from './kv-value.js';
import { bytes, k, opt, type ShardCommandContext, type ShardCommandFn } from './shard-command.js';

const NOT_INT = errorReply(KV_ERRORS.notInteger);

/**
 * EXPIRE / PEXPIRE / EXPIREAT / PEXPIREAT with NX, XX, GT, LT, exactly as Redis 7's
 * `expireGenericCommand` (flags first, then the time, overflow checks, then the key).
 */
function expireCommand(name: string, seconds: boolean, absolute: boolean): ShardCommandFn {
  return (a, cx) => {
    let nx = false;
    let xx = false;
    let gt = false;
    let lt = false;
    for (let j = 3; j < a.length; j++) {
      const o = opt(a[j]!);
      if (o === 'NX') nx = true;
      else if (o === 'XX') xx = true;
      else if (o === 'GT') gt = true;
      else if (o === 'LT') lt = true;
      else return errorReply(`ERR Unsupported option ${k(a[j]!)}`);
    }
    if (nx && (xx || gt || lt)) return errorReply('ERR NX and XX, GT or LT options at the same time are not compatible');
    if (gt && lt) return errorReply('ERR GT and LT options at the same time are not compatible');
    let when = parseStrictInt64(a[2]!);
    if (when === undefined) return NOT_INT;
    if (seconds) {
      if (when > INT64_MAX / 1000n || when < INT64_MIN / 1000n) return invalidExpire(name);
      when *= 1000n;
    }
    const base = absolute ? 0n : BigInt(cx.now);
    if (when > INT64_MAX - base) return invalidExpire(name);
    when += base;
    const e = cx.store.entry(k(a[1]!), cx.now);
    if (e === undefined) return 0;
    const current = e.expiresAt;
    if (nx && current !== undefined) return 0;
    if (xx && current === undefined) return 0;
    if (gt && (current === undefined || when <= BigInt(current))) return 0;
    if (lt && current !== undefined && when >= BigInt(current)) return 0;
    if (when <= BigInt(cx.now)) {
      cx.store.delete(e.key);
      return 1;
    }
    cx.store.setExpiry(e, Number(when));
    return 1;
  };
}

function ttlCommand(ms: boolean, absolute: boolean): ShardCommandFn {
  return (a, cx) => {
    const e = cx.store.entry(k(a[1]!), cx.now);
    if (e === undefined) return -2;
    if (e.expiresAt === undefined) return -1;
    if (absolute) return ms ? e.expiresAt : Math.floor(e.expiresAt / 1000);
    const left = Math.max(0, e.expiresAt - cx.now);
    return ms ? left : Math.floor((left + 500) / 1000);
  };
}

/** A value's payload as bulk strings (for `__dump`). */
function payload(v: KvValue): Buffer[] {
  switch (v.type) {
    case 'string':
      return [v.value];
    case 'hash':
      return [...v.value].flatMap(([f, b]) => [bytes(f), b]);
    case 'list':
      return v.value;
    case 'set':
      return [...v.value].map(bytes);
    case 'zset':
      return [...v.value].flatMap(([m, s]) => [bytes(m), Buffer.from(String(s), 'latin1')]);
  }
}

/** Rebuilds a value from `__dump`'s parts; undefined for a malformed dump. */
function fromPayload(type: string, parts: readonly Buffer[]): KvValue | undefined {
  switch (type) {
    case 'string':
      return parts.length === 1 ? { type: 'string', value: Buffer.from(parts[0]!) } : undefined;
    case 'hash': {
      const m = new Map<string, Buffer>();
      for (let i = 0; i + 1 < parts.length; i += 2) m.set(k(parts[i]!), Buffer.from(parts[i + 1]!));
      return { type: 'hash', value: m };
    }
    case 'list':
      return { type: 'list', value: parts.map((p) => Buffer.from(p)) };
    case 'set':
      return { type: 'set', value: new Set(parts.map(k)) };
    case 'zset': {
      const m = new Map<string, number>();
      for (let i = 0; i + 1 < parts.length; i += 2) m.set(k(parts[i]!), Number(k(parts[i + 1]!)));
      return { type: 'zset', value: m };
    }
    default:
      return undefined;
  }
}

/** Moves `src` to `dst` within this shard (RENAME / RENAMENX). */
function rename(nx: boolean): ShardCommandFn {
  return (a, cx) => {
    const src = cx.store.entry(k(a[1]!), cx.now);
    if (src === undefined) return errorReply('ERR no such key');
    const dstKey = k(a[2]!);
    if (src.key === dstKey) return nx ? 0 : OK;
    if (nx && cx.store.entry(dstKey, cx.now) !== undefined) return 0;
    const { value, expiresAt } = src;
    cx.store.delete(src.key);
    cx.store.delete(dstKey);
    cx.store.put(dstKey, value, expiresAt);
    return nx ? 1 : OK;
  };
}

/** COPY's options after the two keys: `[DB 0] [REPLACE]`; returns replace, or an error. */
export function parseCopyOptions(opts: readonly Buffer[]): boolean | { err: string } {
  let replace = false;
  for (let j = 0; j < opts.length; j++) {
    const o = opt(opts[j]!);
    if (o === 'REPLACE') replace = true;
    else if (o === 'DB' && j + 1 < opts.length) {
      const db = parseStrictInt64(opts[++j]!);
      if (db === undefined || db > 2147483647n || db < -2147483648n) return errorReply(KV_ERRORS.notInteger);
      if (db !== 0n) return errorReply(KV_ERRORS.dbIndexOutOfRange);
    } else return errorReply(KV_ERRORS.syntax);
  }
  return replace;
}

const copy: ShardCommandFn = (a, cx) => {
  const replace = parseCopyOptions(a.slice(3));
  if (typeof replace !== 'boolean') return replace;
  if (k(a[1]!) === k(a[2]!)) return errorReply('ERR source and destination objects are the same');
  const src = cx.store.entry(k(a[1]!), cx.now);
  if (src === undefined) return 0;
  if (cx.store.entry(k(a[2]!), cx.now) !== undefined) {
    if (!replace) return 0;
    cx.store.delete(k(a[2]!));
  }
  cx.store.put(k(a[2]!), cloneValue(src.value), src.expiresAt);
  return 1;
};

/** `TYPE`'s names. */
function typeName(e: KvEntry | undefined): string {
  return e === undefined ? 'none' : e.value.type;
}

function countKeys(pred: (key: string, cx: ShardCommandContext) => boolean): ShardCommandFn {
  return (a, cx) => {
    let n = 0;
    for (const key of a.slice(1)) if (pred(k(key), cx)) n++;
    return n;
  };
}

/**
 * `__scan cursor count pattern type`: one SCAN step over this shard (internal; empty pattern or
 * type means none). Replies `[next-cursor, [keys]]`.
 */
const shardScan: ShardCommandFn = (a, cx) => {
  const cursor = Number(k(a[1]!));
  const count = Number(k(a[2]!));
  const pattern = k(a[3]!);
  const type = k(a[4]!).toLowerCase();
  const [next, keys] = cx.store.scan(Number.isSafeInteger(cursor) && cursor >= 0 ? cursor : 0, Number.isSafeInteger(count) && count > 0 ? count : 10, (e) =>
    (pattern === '' || pattern === '*' || globMatch(pattern, e.key)) && (type === '' || e.value.type === type),
  );
  return [next, keys.map(bytes)];
};

/** Shard-local key-space commands by name, including the internal `__` ones the gateway uses across shards. */
export const KEY_SHARD_COMMANDS: Readonly<Record<string, ShardCommandFn>> = {
  del: countKeys((key, cx) => cx.store.delete(key)),
  unlink: countKeys((key, cx) => cx.store.delete(key)),
  exists: countKeys((key, cx) => cx.store.entry(key, cx.now) !== undefined),
  touch: countKeys((key, cx) => cx.store.entry(key, cx.now) !== undefined),
  type: (a, cx) => typeName(cx.store.entry(k(a[1]!), cx.now)),
  expire: expireCommand('expire', true, false),
  pexpire: expireCommand('pexpire', false, false),
  expireat: expireCommand('expireat', true, true),
  pexpireat: expireCommand('pexpireat', false, true),
  ttl: ttlCommand(false, false),
  pttl: ttlCommand(true, false),
  expiretime: ttlCommand(false, true),
  pexpiretime: ttlCommand(true, true),
  persist: (a, cx) => {
    const e = cx.store.entry(k(a[1]!), cx.now);
    if (e === undefined || e.expiresAt === undefined) return 0;
    cx.store.setExpiry(e, undefined);
    return 1;
  },
  rename: rename(false),
  renamenx: rename(true),
  copy,
  keys: (a, cx) => {
    const pattern = k(a[1]!);
    const all = pattern === '*';
    return cx.store.liveEntries().filter((e) => all || globMatch(pattern, e.key)).map((e) => bytes(e.key));
  },
  randomkey: (_a, cx) => {
    const key = cx.store.randomKey(cx.rng);
    return key === undefined ? null : bytes(key);
  },
  dbsize: (_a, cx) => cx.store.size(),
  flushall: (_a, cx) => {
    cx.store.clear();
    return OK;
  },
  __scan: shardScan,
  /** MEMORY USAGE key [SAMPLES n]: an estimate in bytes (key, value and per-entry overhead). */
  memory: (a, cx) => {
    const e = cx.store.entry(k(a[2]!), cx.now);
    if (e === undefined) return null;
    const v = e.value;
    let n = 48 + e.key.length;
    if (v.type === 'string') n += v.value.length;
    else if (v.type === 'list') for (const b of v.value) n += 16 + b.length;
    else if (v.type === 'set') for (const m of v.value) n += 16 + m.length;
    else for (const [f, x] of v.value) n += 32 + f.length + (typeof x === 'number' ? 8 : x.length);
    return n;
  },
  /** `__dump key` → nil, or `[type, expiresAt|-1, ...payload]`. */
  __dump: (a, cx) => {
    const e = cx.store.entry(k(a[1]!), cx.now);
    if (e === undefined) return null;
    return [Buffer.from(e.value.type), e.expiresAt ?? -1, ...payload(e.value)];
  },
  /** `__restore key replace|nx expiresAt|-1 type ...payload` → 1 if stored, 0 if NX found the key. */
  __restore: (a, cx) => {
    const key = k(a[1]!);
    const mode = k(a[2]!);
    const at = Number(k(a[3]!));
    const value = fromPayload(k(a[4]!), a.slice(5));
    if (value === undefined || !Number.isSafeInteger(at)) return errorReply('ERR malformed internal restore');
    if (mode === 'nx' && cx.store.entry(key, cx.now) !== undefined) return 0;
    cx.store.delete(key);
    if (at >= 0 && at <= cx.now) return 1;
    cx.store.put(key, value, at < 0 ? undefined : at);
    return 1;
  },
  /** `__existsany key...` → 1 if any key exists (MSETNX across shards). */
  __existsany: (a, cx) => (a.slice(1).some((key) => cx.store.entry(k(key), cx.now) !== undefined) ? 1 : 0),
};
