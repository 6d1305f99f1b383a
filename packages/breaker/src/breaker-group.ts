import { ShnError, systemTimer } from '@shn/core';
import type { Timer } from '@shn/core';
import type { BreakerObserver, BreakerSnapshot, BreakerState, BreakerStateChange } from './breaker-events.js';
import type { BreakerOptions, ResolvedBreakerOptions } from './breaker-options.js';
import { resolveBreakerOptions } from './breaker-options.js';
import { CircuitBreaker, checkDestination } from './circuit-breaker.js';
import { checkInt, checkMs } from './option-checks.js';
import type { CallContext, Policy, PolicyNext } from './policy.js';
import type { WakeClient } from './wake-timer.js';
import { WakeTimer } from './wake-timer.js';

/** Options of a {@link BreakerGroup}: the breaker options every member shares, plus the group's own. */
export interface BreakerGroupOptions extends BreakerOptions {
  /** Drop a closed breaker with no call in flight after this many ms without calls, finite > 0 [60_000]. */
  readonly idleMs?: number;
  /** The most breakers held at once, integer >= 1 [100_000]; past it idle ones are dropped first. */
  readonly maxBreakers?: number;
  /** Timer for the group's one wake-up timer [systemTimer]; ignored when `wake` is given. */
  readonly timer?: Timer;
  /** Share one wake-up timer between several groups (it must run on the same clock). */
  readonly wake?: WakeTimer;
}

/**
 * One circuit breaker per destination (an actor kind, a shard, a node: whatever key the caller
 * uses), created on first use, sharing one set of options, one observer list and ONE wake-up
 * timer however many destinations there are. The timer turns open breakers half-open on time
 * (so observers and health-aware routing see it without traffic) and drops idle closed breakers,
 * so destinations created and forgotten per request do not accumulate.
 *
 * It is a {@link Policy}: `execute(ctx, next)` runs through the breaker of `ctx.destination`.
 */
export class BreakerGroup implements Policy {
  /** The policy name, for diagnostics. */
  readonly name = 'breaker';
  readonly #options: ResolvedBreakerOptions;
  readonly #breakers = new Map<string, CircuitBreaker>();
  /** Breakers currently open (waiting for their open period to end). */
  readonly #open = new Set<CircuitBreaker>();
  readonly #observers = new Set<BreakerObserver>();
  readonly #idleMs: number;
  readonly #max: number;
  readonly #wake: WakeTimer;
  readonly #client: WakeClient;
  readonly #sink = (b: CircuitBreaker, e: BreakerStateChange): void => this.#onChange(b, e);
  #sweepAt = Infinity;
  #observerErrors = 0;
  #evicted = 0;
  #closed = false;

  /** @throws ShnError `INVALID_ARGUMENT` for any bad option (see {@link BreakerOptions}). */
  constructor(options: BreakerGroupOptions = {}) {
    this.#options = resolveBreakerOptions(options);
    this.#idleMs = checkMs('idleMs', options.idleMs ?? 60_000);
    this.#max = checkInt('maxBreakers', options.maxBreakers ?? 100_000, 1);
    if (options.wake !== undefined && !(options.wake instanceof WakeTimer)) {
      throw new ShnError('INVALID_ARGUMENT', 'wake must be a WakeTimer');
    }
    this.#wake = options.wake ?? new WakeTimer({ timer: options.timer ?? systemTimer, clock: this.#options.clock });
    this.#client = this.#wake.register((now) => this.#tick(now));
  }

  /** Breakers held now. */
  get size(): number {
    return this.#breakers.size;
  }

  /** Breakers dropped as idle so far. */
  get evicted(): number {
    return this.#evicted;
  }

  /** Observers subscribed to the group. */
  get observerCount(): number {
    return this.#observers.size;
  }

  /** Observer throws caught so far (observers must not throw). */
  get observerErrors(): number {
    return this.#observerErrors;
  }

  /** The wake-up timer this group uses (shared if it was given one). */
  get wake(): WakeTimer {
    return this.#wake;
  }

