/**
 * Protocol limits, identical to Redis 7's defaults.
 */
export interface RespLimits {
  /** Largest bulk string accepted, in bytes (Redis `proto-max-bulk-len`, 512 MiB). */
  readonly maxBulkLength: number;
  /** Largest multibulk (argument count) accepted (Redis: `INT_MAX`). */
  readonly maxMultibulkLength: number;
  /** Largest inline command line and largest `*`/`$` header line, in bytes (Redis `PROTO_INLINE_MAX_SIZE`, 64 KiB). */
  readonly maxInlineLength: number;
}

/** Redis 7's limits: 512 MiB bulks, 2^31-1 arguments, 64 KiB inline lines. */
export const REDIS_LIMITS: RespLimits = Object.freeze({
  maxBulkLength: 512 * 1024 * 1024,
  maxMultibulkLength: 2 ** 31 - 1,
  maxInlineLength: 64 * 1024,
});
