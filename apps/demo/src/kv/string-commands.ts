import { errorReply, OK, type Reply } from '../resp/reply.js';
import { INT64_MAX, INT64_MIN, parseStrictInt64 } from '../resp/strict-integer.js';
import { invalidExpire, KV_ERRORS } from './kv-errors.js';
import { formatRedisFloat, parseRedisFloat } from './redis-float.js';
import { parseSetCommand } from './set-options.js';
import { isErr, k, opt, typed, WRONGTYPE, type ShardCommandContext, type ShardCommandFn } from './shard-command.js';

/** Redis's largest string (proto-max-bulk-len), bytes. */
export const MAX_STRING = 512 * 1024 * 1024;
const TOO_BIG = errorReply('ERR string exceeds maximum allowed size (proto-max-bulk-len)');
const NOT_INT = errorReply(KV_ERRORS.notInteger);

function str(cx: ShardCommandContext, key: Uint8Array): Buffer | undefined | ReturnType<typeof errorReply> {
  const e = typed(cx, key, 'string');
  if (e === undefined || isErr(e)) return e;
  return (e.value as { value: Buffer }).value;
}

/** Expiry option parsing shared by SET-like commands: ms (relative or absolute) to epoch ms. */
function toAbsolute(cx: ShardCommandContext, pxIn: bigint | undefined, pxAt: bigint | undefined, name: string): number | undefined | ReturnType<typeof errorReply> {
  if (pxIn === undefined && pxAt === undefined) return undefined;
  const at = pxAt ?? BigInt(cx.now) + pxIn!;
  if (at <= 0n || at > INT64_MAX) return invalidExpire(name);
  return Number(at);
}

const set: ShardCommandFn = (a, cx) => {
  const req = parseSetCommand(a);
  if ('err' in req) return req;
  const at = toAbsolute(cx, req.pxIn, req.pxAt, 'set');
  if (isErr(at)) return at;
  const key = k(req.key);
  const e = cx.store.entry(key, cx.now);
  let old: Buffer | null = null;
  if (req.get === true && e !== undefined) {
    if (e.value.type !== 'string') return WRONGTYPE;
    old = e.value.value;
  }
  if ((req.cond === 'nx' && e !== undefined) || (req.cond === 'xx' && e === undefined)) return req.get === true ? old : null;
  cx.store.set(key, req.value, at, req.keepTtl === true);
  return req.get === true ? old : OK;
};

function setWithTime(name: string, seconds: boolean): ShardCommandFn {
  return (a, cx) => {
    const n = parseStrictInt64(a[2]!);
    if (n === undefined) return NOT_INT;
    if (n <= 0n || (seconds && n > INT64_MAX / 1000n)) return invalidExpire(name);
    const at = BigInt(cx.now) + (seconds ? n * 1000n : n);
    if (at > INT64_MAX) return invalidExpire(name);
    cx.store.set(k(a[1]!), a[3]!, Number(at));
    return OK;
  };
}

const getex: ShardCommandFn = (a, cx) => {
  let persist = false;
  let unit: string | undefined;
  let amount: Buffer | undefined;
  for (let j = 2; j < a.length; j++) {
    const o = opt(a[j]!);
    if (o === 'PERSIST' && unit === undefined) persist = true;
    else if ((o === 'EX' || o === 'PX' || o === 'EXAT' || o === 'PXAT') && !persist && (unit === undefined || unit === o) && j + 1 < a.length) {
      unit = o;
      amount = a[++j]!;
    } else return errorReply(KV_ERRORS.syntax);
  }
  let at: number | undefined;
  if (unit !== undefined) {
    const n = parseStrictInt64(amount!);
    if (n === undefined) return NOT_INT;
    const seconds = unit === 'EX' || unit === 'EXAT';
    if (n <= 0n || (seconds && n > INT64_MAX / 1000n)) return invalidExpire('getex');
    const ms = seconds ? n * 1000n : n;
    const abs = unit === 'EX' || unit === 'PX' ? BigInt(cx.now) + ms : ms;
    if (abs > INT64_MAX) return invalidExpire('getex');
    at = Number(abs);
  }
  const e = typed(cx, a[1]!, 'string');
  if (e === undefined || isErr(e)) return e ?? null;
  const value = (e.value as { value: Buffer }).value;
  if (unit !== undefined) {
    if (at! <= cx.now) cx.store.delete(e.key);
    else cx.store.setExpiry(e, at);
  } else if (persist) cx.store.setExpiry(e, undefined);
  return value;
};

