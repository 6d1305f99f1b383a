/**
 * What breakers report: state changes as events, and their current state as snapshots.
 */

/** The three states of a circuit breaker. */
export type BreakerState = 'closed' | 'open' | 'half-open';

/**
 * Why a breaker changed state:
 * - `failure-rate`: the failure share of the window reached `failureRateThreshold` (past `minimumCalls`);
 * - `slow-call-rate`: the slow-call share reached `slowCallRateThreshold` (past `minimumCalls`);
 * - `consecutive-failures`: `consecutiveFailures` calls in a row failed;
 * - `trial-failed`: a half-open trial call failed or was slow (the open period backs off);
 * - `open-period-elapsed`: open → half-open;
 * - `trials-succeeded`: half-open → closed after `halfOpenCalls` successful trials;
 * - `forced`: `isolate()` or `reset()` was called;
 * - `created`: a new breaker, closed (snapshots only; no event is emitted for it).
 */
export type BreakerReason =
  | 'failure-rate'
  | 'slow-call-rate'
  | 'consecutive-failures'
  | 'trial-failed'
  | 'open-period-elapsed'
  | 'trials-succeeded'
  | 'forced'
  | 'created';

/** One state change of one breaker. */
export interface BreakerStateChange {
  readonly type: 'breaker-state';
  /** The destination the breaker guards. */
  readonly destination: string;
  /** The state it left. */
  readonly from: BreakerState;
  /** The state it entered. */
  readonly to: BreakerState;
  /** Why. */
  readonly reason: BreakerReason;
  /** When, epoch ms from the breaker's Clock (`now()`). */
  readonly at: number;
  /** For `to: 'open'`: how long it stays open before the next trial, ms (grows on repeated trips). */
  readonly openMs?: number;
  /** For trips: the window's failure share and slow-call share, 0..1, and its call count. */
  readonly failureRate?: number;
  readonly slowCallRate?: number;
  readonly calls?: number;
}

/**
 * Receives breaker state changes (telemetry counts them, health-aware routing reads them).
 * Shaped like core's `RuntimeObserver`. Must not throw; a throw is caught and counted.
 */
export interface BreakerObserver {
  onEvent(event: BreakerStateChange): void;
}

/** A breaker's state at one instant, for INFO pages, health checks and tests. */
export interface BreakerSnapshot {
  /** The destination the breaker guards. */
  readonly destination: string;
  /** Its state now (an open breaker past its open period reads as half-open). */
  readonly state: BreakerState;
  /** Why it is in this state (the reason of its last state change; `created` for a new breaker). */
  readonly reason: BreakerReason;
  /** Calls in the current window, and how many of them failed or were slow. */
  readonly calls: number;
  readonly failures: number;
  readonly slowCalls: number;
  /** failures / calls, 0 when there are no calls. */
  readonly failureRate: number;
  /** slowCalls / calls, 0 when there are no calls. */
  readonly slowCallRate: number;
  /** Failures in a row right now. */
  readonly consecutiveFailures: number;
  /** Calls let through and not finished yet. */
  readonly inFlight: number;
  /** Trips since the breaker last closed (drives the open-period backoff). */
  readonly trips: number;
  /** While open: ms until the next trial is allowed; else 0. */
  readonly retryInMs: number;
}
