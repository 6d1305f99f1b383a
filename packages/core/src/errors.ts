/**
 * The closed set of failure codes every shn package reports with.
 *
 * - `INVALID_ARGUMENT`: a caller passed a value the API does not accept.
 * - `DECODE_FAILED`: bytes could not be decoded (truncated, corrupt, adversarial).
 * - `ENCODE_FAILED`: a value could not be encoded (too large, unsupported type).
 * - `MAILBOX_FULL` / `MAILBOX_CLOSED`: a mailbox refused an item.
 * - `TIMEOUT`: an operation ran past its timeout.
 * - `DEADLINE_EXCEEDED`: an envelope's absolute deadline passed before it was handled.
 * - `ACTOR_NOT_FOUND`: no actor kind is registered under the requested name.
 * - `ACTOR_FAILED`: the target actor threw while handling a message.
 * - `SHARD_CRASHED`: a shard thread died; in-flight work was lost.
 * - `RUNTIME_CLOSED`: the runtime is shutting down or has stopped.
 * - `RUNTIME_FAILED`: supervision gave up (restart intensity exceeded).
 * - `MESSAGE_LOST`: a message was dropped and the loss is being reported.
 * - `STORE_FAILED`: a Store operation failed.
 * - `SEAL_FAILED`: a Sealer could not seal or open (wrong key, tampered bytes).
 * - `TRANSPORT_FAILED`: a Transport could not send or has closed.
 * - `PROTOCOL_ERROR`: a peer broke a wire protocol.
 * - `UNSUPPORTED`: the operation is not supported by this implementation.
 * - `MESSAGE_TOO_LARGE`: a message or reply is larger than the transport can carry (the limit is in `details`).
 * - `CIRCUIT_OPEN`: a circuit breaker is open for the destination; the call was not made.
 * - `BULKHEAD_FULL`: a bulkhead had no free slot and its queue was full.
 * - `RATE_LIMITED`: a rate limiter refused the request.
 * - `OVERLOADED`: admission control shed the request (the server is overloaded).
 * - `CONCURRENCY_CONFLICT`: an optimistic-concurrency check failed (stale expected version); nothing was written.
 * - `UNAUTHENTICATED`: the caller could not be authenticated (missing, invalid or expired credentials).
 * - `PERMISSION_DENIED`: the authenticated caller is not allowed to do this.
 * - `DATA_CORRUPT`: stored or received bytes failed an integrity check (CRC, MAC, framing).
 * - `UNSUPPORTED_VERSION`: data was written by a newer or unknown format version.
 * - `NOT_LEADER`: a consensus operation reached a node that is not the leader (`details.leader` may name it).
 * - `CANCELLED`: the operation was cancelled by its caller or by shutdown.
 * - `INTERNAL`: a bug in shn; please report it.
 */
export type ShnErrorCode =
  | 'INVALID_ARGUMENT'
  | 'DECODE_FAILED'
  | 'ENCODE_FAILED'
  | 'MAILBOX_FULL'
  | 'MAILBOX_CLOSED'
  | 'TIMEOUT'
  | 'DEADLINE_EXCEEDED'
  | 'ACTOR_NOT_FOUND'
  | 'ACTOR_FAILED'
  | 'SHARD_CRASHED'
  | 'RUNTIME_CLOSED'
  | 'RUNTIME_FAILED'
  | 'MESSAGE_LOST'
  | 'STORE_FAILED'
  | 'SEAL_FAILED'
  | 'TRANSPORT_FAILED'
  | 'PROTOCOL_ERROR'
  | 'UNSUPPORTED'
  | 'MESSAGE_TOO_LARGE'
  | 'CIRCUIT_OPEN'
  | 'BULKHEAD_FULL'
  | 'RATE_LIMITED'
  | 'OVERLOADED'
  | 'CONCURRENCY_CONFLICT'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'DATA_CORRUPT'
  | 'UNSUPPORTED_VERSION'
  | 'NOT_LEADER'
  | 'CANCELLED'
  | 'INTERNAL';

