import { ShnError } from '@shn/core';
import type { BreakerState } from './breaker-events.js';
import type { CallContext, Policy, PolicyNext } from './policy.js';

/**
 * The part of an opossum 9 `CircuitBreaker` the adapter uses. Structural, so `@shn/breaker`
 * does not import opossum: bring your own (`opossum` is an optional peer dependency).
 */
export interface OpossumBreakerLike {
  /** Calls the breaker's action with these arguments, through the breaker. */
  fire(...args: unknown[]): Promise<unknown>;
  readonly name?: string;
  readonly opened?: boolean;
  readonly halfOpen?: boolean;
}

/** opossum's error codes and the ShnError codes they become. */
const CODES: Readonly<Record<string, 'CIRCUIT_OPEN' | 'TIMEOUT' | 'BULKHEAD_FULL'>> = {
  EOPENBREAKER: 'CIRCUIT_OPEN',
  ESHUTDOWN: 'CIRCUIT_OPEN',
  ETIMEDOUT: 'TIMEOUT',
  ESEMLOCKED: 'BULKHEAD_FULL',
};

/**
 * Uses an existing opossum breaker as a {@link Policy}, for teams that already run opossum and
 * want to keep its configuration, metrics (opossum-prometheus) and events.
 *
 * The breaker must have been made with a trampoline action that calls its argument:
 * `new CircuitBreaker((call) => call(), options)`; the adapter fires it with the rest of the
 * chain. opossum's refusals become ShnErrors naming the destination: `EOPENBREAKER` and
 * `ESHUTDOWN` → `CIRCUIT_OPEN`, `ETIMEDOUT` → `TIMEOUT`, `ESEMLOCKED` → `BULKHEAD_FULL`; the
 * call's own errors pass through unchanged. One opossum breaker guards every destination the
 * policy sees: opossum arms a rotation timer per breaker, so do not make one per destination
 * (use a {@link BreakerGroup} for that).
 * @throws ShnError `INVALID_ARGUMENT` unless `breaker` has a `fire` function.
 */
export function fromOpossum(breaker: OpossumBreakerLike): Policy {
  if (typeof breaker?.fire !== 'function') throw new ShnError('INVALID_ARGUMENT', 'fromOpossum needs an opossum CircuitBreaker (with fire())');
  return {
    name: 'opossum',
    execute<T>(ctx: CallContext, next: PolicyNext<T>): Promise<T> {
      let fired: Promise<unknown>;
      try {
        fired = breaker.fire(() => next(ctx));
      } catch (e) {
        return Promise.reject(e);
      }
      return fired.then(
        (v) => v as T,
        (e: unknown) => {
          throw translate(e, ctx.destination, breaker.name);
        },
      );
    },
  };
}

/** The state of an opossum breaker in this package's terms (for snapshots next to a {@link BreakerGroup}'s). */
export function opossumState(breaker: OpossumBreakerLike): BreakerState {
  return breaker.opened === true ? 'open' : breaker.halfOpen === true ? 'half-open' : 'closed';
}

function translate(e: unknown, destination: string, name: string | undefined): unknown {
  const code = (e as { code?: unknown } | null)?.code;
  const mapped = typeof code === 'string' ? CODES[code] : undefined;
  if (mapped === undefined || !(e instanceof Error)) return e;
  return new ShnError(mapped, `opossum breaker ${name ?? ''} for ${destination}: ${e.message}`.replace('  ', ' '), {
    cause: e,
    details: { destination, opossumCode: code },
  });
}
