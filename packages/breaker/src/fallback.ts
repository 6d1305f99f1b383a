import { checkFunction } from './option-checks.js';
import type { CallContext, Policy, PolicyNext } from './policy.js';
import { ShnError } from '@shn/core';

/** Options of {@link fallbackPolicy}. */
export interface FallbackOptions {
  /** Which errors fall back [every error]. Others reject as they are. */
  readonly when?: (error: unknown) => boolean;
}

/**
 * Answers with `handler(error, ctx)` when the guarded call fails (a cached value, a default, a
 * degraded answer). Put it outermost so it also catches `CIRCUIT_OPEN`, `BULKHEAD_FULL` and the
 * retries' last error. If the handler throws or rejects, that is the call's error.
 */
export class FallbackPolicy implements Policy {
  /** The policy name, for diagnostics. */
  readonly name = 'fallback';
  readonly #handler: (error: unknown, ctx: CallContext) => unknown;
  readonly #when: ((error: unknown) => boolean) | undefined;

  /** @internal Use {@link fallbackPolicy}. */
  constructor(handler: (error: unknown, ctx: CallContext) => unknown, when: ((error: unknown) => boolean) | undefined) {
    this.#handler = handler;
    this.#when = when;
  }

  /** Runs `next(ctx)`; on a failure `when` accepts, settles with the handler's answer instead. */
  execute<T>(ctx: CallContext, next: PolicyNext<T>): Promise<T> {
    let inner: Promise<T>;
    try {
      inner = next(ctx);
    } catch (e) {
      inner = Promise.reject(e);
    }
    return inner.catch((error: unknown) => {
      if (this.#when !== undefined && !this.#when(error)) throw error;
      return this.#handler(error, ctx) as T | Promise<T>;
    });
  }
}

/**
 * A fallback hook; see {@link FallbackPolicy}.
 * @throws ShnError `INVALID_ARGUMENT` unless `handler` (and `when`, if given) are functions.
 */
export function fallbackPolicy<T>(handler: (error: unknown, ctx: CallContext) => T | Promise<T>, options: FallbackOptions = {}): FallbackPolicy {
  if (typeof handler !== 'function') throw new ShnError('INVALID_ARGUMENT', `fallback handler must be a function, got ${typeof handler}`);
  return new FallbackPolicy(handler, checkFunction('when', options.when));
}
