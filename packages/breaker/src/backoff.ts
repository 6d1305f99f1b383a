import { ShnError, systemRng } from '@shn/core';
import type { Rng } from '@shn/core';
import { checkMs } from './option-checks.js';

/**
 * "Decorrelated jitter" backoff (AWS Architecture Blog, "Exponential Backoff And Jitter"):
 * `sleep = min(cap, random_between(base, previous * 3))`, starting from `previous = base`.
 * Delays grow roughly exponentially, never exceed `capMs`, never drop below `baseMs`, and are
 * spread out so retrying clients do not synchronise. Returns a function giving the next delay
 * in ms each time it is called (one per retry of one call).
 * @throws ShnError `INVALID_ARGUMENT` unless 0 < baseMs <= capMs, both finite.
 */
export function decorrelatedJitter(baseMs: number, capMs: number, rng: Rng = systemRng): () => number {
  checkMs('baseMs', baseMs);
  checkMs('capMs', capMs);
  if (capMs < baseMs) throw new ShnError('INVALID_ARGUMENT', `capMs must be >= baseMs ${baseMs}, got ${capMs}`);
  let previous = baseMs;
  return () => {
    const upper = Math.max(baseMs, previous * 3);
    previous = Math.min(capMs, baseMs + rng.next() * (upper - baseMs));
    return previous;
  };
}
