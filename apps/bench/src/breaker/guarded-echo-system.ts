/**
 * The same `echo` system as `echo-system.ts`, with every ask guarded by the `@shn/breaker` ask
 * middleware at its defaults (one breaker group, keyed by shard).
 */
import { defineSystem } from '@shn/core';
import { breakerGroup, resilienceMiddleware } from '@shn/breaker';

/** This thread's breakers. */
export const breakers = breakerGroup();

export default defineSystem({
  kinds: { echo: { mode: 'per-shard', factory: () => ({ receive: (env) => env.body }) } },
  middleware: [resilienceMiddleware({ policy: breakers })],
});