  /**
   * The breaker of `destination`, created (closed) if there is none.
   * @throws ShnError `INVALID_ARGUMENT` for an empty or over-long destination; `RUNTIME_CLOSED`
   * after {@link close}; `OVERLOADED` when `maxBreakers` breakers are held and none is idle.
   */
  get(destination: string): CircuitBreaker {
    const found = this.#breakers.get(destination);
    if (found !== undefined) return found;
    if (this.#closed) throw new ShnError('RUNTIME_CLOSED', 'breaker group is closed');
    checkDestination(destination);
    if (this.#breakers.size >= this.#max) {
      const now = this.#options.clock.monotonic();
      this.#sweep(now, this.#idleMs);
      if (this.#breakers.size >= this.#max) this.#sweep(now, 0);
      if (this.#sweepAt !== Infinity) this.#client.wakeAt(this.#sweepAt);
      if (this.#breakers.size >= this.#max) {
        throw new ShnError('OVERLOADED', `breaker group holds ${this.#max} breakers (maxBreakers), none idle; refusing ${destination}`, {
          details: { destination, maxBreakers: this.#max },
        });
      }
    }
    const b = new CircuitBreaker(destination, this.#options, this.#sink);
    this.#breakers.set(destination, b);
    if (this.#sweepAt === Infinity) {
      this.#sweepAt = b.lastActivity + this.#idleMs;
      this.#client.wakeAt(this.#sweepAt);
    }
    return b;
  }

  /**
   * The state of `destination`'s breaker without creating one: `closed` when none is held.
   * For health-aware routing (prefer destinations that are not `open`).
   */
  stateOf(destination: string): BreakerState {
    return this.#breakers.get(destination)?.state ?? 'closed';
  }

  /** The breaker of `destination` if one is held (does not create one). */
  peek(destination: string): CircuitBreaker | undefined {
    return this.#breakers.get(destination);
  }

  /** Runs `fn` through the breaker of `destination`; see {@link CircuitBreaker.run}. */
  run<T>(destination: string, fn: () => Promise<T> | T): Promise<T> {
    let b: CircuitBreaker;
    try {
      b = this.get(destination);
    } catch (e) {
      return Promise.reject(e);
    }
    return b.run(fn);
  }

  /** {@link Policy} form: runs `next(ctx)` through the breaker of `ctx.destination`. */
  execute<T>(ctx: CallContext, next: PolicyNext<T>): Promise<T> {
    return this.run(ctx.destination, () => next(ctx));
  }

  /** Every held breaker's state, sorted by destination (for INFO pages and health checks). */
  snapshot(): BreakerSnapshot[] {
    const out: BreakerSnapshot[] = [];
    for (const b of this.#breakers.values()) out.push(b.snapshot());
    return out.sort((a, b) => (a.destination < b.destination ? -1 : a.destination > b.destination ? 1 : 0));
  }

  /** Subscribes to the state changes of every breaker of the group; returns the unsubscribe function. */
  subscribe(observer: BreakerObserver): () => void {
    if (typeof observer?.onEvent !== 'function') {
      throw new ShnError('INVALID_ARGUMENT', 'subscribe needs an observer with onEvent(event)');
    }
    this.#observers.add(observer);
    return () => {
      this.#observers.delete(observer);
    };
  }

  /** Drops every breaker and stops the group's wake-ups; later `get` calls throw `RUNTIME_CLOSED`. */
  close(): void {
    this.#closed = true;
    this.#breakers.clear();
    this.#open.clear();
    this.#client.cancel();
  }

  #onChange(b: CircuitBreaker, e: BreakerStateChange): void {
    if (e.to === 'open') {
      this.#open.add(b);
      const until = b.openUntil;
      if (until !== undefined && Number.isFinite(until)) this.#client.wakeAt(until);
    } else {
      this.#open.delete(b);
      if (e.to === 'closed' && this.#sweepAt === Infinity) {
        this.#sweepAt = b.lastActivity + this.#idleMs;
        this.#client.wakeAt(this.#sweepAt);
      }
    }
    for (const obs of this.#observers) {
      try {
        obs.onEvent(e);
      } catch {
        this.#observerErrors++;
      }
    }
  }

  /** The wake-up: open breakers due turn half-open; idle ones are dropped. Returns the next wake time. */
  #tick(now: number): number | undefined {
    let next = Infinity;
    for (const b of [...this.#open]) {
      b.refresh(now);
      const until = b.openUntil;
      if (until === undefined) this.#open.delete(b);
      else if (until < next) next = until;
    }
    if (now >= this.#sweepAt) this.#sweep(now, this.#idleMs);
    if (this.#sweepAt < next) next = this.#sweepAt;
    return next === Infinity ? undefined : next;
  }

  #sweep(now: number, idleMs: number): void {
    let next = Infinity;
    for (const [key, b] of this.#breakers) {
      if (b.idleSince(now, idleMs)) {
        this.#breakers.delete(key);
        this.#evicted++;
        continue;
      }
      // Only closed breakers are ever dropped; open and half-open ones reschedule a sweep when they close.
      if (b.state !== 'closed') continue;
      const due = b.inFlight === 0 ? b.lastActivity + this.#idleMs : now + this.#idleMs;
      if (due < next) next = due;
    }
    this.#sweepAt = next === Infinity ? Infinity : Math.max(now + 1, next);
  }
}

/**
 * A {@link BreakerGroup}: one breaker per destination with shared options and one wake-up timer.
 * @throws ShnError `INVALID_ARGUMENT` for any bad option.
 */
export function breakerGroup(options?: BreakerGroupOptions): BreakerGroup {
  return new BreakerGroup(options);
}
