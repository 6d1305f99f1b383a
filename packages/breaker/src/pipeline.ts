import { ShnError } from '@shn/core';
import { checkDestination } from './circuit-breaker.js';
import type { CallContext, Policy, PolicyNext } from './policy.js';

/**
 * Composes policies, OUTERMOST FIRST: `pipeline(a, b, c).execute(ctx, call)` runs
 * `a(ctx, → b(…, → c(…, → call)))`. The recommended order is
 * `pipeline(fallback, retry, breakers, timeout, bulkhead)`: the fallback sees every failure, each
 * retry passes the breaker again (so an open breaker stops the retries), the breaker counts
 * timeouts as failures and slow calls as slow, and the timeout bounds the wait for a bulkhead slot too.
 * @throws ShnError `INVALID_ARGUMENT` unless every element is a policy.
 */
export function pipeline(...policies: Policy[]): Policy {
  for (const [i, p] of policies.entries()) {
    if (typeof p !== 'object' || p === null || typeof p.execute !== 'function') {
      throw new ShnError('INVALID_ARGUMENT', `pipeline element ${i} is not a policy (needs execute(ctx, next))`);
    }
  }
  const list = [...policies];
  if (list.length === 1) return list[0] as Policy;
  return {
    name: `pipeline(${list.map((p) => p.name).join(', ')})`,
    execute<T>(ctx: CallContext, next: PolicyNext<T>): Promise<T> {
      const step = (i: number): PolicyNext<T> => (c) => (i === list.length ? next(c) : (list[i] as Policy).execute(c, step(i + 1)));
      return step(0)(ctx);
    },
  };
}

/** Options of {@link wrap}. */
export interface WrapOptions {
  /** The policy (or {@link pipeline}) every call runs under. */
  readonly policy: Policy;
  /** The destination label (breaker and bulkhead key, named in errors). */
  readonly destination: string;
  /** Whether calls may be retried [true: whoever wraps a function knows whether it is idempotent]. */
  readonly retryable?: boolean;
  /** Relative deadline of each call, ms from when it is made, via `deadlineOf` [none]. */
  readonly deadlineOf?: () => number | undefined;
}

/**
 * Guards any async function: `wrap(fn, { policy, destination })(...args)` runs `fn(...args)` under
 * `policy`. For a breaker alone, `breaker.wrap(fn)` does the same.
 * @throws ShnError `INVALID_ARGUMENT` for a missing function, policy or destination.
 */
export function wrap<A extends unknown[], R>(fn: (...args: A) => Promise<R> | R, options: WrapOptions): (...args: A) => Promise<R> {
  if (typeof fn !== 'function') throw new ShnError('INVALID_ARGUMENT', `wrap needs a function, got ${typeof fn}`);
  if (typeof options?.policy?.execute !== 'function') throw new ShnError('INVALID_ARGUMENT', 'wrap needs options.policy');
  checkDestination(options.destination);
  const { policy, destination } = options;
  const retryable = options.retryable ?? true;
  const deadlineOf = options.deadlineOf;
  return (...args: A) => {
    const ctx: CallContext = { destination, deadline: deadlineOf?.(), retryable, attempt: 0 };
    try {
      return policy.execute(ctx, () => Promise.resolve(fn(...args)));
    } catch (e) {
      return Promise.reject(e);
    }
  };
}
