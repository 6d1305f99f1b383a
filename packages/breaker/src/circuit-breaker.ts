import { ShnError } from '@shn/core';
import type { BreakerObserver, BreakerReason, BreakerSnapshot, BreakerState, BreakerStateChange } from './breaker-events.js';
import type { BreakerOptions, ResolvedBreakerOptions } from './breaker-options.js';
import { resolveBreakerOptions } from './breaker-options.js';
import type { CallContext, Policy, PolicyNext } from './policy.js';
import type { SlidingWindow } from './sliding-window.js';

/** @internal Where a breaker of a group reports its state changes (one function, not a listener list). */
export type BreakerSink = (breaker: CircuitBreaker, event: BreakerStateChange) => void;

/** Outcome of one call, as the breaker records it. */
const SUCCESS = 0;
const FAILURE = 1;
const IGNORED = 2;

/**
 * A circuit breaker for one destination.
 *
 * Closed, it lets every call through and records outcomes in its sliding window; it trips open
 * when, past `minimumCalls`, the failure share or the slow-call share reaches its threshold, or
 * after `consecutiveFailures` failures in a row. Open, it refuses every call at once with ShnError
 * `CIRCUIT_OPEN` naming the destination. After the open period it turns half-open and lets up to
 * `halfOpenCalls` trial calls through: any failed or slow trial re-opens it with a longer open
 * period (times `backoffMultiplier`, capped at `maxOpenMs`); when all trials succeed it closes
 * and the backoff resets. Outcomes of calls started before the latest state change are not counted.
 *
 * A breaker owns no timer: the open → half-open step happens when the breaker is next used or
 * read (`state`, `snapshot`), or when its {@link BreakerGroup}'s shared wake-up timer fires.
 * Make one with {@link circuitBreaker} or through a {@link BreakerGroup}.
 */
export class CircuitBreaker implements Policy {
  /** The policy name, for diagnostics. */
  readonly name = 'breaker';
  /** The destination this breaker guards (named in its errors and events). */
  readonly destination: string;
  readonly #o: ResolvedBreakerOptions;
  readonly #window: SlidingWindow;
  readonly #sink: BreakerSink | undefined;
  #observers: Set<BreakerObserver> | undefined;
  #state: BreakerState = 'closed';
  /** Bumped on every state change; a call's outcome counts only under the generation it started in. */
  #generation = 0;
  /** Monotonic ms at which an open breaker turns half-open (Infinity while isolated). */
  #openUntil = 0;
  #trips = 0;
  #consecutive = 0;
  #trialsStarted = 0;
  #trialsSucceeded = 0;
  #inFlight = 0;
  #lastActivity: number;
  #reason: BreakerReason = 'created';
  #observerErrors = 0;

  /**
   * @internal Use {@link circuitBreaker} (validates options) or {@link BreakerGroup.get}.
   */
  constructor(destination: string, options: ResolvedBreakerOptions, sink?: BreakerSink) {
    this.destination = destination;
    this.#o = options;
    this.#window = options.newWindow();
    this.#sink = sink;
    this.#lastActivity = options.clock.monotonic();
  }

  /** The current state (an open breaker whose open period has elapsed reads as half-open). */
  get state(): BreakerState {
    this.#refresh(this.#o.clock.monotonic());
    return this.#state;
  }

  /** Calls let through and not finished. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Monotonic ms of the last call started or finished (for idle eviction). */
  get lastActivity(): number {
    return this.#lastActivity;
  }

  /** @internal Monotonic ms at which an open breaker may turn half-open; undefined unless open. */
  get openUntil(): number | undefined {
    return this.#state === 'open' ? this.#openUntil : undefined;
  }

  /** Observer throws caught so far (observers must not throw). */
  get observerErrors(): number {
    return this.#observerErrors;
  }

  /**
   * Runs `fn` if the breaker lets it through and records its outcome and duration.
   * Rejects with ShnError `CIRCUIT_OPEN` (without calling `fn`) while open or while every
   * half-open trial slot is taken; otherwise settles as `fn` does.
   */
  run<T>(fn: () => Promise<T> | T): Promise<T> {
    let token: number;
    try {
      token = this.acquire();
    } catch (e) {
      return Promise.reject(e);
    }
    const start = this.#lastActivity; // acquire() just read the clock
    let result: Promise<T> | T;
    try {
      result = fn();
    } catch (e) {
      this.release(token, start, e, true);
      return Promise.reject(e);
    }
    return Promise.resolve(result).then(
      (v) => {
        this.release(token, start, undefined, false);
        return v;
      },
      (e: unknown) => {
        this.release(token, start, e, true);
        throw e;
      },
    );
  }

