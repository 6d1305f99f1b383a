import { systemClock } from '@shn/core';
import type { Clock } from '@shn/core';
import { checkFunction, invalid } from '../option-checks.js';
import type { LimitAlgorithm } from './limit-algorithm.js';

/** Options of {@link ConcurrencyLimiter}. */
export interface ConcurrencyLimiterOptions {
  /** How the limit moves: `new Gradient2Limit()`, `new AimdLimit()`, `new FixedLimit(n)`. */
  readonly limit: LimitAlgorithm;
  /**
   * Load shedding by priority: a request of priority p (0..255) is admitted only while fewer than
   * `limit * (s + (1 - s) * p / 255)` are in flight, s being this share (default 1: every priority
   * gets the whole limit). With s = 0.5 the lowest priority is shed once half the limit is busy and
   * priority 255 keeps the full limit.
   */
  readonly lowestPriorityShare?: number;
  /** Times round trips (default `systemClock`). */
  readonly clock?: Clock;
}

/** One admitted request. Call exactly one of the three when it ends; later calls are ignored. */
export interface LimiterTicket {
  /** It completed: its RTT feeds the limit. */
  success(): void;
  /** It ended in a way that says nothing about load (a client error): the limit learns nothing. */
  ignore(): void;
  /** It failed from overload (a timeout, a shed downstream): the limit backs off. */
  dropped(): void;
}

/** Counters of a {@link ConcurrencyLimiter}. */
export interface LimiterCounters {
  admitted: number;
  /** Refused because the limit (or the priority's share of it) was in flight. */
  rejected: number;
}

/**
 * Netflix concurrency-limits' `SimpleLimiter`: admits a request while fewer than the current
 * limit are in flight, and feeds every finished request's RTT (on `clock.monotonic()`) and the
 * in-flight count at its start to the {@link LimitAlgorithm}. Optional shedding by priority
 * keeps headroom for important requests.
 */
export class ConcurrencyLimiter {
  readonly counters: LimiterCounters = { admitted: 0, rejected: 0 };
  readonly #algorithm: LimitAlgorithm;
  readonly #share: number;
  readonly #clock: Clock;
  #inflight = 0;

  /** @throws ShnError `INVALID_ARGUMENT` for a missing limit algorithm or a share outside (0, 1]. */
  constructor(options: ConcurrencyLimiterOptions) {
    this.#algorithm = options?.limit;
    checkFunction('limit.onSample', this.#algorithm?.onSample);
    const share = options.lowestPriorityShare ?? 1;
    if (typeof share !== 'number' || !(share > 0 && share <= 1)) throw invalid('lowestPriorityShare', 'a number in (0, 1]', share);
    this.#share = share;
    this.#clock = options.clock ?? systemClock;
  }

  /** The current limit. */
  get limit(): number {
    return this.#algorithm.limit;
  }

  /** Requests admitted and not yet ended. */
  get inflight(): number {
    return this.#inflight;
  }

  /** How many may be in flight for a request of `priority` (0..255): at least 1. */
  capacityFor(priority: number): number {
    const p = Math.min(255, Math.max(0, priority));
    return Math.max(1, Math.floor(this.#algorithm.limit * (this.#share + ((1 - this.#share) * p) / 255)));
  }

  /**
   * Admits a request of `priority` (0..255, default 255) if there is room: returns its ticket, or
   * `undefined` when it must be shed.
   */
  tryAcquire(priority = 255): LimiterTicket | undefined {
    if (this.#inflight >= this.capacityFor(priority)) {
      this.counters.rejected++;
      return undefined;
    }
    const inflight = ++this.#inflight;
    this.counters.admitted++;
    const start = this.#clock.monotonic();
    let open = true;
    const end = (sample: boolean, didDrop: boolean): void => {
      if (!open) return;
      open = false;
      this.#inflight--;
      if (sample) this.#algorithm.onSample(Math.max(0, this.#clock.monotonic() - start), inflight, didDrop);
    };
    return {
      success: () => end(true, false),
      ignore: () => end(false, false),
      dropped: () => end(true, true),
    };
  }
}