function incrBy(cx: ShardCommandContext, key: Uint8Array, by: bigint): Reply {
  const e = typed(cx, key, 'string');
  if (isErr(e)) return e;
  let current = 0n;
  if (e !== undefined) {
    const parsed = parseStrictInt64((e.value as { value: Buffer }).value);
    if (parsed === undefined) return NOT_INT;
    current = parsed;
  }
  const next = current + by;
  if (next > INT64_MAX || next < INT64_MIN) return errorReply(KV_ERRORS.overflow);
  cx.store.set(k(key), Buffer.from(next.toString(), 'latin1'), undefined, true);
  const asNumber = Number(next);
  return Number.isSafeInteger(asNumber) ? asNumber : next;
}

function incrByArg(decrement: boolean): ShardCommandFn {
  return (a, cx) => {
    const n = parseStrictInt64(a[2]!);
    if (n === undefined) return NOT_INT;
    if (decrement && n === INT64_MIN) return errorReply(KV_ERRORS.decrementOverflow);
    return incrBy(cx, a[1]!, decrement ? -n : n);
  };
}

/** INCRBYFLOAT's arithmetic on a stored value; also used by HINCRBYFLOAT through its own errors. */
const incrbyfloat: ShardCommandFn = (a, cx) => {
  const e = typed(cx, a[1]!, 'string');
  if (isErr(e)) return e;
  let current = 0;
  if (e !== undefined) {
    const parsed = parseRedisFloat((e.value as { value: Buffer }).value);
    if (parsed === undefined) return errorReply('ERR value is not a valid float');
    current = parsed;
  }
  const by = parseRedisFloat(a[2]!);
  if (by === undefined) return errorReply('ERR value is not a valid float');
  const next = current + by;
  if (!Number.isFinite(next)) return errorReply('ERR increment would produce NaN or Infinity');
  const text = Buffer.from(formatRedisFloat(next), 'latin1');
  cx.store.set(k(a[1]!), text, undefined, true);
  return text;
};

function getrange(a: readonly Buffer[], cx: ShardCommandContext): Reply {
  const s0 = parseStrictInt64(a[2]!);
  const e0 = parseStrictInt64(a[3]!);
  if (s0 === undefined || e0 === undefined) return NOT_INT;
  const v = str(cx, a[1]!);
  if (isErr(v)) return v;
  const value = v ?? Buffer.alloc(0);
  const len = BigInt(value.length);
  let start = s0;
  let end = e0;
  if (start < 0n && end < 0n && start > end) return Buffer.alloc(0);
  if (start < 0n) start += len;
  if (end < 0n) end += len;
  if (start < 0n) start = 0n;
  if (end < 0n) end = 0n;
  if (end >= len) end = len - 1n;
  if (start > end || len === 0n) return Buffer.alloc(0);
  return Buffer.from(value.subarray(Number(start), Number(end) + 1));
}

const setrange: ShardCommandFn = (a, cx) => {
  const off = parseStrictInt64(a[2]!);
  if (off === undefined) return NOT_INT;
  if (off < 0n) return errorReply('ERR offset is out of range');
  const add = a[3]!;
  const e = typed(cx, a[1]!, 'string');
  if (isErr(e)) return e;
  const old = e === undefined ? Buffer.alloc(0) : (e.value as { value: Buffer }).value;
  if (add.length === 0) return old.length;
  if (off + BigInt(add.length) > BigInt(MAX_STRING)) return TOO_BIG;
  const o = Number(off);
  const size = Math.max(old.length, o + add.length);
  const next = size === old.length && e !== undefined ? old : Buffer.alloc(size);
  if (next !== old) old.copy(next);
  add.copy(next, o);
  if (e === undefined) cx.store.put(k(a[1]!), { type: 'string', value: next }, undefined);
  else (e.value as { value: Buffer }).value = next;
  return size;
};

