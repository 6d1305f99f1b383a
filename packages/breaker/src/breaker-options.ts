import { ShnError, hasCode, isShnError, systemClock } from '@shn/core';
import type { Clock } from '@shn/core';
import { checkFunction, checkInt, checkMs, checkNumber, checkObject, checkRate } from './option-checks.js';
import type { SlidingWindow, WindowOptions } from './sliding-window.js';
import { windowFactory } from './sliding-window.js';

/** Options of a circuit breaker (every field optional; defaults in brackets). */
export interface BreakerOptions {
  /** What the breaker remembers [`{ kind: 'time', ms: 10_000, buckets: 10 }`]. */
  readonly window?: WindowOptions;
  /** Calls the window must hold before a rate can trip the breaker, integer >= 0 [10]. */
  readonly minimumCalls?: number;
  /** Trip when failures / calls reaches this share, in (0, 1] [0.5]. */
  readonly failureRateThreshold?: number;
  /** Trip after this many failures in a row, integer >= 1, regardless of the window [off]. */
  readonly consecutiveFailures?: number;
  /** A call taking longer than this many ms is slow, finite > 0 [off]. */
  readonly slowCallMs?: number;
  /** Trip when slow calls / calls reaches this share, in (0, 1] [1]; needs `slowCallMs`. */
  readonly slowCallRateThreshold?: number;
  /** How long the breaker stays open after its first trip, ms, finite > 0 [5000]. */
  readonly openMs?: number;
  /** The longest open period after repeated trips, ms, finite >= openMs [60_000]. */
  readonly maxOpenMs?: number;
  /** Each trip without a close in between multiplies the open period by this, finite >= 1 [2]. */
  readonly backoffMultiplier?: number;
  /** Trial calls let through while half-open, integer >= 1 [1]; all must succeed to close. */
  readonly halfOpenCalls?: number;
  /**
   * Which errors count against the destination. An error for which it returns false is not
   * recorded at all (neither success nor failure). Default: every error except ShnError codes
   * `INVALID_ARGUMENT`, `CANCELLED` (the caller's doing), `CIRCUIT_OPEN`, `BULKHEAD_FULL` (local
   * refusals that never reached the destination) and `MAILBOX_FULL` (backpressure: refused at once,
   * so there is no wait for a breaker to save, and opening on a burst would turn a moment of
   * saturation into an outage; a destination that is really stuck shows as `TIMEOUT`s).
   */
  readonly isFailure?: (error: unknown) => boolean;
  /** Time source [systemClock]; durations use `monotonic()`, events `now()`. */
  readonly clock?: Clock;
}

/** @internal Validated options with every default filled in, shared by all breakers of a group. */
export interface ResolvedBreakerOptions {
  readonly newWindow: () => SlidingWindow;
  readonly minimumCalls: number;
  readonly failureRateThreshold: number;
  readonly consecutiveFailures: number;
  readonly slowCallMs: number;
  readonly slowCallRateThreshold: number;
  readonly openMs: number;
  readonly maxOpenMs: number;
  readonly backoffMultiplier: number;
  readonly halfOpenCalls: number;
  readonly isFailure: (error: unknown) => boolean;
  readonly clock: Clock;
}

const NOT_FAILURES = new Set(['INVALID_ARGUMENT', 'CANCELLED', 'CIRCUIT_OPEN', 'BULKHEAD_FULL', 'MAILBOX_FULL']);

/** The default {@link BreakerOptions.isFailure}. */
export function defaultIsFailure(error: unknown): boolean {
  return !(isShnError(error) && NOT_FAILURES.has(error.code));
}

/**
 * Validates breaker options and fills in defaults.
 * @throws ShnError `INVALID_ARGUMENT` naming the option, the value and the accepted range.
 * @internal
 */
export function resolveBreakerOptions(options: BreakerOptions | undefined): ResolvedBreakerOptions {
  const o = checkObject('breaker options', options);
  const newWindow = windowFactory(o.window ?? { kind: 'time', ms: 10_000, buckets: 10 });
  const minimumCalls = checkInt('minimumCalls', o.minimumCalls ?? 10, 0);
  if (o.window?.kind === 'count' && minimumCalls > o.window.size) {
    throw new ShnError('INVALID_ARGUMENT', `minimumCalls must be at most the count window's size ${o.window.size}, got ${minimumCalls}`);
  }
  const openMs = checkMs('openMs', o.openMs ?? 5000);
  const maxOpenMs = checkMs('maxOpenMs', o.maxOpenMs ?? Math.max(60_000, openMs));
  checkNumber(`maxOpenMs (at least openMs ${openMs})`, maxOpenMs, openMs);
  return Object.freeze({
    newWindow,
    minimumCalls,
    failureRateThreshold: checkRate('failureRateThreshold', o.failureRateThreshold ?? 0.5),
    consecutiveFailures: o.consecutiveFailures === undefined ? Infinity : checkInt('consecutiveFailures', o.consecutiveFailures, 1),
    slowCallMs: o.slowCallMs === undefined ? Infinity : checkMs('slowCallMs', o.slowCallMs),
    slowCallRateThreshold: checkRate('slowCallRateThreshold', o.slowCallRateThreshold ?? 1),
    openMs,
    maxOpenMs,
    backoffMultiplier: checkNumber('backoffMultiplier', o.backoffMultiplier ?? 2, 1),
    halfOpenCalls: checkInt('halfOpenCalls', o.halfOpenCalls ?? 1, 1),
    isFailure: checkFunction('isFailure', o.isFailure) ?? defaultIsFailure,
    clock: o.clock ?? systemClock,
  });
}

/** True for the error a breaker raises when it refuses a call. */
export function isCircuitOpen(error: unknown): boolean {
  return hasCode(error, 'CIRCUIT_OPEN');
}