  /** `fn` guarded by this breaker: `wrap(fn)(...args)` is `run(() => fn(...args))`. */
  wrap<A extends unknown[], R>(fn: (...args: A) => Promise<R> | R): (...args: A) => Promise<R> {
    if (typeof fn !== 'function') throw new ShnError('INVALID_ARGUMENT', `wrap needs a function, got ${typeof fn}`);
    return (...args: A) => this.run(() => fn(...args));
  }

  /** {@link Policy} form: runs `next(ctx)` through this breaker (ignores `ctx.destination`). */
  execute<T>(ctx: CallContext, next: PolicyNext<T>): Promise<T> {
    return this.run(() => next(ctx));
  }

  /**
   * Takes a permit for one call. Low-level: pair every successful acquire with one
   * {@link release}. Returns the permit token.
   * @throws ShnError `CIRCUIT_OPEN` naming the destination when the call is refused.
   */
  acquire(): number {
    const now = this.#o.clock.monotonic();
    if (this.#state !== 'closed') {
      this.#refresh(now);
      if (this.#state === 'open') throw this.#openError(now);
      if (this.#state === 'half-open') {
        if (this.#trialsStarted >= this.#o.halfOpenCalls) throw this.#openError(now);
        this.#trialsStarted++;
      }
    }
    this.#inFlight++;
    this.#lastActivity = now;
    return this.#generation;
  }

  /**
   * Records the outcome of a call let through by {@link acquire}.
   * @param token - what acquire returned.
   * @param startedAt - monotonic ms when the call started (for the slow-call check).
   * @param error - the call's error when it failed.
   * @param failed - whether the call failed (then `error` is classified by `isFailure`).
   */
  release(token: number, startedAt: number, error: unknown, failed: boolean): void {
    const o = this.#o;
    const now = o.clock.monotonic();
    this.#inFlight--;
    this.#lastActivity = now;
    if (token !== this.#generation) return;
    let outcome = SUCCESS;
    if (failed) {
      let counts = true;
      try {
        counts = o.isFailure(error);
      } catch {
        counts = true;
      }
      outcome = counts ? FAILURE : IGNORED;
    }
    const slow = now - startedAt > o.slowCallMs;
    if (this.#state === 'closed') {
      if (outcome === IGNORED) return;
      const w = this.#window;
      w.advance(now);
      w.record(outcome === FAILURE, slow);
      if (outcome === FAILURE) {
        if (++this.#consecutive >= o.consecutiveFailures) return this.#trip(now, 'consecutive-failures');
      } else this.#consecutive = 0;
      const calls = w.calls;
      if (calls < o.minimumCalls) return;
      if (w.failures / calls >= o.failureRateThreshold) return this.#trip(now, 'failure-rate');
      if (o.slowCallMs !== Infinity) {
        const slowCalls = w.slow;
        if (slowCalls > 0 && slowCalls / calls >= o.slowCallRateThreshold) return this.#trip(now, 'slow-call-rate');
      }
      return;
    }
    if (this.#state === 'half-open') {
      if (outcome === IGNORED) {
        this.#trialsStarted--;
        return;
      }
      if (outcome === FAILURE || slow) return this.#trip(now, 'trial-failed');
      if (++this.#trialsSucceeded >= o.halfOpenCalls) this.#transition(now, 'closed', 'trials-succeeded');
    }
  }

  /** Forces the breaker open until {@link reset} (maintenance, or a destination known to be down). */
  isolate(): void {
    const now = this.#o.clock.monotonic();
    this.#transition(now, 'open', 'forced', Infinity);
  }

  /** Forces the breaker closed with an empty window and no backoff. */
  reset(): void {
    if (this.#state === 'closed') {
      this.#window.reset();
      this.#consecutive = 0;
      this.#trips = 0;
      return;
    }
    this.#transition(this.#o.clock.monotonic(), 'closed', 'forced');
  }

  /** The breaker's state and window totals now. */
  snapshot(): BreakerSnapshot {
    const now = this.#o.clock.monotonic();
    this.#refresh(now);
    const w = this.#window;
    w.advance(now);
    const calls = w.calls;
    const failures = w.failures;
    const slowCalls = w.slow;
    return {
      destination: this.destination,
      state: this.#state,
      reason: this.#reason,
      calls,
      failures,
      slowCalls,
      failureRate: calls === 0 ? 0 : failures / calls,
      slowCallRate: calls === 0 ? 0 : slowCalls / calls,
      consecutiveFailures: this.#consecutive,
      inFlight: this.#inFlight,
      trips: this.#trips,
      retryInMs: this.#state === 'open' ? Math.max(0, this.#openUntil - now) : 0,
    };
  }

  /** @internal True when nothing would be lost by dropping this breaker (closed, idle, empty window). */
  idleSince(now: number, idleMs: number): boolean {
    return this.#state === 'closed' && this.#inFlight === 0 && now - this.#lastActivity >= idleMs;
  }

  /**
   * Subscribes to this breaker's state changes; returns the unsubscribe function. Breakers of a
   * {@link BreakerGroup} are better observed through the group (one observer for all of them).
   */
  subscribe(observer: BreakerObserver): () => void {
    if (typeof observer?.onEvent !== 'function') {
      throw new ShnError('INVALID_ARGUMENT', 'subscribe needs an observer with onEvent(event)');
    }
    (this.#observers ??= new Set()).add(observer);
    return () => {
      this.#observers?.delete(observer);
      if (this.#observers?.size === 0) this.#observers = undefined;
    };
  }

  /** Subscribed observers (not counting the group's sink). */
  get observerCount(): number {
    return this.#observers?.size ?? 0;
  }

  /** @internal Turns open into half-open once the open period has passed. */
  refresh(now: number): void {
    this.#refresh(now);
  }

  #refresh(now: number): void {
    if (this.#state === 'open' && now >= this.#openUntil) this.#transition(now, 'half-open', 'open-period-elapsed');
  }

  #trip(now: number, reason: BreakerReason): void {
    const o = this.#o;
    const period = Math.min(o.maxOpenMs, o.openMs * o.backoffMultiplier ** this.#trips);
    this.#trips++;
    this.#transition(now, 'open', reason, period);
  }

  #transition(now: number, to: BreakerState, reason: BreakerReason, openMs?: number): void {
    const from = this.#state;
    const w = this.#window;
    let extra: Partial<BreakerStateChange> = {};
    if (to === 'open' && from === 'closed') {
      w.advance(now);
      const calls = w.calls;
      extra = { calls, failureRate: calls === 0 ? 0 : w.failures / calls, slowCallRate: calls === 0 ? 0 : w.slow / calls };
    }
    this.#state = to;
    this.#reason = reason;
    this.#generation++;
    this.#consecutive = 0;
    this.#trialsStarted = 0;
    this.#trialsSucceeded = 0;
    if (to === 'open') this.#openUntil = now + (openMs ?? this.#o.openMs);
    if (to === 'closed') this.#trips = 0;
    if (to !== 'half-open') w.reset();
    if (this.#sink === undefined && this.#observers === undefined) return;
    const event: BreakerStateChange = {
      type: 'breaker-state',
      destination: this.destination,
      from,
      to,
      reason,
      at: this.#o.clock.now(),
      ...(to === 'open' ? { openMs: openMs ?? this.#o.openMs } : {}),
      ...extra,
    };
    if (this.#sink !== undefined) this.#sink(this, event);
    if (this.#observers !== undefined) {
      for (const obs of this.#observers) {
        try {
          obs.onEvent(event);
        } catch {
          this.#observerErrors++;
        }
      }
    }
  }

  #openError(now: number): ShnError {
    if (this.#state === 'half-open') {
      return new ShnError(
        'CIRCUIT_OPEN',
        `circuit breaker for ${this.destination} is half-open and its ${this.#o.halfOpenCalls} trial call(s) are in flight; the call was not made`,
        { details: { destination: this.destination, state: 'half-open', halfOpenCalls: this.#o.halfOpenCalls } },
      );
    }
    const retryInMs = Math.max(0, this.#openUntil - now);
    const when = Number.isFinite(retryInMs) ? `next trial in ${Math.ceil(retryInMs)} ms` : 'isolated until reset()';
    return new ShnError('CIRCUIT_OPEN', `circuit breaker for ${this.destination} is open (${this.#reason}); ${when}; the call was not made`, {
      details: { destination: this.destination, state: 'open', reason: this.#reason, retryInMs: Number.isFinite(retryInMs) ? retryInMs : null },
    });
  }
}

/**
 * A standalone circuit breaker for one destination (for many destinations use a {@link BreakerGroup}).
 * @param destination - the label its errors and events name, e.g. `payments-api` or `shard:1`.
 * @throws ShnError `INVALID_ARGUMENT` for a bad destination or option (a threshold outside (0, 1],
 * a negative `minimumCalls`, a non-finite period, …), naming the option and its range.
 */
export function circuitBreaker(destination: string, options?: BreakerOptions): CircuitBreaker {
  checkDestination(destination);
  return new CircuitBreaker(destination, resolveBreakerOptions(options));
}

/** @internal Throws `INVALID_ARGUMENT` unless `destination` is a non-empty string of at most 256 chars. */
export function checkDestination(destination: unknown): asserts destination is string {
  if (typeof destination !== 'string' || destination.length === 0 || destination.length > 256) {
    throw new ShnError('INVALID_ARGUMENT', `destination must be a non-empty string of at most 256 characters, got ${JSON.stringify(destination) ?? String(destination)}`);
  }
}
