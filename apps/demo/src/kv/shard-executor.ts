import { errorReply, OK, type Reply } from '../resp/reply.js';
import { INT64_MAX, INT64_MIN, parseStrictInt64 } from '../resp/strict-integer.js';
import { invalidExpire, KV_ERRORS } from './kv-errors.js';
import type { KvStore } from './kv-store.js';
import { keyString, type ShardRequest } from './shard-request.js';

/**
 * Applies one {@link ShardRequest} to a shard's store and returns the RESP reply.
 * Pure apart from the store (and its clock); never throws.
 */
export function applyShardRequest(store: KvStore, req: ShardRequest, now: number): Reply {
  switch (req.op) {
    case 'get':
      return store.get(keyString(req.key)) ?? null;
    case 'set':
      return applySet(store, req, now);
    case 'del': {
      let n = 0;
      for (const k of req.keys) if (store.delete(keyString(k))) n++;
      return n;
    }
    case 'exists': {
      let n = 0;
      for (const k of req.keys) if (store.entry(keyString(k)) !== undefined) n++;
      return n;
    }
    case 'incrby':
      return applyIncrBy(store, keyString(req.key), req.by);
    case 'mget':
      return req.keys.map((k) => store.get(keyString(k)) ?? null);
    case 'mset':
      for (let i = 0; i + 1 < req.pairs.length; i += 2) store.set(keyString(req.pairs[i]!), req.pairs[i + 1]!, undefined);
      return OK;
    case 'dbsize':
      return store.size();
    case 'flushall':
      store.clear();
      return OK;
    case 'stats':
      return [store.size(), store.volatileCount()];
    case 'cincr':
    case 'cget':
      return errorReply('ERR CRDT commands need the runtime backend (a per-shard @shn/crdt replica)');
  }
}

function applySet(store: KvStore, req: Extract<ShardRequest, { op: 'set' }>, now: number): Reply {
  let expiresAt: number | undefined;
  if (req.pxIn !== undefined || req.pxAt !== undefined) {
    const at = req.pxAt ?? BigInt(now) + req.pxIn!;
    // Redis rejects an absolute time that overflows a signed 64-bit integer.
    if (at <= 0n || at > INT64_MAX) return invalidExpire('set');
    expiresAt = Number(at);
  }
  const key = keyString(req.key);
  const old = store.get(key);
  if ((req.cond === 'nx' && old !== undefined) || (req.cond === 'xx' && old === undefined)) {
    return req.get ? (old ?? null) : null;
  }
  store.set(key, req.value, expiresAt, req.keepTtl === true);
  return req.get ? (old ?? null) : OK;
}

function applyIncrBy(store: KvStore, key: string, by: bigint): Reply {
  const old = store.get(key);
  let current = 0n;
  if (old !== undefined) {
    const parsed = parseStrictInt64(old);
    if (parsed === undefined) return errorReply(KV_ERRORS.notInteger);
    current = parsed;
  }
  const next = current + by;
  if (next > INT64_MAX || next < INT64_MIN) return errorReply(KV_ERRORS.overflow);
  store.set(key, Buffer.from(next.toString(), 'latin1'), undefined, true);
  const asNumber = Number(next);
  return Number.isSafeInteger(asNumber) ? asNumber : next;
}
