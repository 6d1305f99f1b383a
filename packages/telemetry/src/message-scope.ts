import type { Envelope, Middleware, Next } from '@shn/core';

/**
 * The envelope an actor of this thread is handling right now, if any: what the log mixin reads
 * to put the message id (and, without an OpenTelemetry context manager, the trace id) on every
 * line. Set only for the synchronous part of `receive`; lines logged after an `await` inside the
 * actor carry the trace id through the OpenTelemetry context when one is registered.
 */
export class MessageScope {
  /** The envelope being handled, or undefined between messages. */
  current: Envelope | undefined = undefined;
}

/**
 * Middleware that keeps {@link MessageScope.current} up to date around every `receive`.
 * Restores the previous value afterwards, so nested local deliveries keep their own.
 */
export function createMessageScopeMiddleware(scope: MessageScope): Middleware {
  return {
    name: 'shn.telemetry.scope',
    receive(env: Envelope, next: Next<unknown>): unknown {
      const prev = scope.current;
      scope.current = env;
      try {
        return next(env);
      } finally {
        scope.current = prev;
      }
    },
  };
}
