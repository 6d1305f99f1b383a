/**
 * What every resilience policy sees of one call, and the interface policies share so they compose.
 */

/** What a policy knows about the call it guards. Immutable: a policy that changes it passes a copy on. */
export interface CallContext {
  /** The destination label: the breaker / bulkhead key, and what errors name (e.g. `shard:1`). */
  readonly destination: string;
  /** Absolute deadline, epoch ms (from the Clock's `now()`), or undefined for none. */
  readonly deadline: number | undefined;
  /** Whether the call is safe to repeat (idempotent); retries happen only when true. */
  readonly retryable: boolean;
  /** 0 for the first attempt, 1 for the first retry, and so on. */
  readonly attempt: number;
}

/** The rest of the chain after a policy: the inner policies, then the call itself. */
export type PolicyNext<T> = (ctx: CallContext) => Promise<T>;

/**
 * A resilience policy: a breaker, a bulkhead, a timeout, a retry or a fallback. `execute` runs
 * `next` (at most once, except retries), or refuses with a ShnError, or answers by itself (fallback).
 * Policies compose with {@link pipeline}, outermost first.
 */
export interface Policy {
  /** For diagnostics (`breaker`, `bulkhead`, `timeout`, `retry`, `fallback`, `pipeline`, `opossum`). */
  readonly name: string;
  /** Runs the call under this policy. Rejects (never throws synchronously) with the call's error or the policy's own. */
  execute<T>(ctx: CallContext, next: PolicyNext<T>): Promise<T>;
}

/**
 * A call context with defaults: no deadline, not retryable, attempt 0.
 * @param destination - the destination label (see {@link CallContext.destination}).
 */
export function callContext(destination: string, fields: Partial<Omit<CallContext, 'destination'>> = {}): CallContext {
  return { destination, deadline: fields.deadline, retryable: fields.retryable ?? false, attempt: fields.attempt ?? 0 };
}