const append: ShardCommandFn = (a, cx) => {
  const e = typed(cx, a[1]!, 'string');
  if (isErr(e)) return e;
  if (e === undefined) {
    cx.store.set(k(a[1]!), a[2]!, undefined);
    return a[2]!.length;
  }
  const old = (e.value as { value: Buffer }).value;
  if (old.length + a[2]!.length > MAX_STRING) return TOO_BIG;
  const next = Buffer.concat([old, a[2]!]);
  (e.value as { value: Buffer }).value = next;
  return next.length;
};

const setbit: ShardCommandFn = (a, cx) => {
  const off = parseStrictInt64(a[2]!);
  if (off === undefined || off < 0n || off >= 4n * 1024n * 1024n * 1024n) return errorReply('ERR bit offset is not an integer or out of range');
  const bitArg = k(a[3]!);
  if (bitArg !== '0' && bitArg !== '1') return errorReply('ERR bit is not an integer or out of range');
  const e = typed(cx, a[1]!, 'string');
  if (isErr(e)) return e;
  const byte = Number(off >> 3n);
  let value = e === undefined ? Buffer.alloc(0) : (e.value as { value: Buffer }).value;
  if (value.length <= byte) {
    const grown = Buffer.alloc(byte + 1);
    value.copy(grown);
    value = grown;
  }
  const mask = 1 << (7 - Number(off & 7n));
  const old = (value[byte]! & mask) !== 0 ? 1 : 0;
  value[byte] = bitArg === '1' ? value[byte]! | mask : value[byte]! & ~mask;
  if (e === undefined) cx.store.put(k(a[1]!), { type: 'string', value }, undefined);
  else (e.value as { value: Buffer }).value = value;
  return old;
};

const getbit: ShardCommandFn = (a, cx) => {
  const off = parseStrictInt64(a[2]!);
  if (off === undefined || off < 0n || off >= 4n * 1024n * 1024n * 1024n) return errorReply('ERR bit offset is not an integer or out of range');
  const v = str(cx, a[1]!);
  if (isErr(v)) return v;
  const byte = Number(off >> 3n);
  if (v === undefined || byte >= v.length) return 0;
  return (v[byte]! & (1 << (7 - Number(off & 7n)))) !== 0 ? 1 : 0;
};

/** LCS on two byte strings, with Redis's options (LEN, IDX, MINMATCHLEN, WITHMATCHLEN). */
export function lcsReply(a: Buffer, b: Buffer, options: readonly Buffer[]): Reply {
  let getLen = false;
  let getIdx = false;
  let withMatchLen = false;
  let minMatchLen = 0n;
  for (let j = 0; j < options.length; j++) {
    const o = opt(options[j]!);
    if (o === 'IDX') getIdx = true;
    else if (o === 'LEN') getLen = true;
    else if (o === 'WITHMATCHLEN') withMatchLen = true;
    else if (o === 'MINMATCHLEN' && j + 1 < options.length) {
      const n = parseStrictInt64(options[++j]!);
      if (n === undefined) return NOT_INT;
      minMatchLen = n < 0n ? 0n : n;
    } else return errorReply(KV_ERRORS.syntax);
  }
  if (getLen && getIdx) return errorReply('ERR If you want both the length and indexes, please just use IDX.');
  const alen = a.length;
  const blen = b.length;
  if ((alen + 1) * (blen + 1) > 2 ** 28) return errorReply('ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len');
  const w = blen + 1;
  const dp = new Uint32Array((alen + 1) * w);
  for (let i = 1; i <= alen; i++) {
    for (let j = 1; j <= blen; j++) {
      dp[i * w + j] = a[i - 1] === b[j - 1] ? dp[(i - 1) * w + j - 1]! + 1 : Math.max(dp[(i - 1) * w + j]!, dp[i * w + j - 1]!);
    }
  }
  const idx = dp[alen * w + blen]!;
  if (getLen) return idx;
  const result = Buffer.alloc(idx);
  const matches: Reply[] = [];
  let i = alen;
  let j = blen;
  let pos = idx;
  let arange = [-1, -1];
  let brange = [-1, -1];
  let inRange = false;
  const emit = (): void => {
    const len = arange[1]! - arange[0]! + 1;
    if (BigInt(len) >= minMatchLen) {
      const m: Reply[] = [[arange[0]!, arange[1]!], [brange[0]!, brange[1]!]];
      if (withMatchLen) m.push(len);
      matches.push(m);
    }
  };
  while (i > 0 && j > 0) {
    let emitRange = false;
    if (a[i - 1] === b[j - 1]) {
      result[--pos] = a[i - 1]!;
      if (!inRange) {
        arange = [i - 1, i - 1];
        brange = [j - 1, j - 1];
        inRange = true;
      } else if (arange[0] === i && brange[0] === j) {
        arange[0] = i - 1;
        brange[0] = j - 1;
      } else {
        emitRange = true;
      }
      if (arange[0] === 0 || brange[0] === 0) emitRange = true;
      i--;
      j--;
    } else {
      const lcs1 = dp[(i - 1) * w + j]!;
      const lcs2 = dp[i * w + j - 1]!;
      if (lcs1 > lcs2) i--;
      else j--;
      if (inRange) emitRange = true;
    }
    if (emitRange) {
      if (getIdx) emit();
      inRange = false; // Redis restarts at the next match (the breaking character is not re-used).
    }
  }
  if (getIdx) return [Buffer.from('matches'), matches, Buffer.from('len'), idx];
  return result;
}

