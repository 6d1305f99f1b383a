/**
 * The messages the main thread sends to a shard's `kv` actor. The envelope `type` equals
 * `op`; the body is the whole request. Every field is codec-friendly (Buffer, bigint,
 * string, boolean), so requests cross threads unchanged.
 */
export type ShardRequest =
  /** A whole Redis command (name first) run by the shard's command table (see shard-executor). */
  | {
      readonly op: 'cmd';
      readonly args: readonly Buffer[];
      /** Arguments sent ahead as `stage` pieces: triples of (argument index, stage id, byte length). */
      readonly staged?: readonly number[];
    }
  /** A piece of a large argument, sent before the command that uses it (see oversize.ts). */
  | { readonly op: 'stage'; readonly id: number; readonly part: Buffer }
  /** A piece of a held reply (see oversize.ts). */
  | { readonly op: 'fetch'; readonly id: number; readonly offset: number; readonly length: number }
  | { readonly op: 'get'; readonly key: Buffer }
  | {
      readonly op: 'set';
      readonly key: Buffer;
      readonly value: Buffer;
      /** Only set if the key does not exist (`nx`) / does exist (`xx`). */
      readonly cond?: 'nx' | 'xx';
      /** Reply with the old value instead of `OK` (`SET ... GET`). */
      readonly get?: boolean;
      readonly keepTtl?: boolean;
      /** Expiry relative to the shard's clock, ms (> 0). */
      readonly pxIn?: bigint;
      /** Absolute expiry, epoch ms (> 0). */
      readonly pxAt?: bigint;
    }
  | { readonly op: 'del'; readonly keys: readonly Buffer[] }
  | { readonly op: 'exists'; readonly keys: readonly Buffer[] }
  | { readonly op: 'incrby'; readonly key: Buffer; readonly by: bigint }
  /** CRDT PN-counter add / read (handled by the shard's `@shn/crdt` replica, see src/crdt). */
  | { readonly op: 'cincr'; readonly key: Buffer; readonly by: bigint }
  | { readonly op: 'cget'; readonly key: Buffer }
  | { readonly op: 'mget'; readonly keys: readonly Buffer[] }
  /** Alternating key, value. */
  | { readonly op: 'mset'; readonly pairs: readonly Buffer[] }
  | { readonly op: 'dbsize' }
  | { readonly op: 'flushall' }
  /** Replies `[keys, keysWithTtl]`. */
  | { readonly op: 'stats' };

/** The request names, for validation. */
export const SHARD_OPS: ReadonlySet<string> = new Set(['cmd', 'stage', 'fetch', 'get', 'set', 'del', 'exists', 'incrby', 'mget', 'mset', 'dbsize', 'flushall', 'stats', 'cincr', 'cget']);

/**
 * Checks that an untrusted message body is a well-formed {@link ShardRequest}.
 * Returns it typed, or `undefined` when malformed (never throws).
 */
export function asShardRequest(body: unknown): ShardRequest | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as Record<string, unknown>;
  if (typeof b['op'] !== 'string' || !SHARD_OPS.has(b['op'])) return undefined;
  const isBytes = (v: unknown): boolean => v instanceof Uint8Array;
  const isBytesList = (v: unknown): boolean => Array.isArray(v) && v.every(isBytes);
  const isOptBigint = (v: unknown): boolean => v === undefined || typeof v === 'bigint';
  switch (b['op']) {
    case 'get':
      return isBytes(b['key']) ? (b as unknown as ShardRequest) : undefined;
    case 'set':
      return isBytes(b['key']) &&
        isBytes(b['value']) &&
        (b['cond'] === undefined || b['cond'] === 'nx' || b['cond'] === 'xx') &&
        isOptBigint(b['pxIn']) &&
        isOptBigint(b['pxAt'])
        ? (b as unknown as ShardRequest)
        : undefined;
    case 'cmd':
      return isBytesList(b['args']) &&
        (b['args'] as unknown[]).length > 0 &&
        (b['staged'] === undefined || (Array.isArray(b['staged']) && b['staged'].every((n) => Number.isSafeInteger(n))))
        ? (b as unknown as ShardRequest)
        : undefined;
    case 'stage':
      return Number.isSafeInteger(b['id']) && isBytes(b['part']) ? (b as unknown as ShardRequest) : undefined;
    case 'fetch':
      return Number.isSafeInteger(b['id']) && Number.isSafeInteger(b['offset']) && Number.isSafeInteger(b['length']) ? (b as unknown as ShardRequest) : undefined;
    case 'del':
    case 'exists':
    case 'mget':
      return isBytesList(b['keys']) ? (b as unknown as ShardRequest) : undefined;
    case 'mset':
      return isBytesList(b['pairs']) && (b['pairs'] as unknown[]).length % 2 === 0 ? (b as unknown as ShardRequest) : undefined;
    case 'cget':
      return isBytes(b['key']) ? (b as unknown as ShardRequest) : undefined;
    case 'incrby':
    case 'cincr':
      return isBytes(b['key']) && typeof b['by'] === 'bigint' ? (b as unknown as ShardRequest) : undefined;
    default:
      return b as unknown as ShardRequest;
  }
}

/** A key's bytes as the binary-safe (latin1, 1:1) string used for map keys and actor ids. */
export function keyString(key: Uint8Array): string {
  return Buffer.from(key.buffer, key.byteOffset, key.length).toString('latin1');
}
