import { HEADERS, ShnError } from '@shn/core';
import type { Envelope, Middleware, Next } from '@shn/core';
import type { DestinationKey } from './destination-keys.js';
import { byShard } from './destination-keys.js';
import { withDeadline } from './envelope-deadline.js';
import type { CallContext, Policy } from './policy.js';

/** Options of {@link resilienceMiddleware}. */
export interface ResilienceMiddlewareOptions {
  /** What guards each ask: a {@link BreakerGroup}, or a {@link pipeline} of policies. */
  readonly policy: Policy;
  /** The destination of an ask (breaker key); undefined lets the ask through unguarded [{@link byShard}]. */
  readonly key?: DestinationKey;
  /** Middleware name for diagnostics ['breaker']. */
  readonly name?: string;
}

/**
 * Core {@link Middleware} that runs every outgoing ask under `policy`, keyed per destination.
 *
 * The call context comes from the envelope: `destination = key(env)`, `deadline = env.deadline`,
 * `retryable` when the `shn-retryable` header ({@link HEADERS}.retryable) is `"1"`. A tighter
 * deadline set by a timeout policy is written into the envelope passed on. A refused ask
 * rejects with the policy's ShnError (`CIRCUIT_OPEN`, `BULKHEAD_FULL`, `TIMEOUT`,
 * `DEADLINE_EXCEEDED`) at once, before anything is sent. Tells and receives are not touched.
 *
 * Retries send the same envelope again (same correlation id): mark only idempotent asks retryable.
 * @throws ShnError `INVALID_ARGUMENT` for a missing policy or a key that is not a function.
 */
export function resilienceMiddleware(options: ResilienceMiddlewareOptions): Middleware {
  const policy = options?.policy;
  if (typeof policy?.execute !== 'function') throw new ShnError('INVALID_ARGUMENT', 'resilienceMiddleware needs options.policy');
  const key = options.key ?? byShard;
  if (typeof key !== 'function') throw new ShnError('INVALID_ARGUMENT', `key must be a function (env) => string | undefined, got ${typeof key}`);
  const name = options.name ?? 'breaker';
  return {
    name,
    ask(env: Envelope, next: Next<Promise<unknown>>): Promise<unknown> {
      let destination: string | undefined;
      try {
        destination = key(env);
      } catch (e) {
        return Promise.reject(e);
      }
      if (destination === undefined) return next(env);
      const ctx: CallContext = {
        destination,
        deadline: env.deadline,
        retryable: env.headers[HEADERS.retryable] === '1',
        attempt: 0,
      };
      try {
        return policy.execute(ctx, (c) => next(c.deadline === env.deadline ? env : withDeadline(env, c.deadline)));
      } catch (e) {
        return Promise.reject(e);
      }
    },
  };
}