const lcs: ShardCommandFn = (a, cx) => {
  const x = str(cx, a[1]!);
  const y = str(cx, a[2]!);
  if (isErr(x) || isErr(y)) return errorReply('ERR The specified keys must contain string values');
  return lcsReply(x ?? Buffer.alloc(0), y ?? Buffer.alloc(0), a.slice(3));
};

/** Shard-local string commands by name. */
export const STRING_SHARD_COMMANDS: Readonly<Record<string, ShardCommandFn>> = {
  get: (a, cx) => str(cx, a[1]!) ?? null,
  set,
  setnx: (a, cx) => {
    if (cx.store.entry(k(a[1]!), cx.now) !== undefined) return 0;
    cx.store.set(k(a[1]!), a[2]!, undefined);
    return 1;
  },
  setex: setWithTime('setex', true),
  psetex: setWithTime('psetex', false),
  getex,
  getdel: (a, cx) => {
    const v = str(cx, a[1]!);
    if (v === undefined || isErr(v)) return v ?? null;
    cx.store.delete(k(a[1]!));
    return v;
  },
  getset: (a, cx) => {
    const v = str(cx, a[1]!);
    if (isErr(v)) return v;
    cx.store.set(k(a[1]!), a[2]!, undefined);
    return v ?? null;
  },
  append,
  strlen: (a, cx) => {
    const v = str(cx, a[1]!);
    return isErr(v) ? v : (v?.length ?? 0);
  },
  getrange,
  substr: getrange,
  setrange,
  incr: (a, cx) => incrBy(cx, a[1]!, 1n),
  decr: (a, cx) => incrBy(cx, a[1]!, -1n),
  incrby: incrByArg(false),
  decrby: incrByArg(true),
  incrbyfloat,
  setbit,
  getbit,
  lcs,
  mget: (a, cx) =>
    a.slice(1).map((key) => {
      const v = str(cx, key);
      return v === undefined || isErr(v) ? null : v;
    }),
  mset: (a, cx) => {
    for (let i = 1; i + 1 < a.length; i += 2) cx.store.set(k(a[i]!), a[i + 1]!, undefined);
    return OK;
  },
  msetnx: (a, cx) => {
    for (let i = 1; i + 1 < a.length; i += 2) if (cx.store.entry(k(a[i]!), cx.now) !== undefined) return 0;
    for (let i = 1; i + 1 < a.length; i += 2) cx.store.set(k(a[i]!), a[i + 1]!, undefined);
    return 1;
  },
};
