/**
 * The shn-kv system module: imported by every shard thread (and by the main thread for the
 * router). It declares the `kv` actor kind; it starts nothing at import time. It default-exports
 * a factory of {@link KvSystemParams}, which `startServer({ params })` hands to every thread.
 */
import { ShnError, type SystemDefinition } from '@shn/core';
import { defineSystem } from '@shn/core-mailbox';
import { createKvActor, type KvActorOptions } from './kv-actor.js';
import { kvRouter } from './kv-router.js';
import { breakerMiddleware } from '../breaker/kv-breakers.js';
import { configureKvTelemetry, telemetryDefinition, type KvTelemetryParams } from '../telemetry/kv-telemetry.js';
import type { KvPersistenceParams } from '../persistence/kv-persistence-params.js';

/** Per-shard mailbox capacity of the `kv` actor, in envelopes. */
export const KV_MAILBOX_CAPACITY = 1 << 16;

/** Params of the kv system module: what configures shard behaviour (structured-cloneable). */
export interface KvSystemParams extends KvTelemetryParams {
  /** Active-expiry tuning of every shard (see {@link KvActorOptions}). */
  readonly expiry?: KvActorOptions;
  /** Largest payload of one gateway↔shard message, bytes (startServer sets it from the ring capacity). */
  readonly messageBudget?: number;
  /** Checkpoints and append-only log (startServer fills it from its `persistence` option); absent = memory only. */
  readonly persistence?: KvPersistenceParams;
}

/**
 * The kv system definition for `params` (undefined = defaults).
 * @throws ShnError `INVALID_ARGUMENT` for params that are not an object.
 */
export function kvSystemDefinition(params: KvSystemParams | undefined): SystemDefinition {
  if (params !== undefined && (typeof params !== 'object' || params === null)) {
    throw new ShnError('INVALID_ARGUMENT', `kv system params must be an object, got ${typeof params}`);
  }
  const options: KvActorOptions = {
    ...params?.expiry,
    ...(params?.messageBudget === undefined ? {} : { messageBudget: params.messageBudget }),
    ...(params?.persistence === undefined ? {} : { persistence: params.persistence }),
  };
  const telemetry = telemetryDefinition(configureKvTelemetry(params));
  return {
    router: kvRouter,
    // Telemetry outermost (it sees refused asks too), then the cross-shard breakers.
    middleware: [...telemetry.middleware, breakerMiddleware()],
    kinds: {
      kv: { mode: 'per-shard', factory: () => createKvActor(options), mailboxCapacity: KV_MAILBOX_CAPACITY },
      ...telemetry.kinds,
    },
  };
}

export default defineSystem((params: KvSystemParams | undefined) => kvSystemDefinition(params));
