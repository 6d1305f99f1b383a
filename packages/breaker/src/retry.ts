import { isShnError, systemClock, systemRng, systemTimer } from '@shn/core';
import type { Clock, Rng, ShnErrorCode, Timer } from '@shn/core';
import { decorrelatedJitter } from './backoff.js';
import { checkFunction, checkInt, checkMs, checkObject } from './option-checks.js';
import type { CallContext, Policy, PolicyNext } from './policy.js';

/** What {@link RetryOptions.onRetry} is told before each retry. */
export interface RetryInfo {
  /** The call's destination. */
  readonly destination: string;
  /** The attempt about to start (1 = first retry). */
  readonly attempt: number;
  /** The wait before it, ms. */
  readonly delayMs: number;
  /** The error of the attempt that just failed. */
  readonly error: unknown;
}

/** Options of {@link retryPolicy}. */
export interface RetryOptions {
  /** Attempts in all, the first included, integer >= 1 [3]. */
  readonly maxAttempts?: number;
  /** The smallest wait between attempts, ms, finite > 0 [25]. */
  readonly baseMs?: number;
  /** The largest wait between attempts, ms, finite >= baseMs [1000]. */
  readonly capMs?: number;
  /**
   * Which errors are transient [{@link isTransientError}]. A call is retried only when the call is
   * marked retryable (`ctx.retryable`; for asks the `shn-retryable: 1` header) AND this returns true.
   */
  readonly isRetryable?: (error: unknown) => boolean;
  /** Told before every retry (logging, metrics). Must not throw; a throw is ignored. */
  readonly onRetry?: (info: RetryInfo) => void;
  /** [systemRng] for the jitter. */
  readonly rng?: Rng;
  /** [systemTimer] for the waits. */
  readonly timer?: Timer;
  /** [systemClock]; deadlines are compared with `now()`. */
  readonly clock?: Clock;
}

const TRANSIENT: ReadonlySet<ShnErrorCode> = new Set<ShnErrorCode>([
  'TIMEOUT',
  'MAILBOX_FULL',
  'TRANSPORT_FAILED',
  'SHARD_CRASHED',
  'MESSAGE_LOST',
  'OVERLOADED',
  'RATE_LIMITED',
  'BULKHEAD_FULL',
  'NOT_LEADER',
]);

/**
 * The default retry predicate: ShnError codes that say "try again later" (`TIMEOUT`,
 * `MAILBOX_FULL`, `TRANSPORT_FAILED`, `SHARD_CRASHED`, `MESSAGE_LOST`, `OVERLOADED`,
 * `RATE_LIMITED`, `BULKHEAD_FULL`, `NOT_LEADER`). Not `CIRCUIT_OPEN` (the breaker already knows the
 * destination is down), not `DEADLINE_EXCEEDED`, not `ACTOR_FAILED`, not errors that are not ShnErrors.
 */
export function isTransientError(error: unknown): boolean {
  return isShnError(error) && TRANSIENT.has(error.code);
}

/**
 * Retries failed attempts with exponential backoff and decorrelated jitter
 * ({@link decorrelatedJitter}). It retries only calls marked retryable and only errors
 * `isRetryable` accepts, at most `maxAttempts - 1` times, and never past the deadline: when the
 * next wait would end at or after `ctx.deadline` it gives up at once. Giving up rejects with the
 * last attempt's error, unchanged. Each attempt gets a fresh context (its own `attempt`, the
 * caller's deadline), so a timeout inside bounds each attempt, not the whole.
 */
export class RetryPolicy implements Policy {
  /** The policy name, for diagnostics. */
  readonly name = 'retry';
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  readonly #baseMs: number;
  readonly #capMs: number;
  readonly #isRetryable: (error: unknown) => boolean;
  readonly #onRetry: ((info: RetryInfo) => void) | undefined;
  readonly #rng: Rng;
  readonly #timer: Timer;
  readonly #clock: Clock;

  /** @internal Use {@link retryPolicy}. */
  constructor(o: RetryOptions) {
    this.maxAttempts = checkInt('maxAttempts', o.maxAttempts ?? 3, 1);
    this.#baseMs = checkMs('baseMs', o.baseMs ?? 25);
    this.#capMs = checkMs('capMs', o.capMs ?? Math.max(1000, this.#baseMs));
    decorrelatedJitter(this.#baseMs, this.#capMs); // validates base <= cap
    this.#isRetryable = checkFunction('isRetryable', o.isRetryable) ?? isTransientError;
    this.#onRetry = checkFunction('onRetry', o.onRetry);
    this.#rng = o.rng ?? systemRng;
    this.#timer = o.timer ?? systemTimer;
    this.#clock = o.clock ?? systemClock;
  }

  /** Runs `next` up to `maxAttempts` times as described above; rejects with the last attempt's error. */
  async execute<T>(ctx: CallContext, next: PolicyNext<T>): Promise<T> {
    let delays: (() => number) | undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        return await next(attempt === 0 ? ctx : { ...ctx, attempt: ctx.attempt + attempt });
      } catch (error) {
        if (!ctx.retryable || attempt + 1 >= this.maxAttempts || !this.#retryable(error)) throw error;
        delays ??= decorrelatedJitter(this.#baseMs, this.#capMs, this.#rng);
        const delayMs = delays();
        if (ctx.deadline !== undefined && this.#clock.now() + delayMs >= ctx.deadline) throw error;
        try {
          this.#onRetry?.({ destination: ctx.destination, attempt: attempt + 1, delayMs, error });
        } catch {
          // onRetry must not throw; ignoring its throw keeps the retry loop's contract.
        }
        await new Promise<void>((resolve) => this.#timer.setTimeout(resolve, delayMs));
      }
    }
  }

  #retryable(error: unknown): boolean {
    try {
      return this.#isRetryable(error) === true;
    } catch {
      return false;
    }
  }
}

/**
 * Retries with decorrelated-jitter backoff; see {@link RetryPolicy}.
 * @throws ShnError `INVALID_ARGUMENT` for a bad option (maxAttempts < 1, baseMs > capMs, non-finite waits, …).
 */
export function retryPolicy(options?: RetryOptions): RetryPolicy {
  return new RetryPolicy(checkObject('retry options', options));
}
