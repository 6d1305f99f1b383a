/**
 * Time source. Packages never call `Date.now()` or `performance.now()` directly; they take
 * a Clock so `@shn/sim` can run them on virtual time.
 */
export interface Clock {
  /** Wall-clock time, epoch milliseconds. */
  now(): number;
  /** Monotonic time in milliseconds (fractional allowed), for measuring durations. */
  monotonic(): number;
}

/** An opaque handle returned by {@link Timer.setTimeout}. */
export interface TimerHandle {
  /** Lets the process exit while this timer is pending (Node's `unref`). No-op in simulation. */
  unref?(): void;
}

/** Timer source; packages never call `setTimeout` directly. */
export interface Timer {
  /** Calls `fn` once after `ms` milliseconds (>= 0). */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancels a pending timer; unknown or fired handles are ignored. */
  clearTimeout(handle: TimerHandle): void;
}

/** Randomness source; packages never call `Math.random()` directly. */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n); throws `INVALID_ARGUMENT` unless n is a positive safe integer. */
  int(n: number): number;
}
