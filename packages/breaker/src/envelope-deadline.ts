import type { Envelope } from '@shn/core';

/**
 * A copy of `env` with another deadline (epoch ms). Every field is copied explicitly, because
 * runtimes build envelopes as class instances whose fields (`id`) may be getters that a spread drops.
 * @internal
 */
export function withDeadline(env: Envelope, deadline: number | undefined): Envelope {
  return {
    id: env.id,
    to: env.to,
    from: env.from,
    type: env.type,
    body: env.body,
    headers: env.headers,
    priority: env.priority,
    deadline,
    correlationId: env.correlationId,
    replyTo: env.replyTo,
  };
}
