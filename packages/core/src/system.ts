import type { Clock, Rng, Timer, TimerHandle } from './clock.js';
import { ShnError } from './errors.js';

/** The real clock: `Date.now()` and `performance.now()`. */
export const systemClock: Clock = Object.freeze({
  now: () => Date.now(),
  monotonic: () => performance.now(),
});

/** The real timers: Node's `setTimeout` / `clearTimeout`. */
export const systemTimer: Timer = Object.freeze({
  setTimeout: (fn: () => void, ms: number): TimerHandle => setTimeout(fn, Math.max(0, ms)),
  clearTimeout: (handle: TimerHandle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
});

/** The real randomness: `Math.random()`. Not cryptographic. */
export const systemRng: Rng = Object.freeze({
  next: () => Math.random(),
  int: (n: number) => {
    checkBound(n);
    return Math.floor(Math.random() * n);
  },
});

/** @internal */
export function checkBound(n: number): void {
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new ShnError('INVALID_ARGUMENT', `rng bound must be a positive safe integer, got ${String(n)}`);
  }
}
