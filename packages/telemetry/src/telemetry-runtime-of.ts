import { ShnError } from '@shn/core';
import type { ActorRef, RuntimeEvent, RuntimeObserver, ShardGauges, ShnError as ShnErrorType } from '@shn/core';
import type { TelemetryRuntime } from './telemetry-runtime.js';

/**
 * A runtime that has everything {@link TelemetryRuntime} needs except, possibly, `subscribe` and
 * `shardStates` (a runtime that predates core's RuntimeHandle and has `on(listener)` instead).
 */
export interface RuntimeLike {
  readonly shards: number;
  readonly node: string;
  readonly ready: boolean;
  readonly failed: ShnErrorType | undefined;
  gauges(): ShardGauges[];
  whenReady(): Promise<void>;
  refOnShard(shard: number, kind: string, id: string): ActorRef;
  subscribe?(observer: RuntimeObserver): () => void;
  shardStates?(): readonly ShardGauges['state'][];
  on?(listener: (event: RuntimeEvent) => void): () => void;
}

/**
 * The runtime itself when it already is a {@link TelemetryRuntime}, else a live view of it that
 * adds `subscribe` (from `on`) and `shardStates` (from `gauges()`). Every read goes to the runtime.
 * @throws ShnError `INVALID_ARGUMENT` if it has neither `subscribe` nor `on`, or lacks `refOnShard`/`gauges`.
 */
export function telemetryRuntimeOf(rt: RuntimeLike): TelemetryRuntime {
  if (typeof rt?.refOnShard !== 'function' || typeof rt.gauges !== 'function') {
    throw new ShnError('INVALID_ARGUMENT', 'telemetryRuntimeOf needs a runtime with refOnShard() and gauges()');
  }
  if (typeof rt.subscribe === 'function' && typeof rt.shardStates === 'function') return rt as TelemetryRuntime;
  const on = rt.on;
  if (typeof rt.subscribe !== 'function' && typeof on !== 'function') {
    throw new ShnError('INVALID_ARGUMENT', 'telemetryRuntimeOf needs a runtime with subscribe(observer) or on(listener)');
  }
  return {
    get shards() {
      return rt.shards;
    },
    get node() {
      return rt.node;
    },
    get ready() {
      return rt.ready;
    },
    get failed() {
      return rt.failed;
    },
    shardStates: () => (typeof rt.shardStates === 'function' ? rt.shardStates() : rt.gauges().map((g) => g.state)),
    gauges: () => rt.gauges(),
    subscribe: (o: RuntimeObserver) => (typeof rt.subscribe === 'function' ? rt.subscribe(o) : (on as NonNullable<RuntimeLike['on']>).call(rt, (e) => o.onEvent(e))),
    whenReady: () => rt.whenReady(),
    refOnShard: (shard, kind, id) => rt.refOnShard(shard, kind, id),
  };
}