/** Every code in {@link ShnErrorCode}, for validation and exhaustive tests. */
export const SHN_ERROR_CODES: readonly ShnErrorCode[] = Object.freeze([
  'INVALID_ARGUMENT',
  'DECODE_FAILED',
  'ENCODE_FAILED',
  'MAILBOX_FULL',
  'MAILBOX_CLOSED',
  'TIMEOUT',
  'DEADLINE_EXCEEDED',
  'ACTOR_NOT_FOUND',
  'ACTOR_FAILED',
  'SHARD_CRASHED',
  'RUNTIME_CLOSED',
  'RUNTIME_FAILED',
  'MESSAGE_LOST',
  'STORE_FAILED',
  'SEAL_FAILED',
  'TRANSPORT_FAILED',
  'PROTOCOL_ERROR',
  'UNSUPPORTED',
  'MESSAGE_TOO_LARGE',
  'CIRCUIT_OPEN',
  'BULKHEAD_FULL',
  'RATE_LIMITED',
  'OVERLOADED',
  'CONCURRENCY_CONFLICT',
  'UNAUTHENTICATED',
  'PERMISSION_DENIED',
  'DATA_CORRUPT',
  'UNSUPPORTED_VERSION',
  'NOT_LEADER',
  'CANCELLED',
  'INTERNAL',
]);

const BRAND: unique symbol = Symbol.for('@shn/core/ShnError') as never;

/** Options accepted by {@link ShnError}. */
export interface ShnErrorOptions {
  /** The underlying error, kept as the standard `cause`. */
  readonly cause?: unknown;
  /** Structured, JSON-safe detail for logs (never secrets). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * Base class of every error shn throws or rejects with.
 *
 * Check with {@link isShnError} rather than `instanceof`: the brand works across
 * duplicate copies of `@shn/core` and across worker threads (after {@link fromSerializedError}).
 */
export class ShnError extends Error {
  /** The failure class; switch on this, never on the message. */
  readonly code: ShnErrorCode;
  /** Structured detail for logs. */
  readonly details: Readonly<Record<string, unknown>> | undefined;
  readonly [BRAND] = true as const;

  constructor(code: ShnErrorCode, message: string, options: ShnErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ShnError';
    this.code = code;
    this.details = options.details;
  }

  /** A JSON-safe form that {@link fromSerializedError} turns back into a ShnError. */
  toJSON(): SerializedShnError {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      ...(this.details === undefined ? {} : { details: this.details }),
    };
  }
}

/** The JSON-safe shape of a {@link ShnError}, used when errors cross threads or nodes. */
export interface SerializedShnError {
  readonly name: string;
  readonly code: ShnErrorCode;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

/** True if `value` is a {@link ShnError} from any copy of `@shn/core`. */
export function isShnError(value: unknown): value is ShnError {
  return typeof value === 'object' && value !== null && (value as { [BRAND]?: unknown })[BRAND] === true;
}

/** True if `value` is a {@link ShnError} with the given code. */
export function hasCode(value: unknown, code: ShnErrorCode): value is ShnError {
  return isShnError(value) && value.code === code;
}

/** True if `code` is a member of {@link ShnErrorCode}. */
export function isShnErrorCode(code: unknown): code is ShnErrorCode {
  return typeof code === 'string' && (SHN_ERROR_CODES as readonly string[]).includes(code);
}

/**
 * Rebuilds a {@link ShnError} from its serialized form. Unknown codes become `INTERNAL`
 * so a malicious or newer peer cannot inject codes outside the closed union.
 */
export function fromSerializedError(value: unknown): ShnError {
  if (typeof value !== 'object' || value === null) {
    return new ShnError('INTERNAL', `remote error: ${String(value)}`);
  }
  const v = value as Partial<SerializedShnError>;
  const code = isShnErrorCode(v.code) ? v.code : 'INTERNAL';
  const message = typeof v.message === 'string' ? v.message : 'remote error';
  const details = typeof v.details === 'object' && v.details !== null ? v.details : undefined;
  const err = new ShnError(code, message, details === undefined ? {} : { details });
  if (typeof v.name === 'string' && v.name !== 'ShnError') err.name = v.name;
  return err;
}

/** Wraps any thrown value into a {@link ShnError} (returned unchanged if it already is one). */
export function toShnError(value: unknown, code: ShnErrorCode = 'INTERNAL'): ShnError {
  if (isShnError(value)) return value;
  if (value instanceof Error) return new ShnError(code, value.message, { cause: value });
  return new ShnError(code, String(value), { cause: value });
}
