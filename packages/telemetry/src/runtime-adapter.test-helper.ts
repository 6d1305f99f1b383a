import type { Runtime } from '@shn/core-mailbox';
import type { RuntimeObserver } from '@shn/core';
import type { TelemetryRuntime } from './telemetry-runtime.js';

/**
 * The core-mailbox Runtime as a {@link TelemetryRuntime}: a wrapper that adds `subscribe` and
 * `shardStates` where this version of the runtime lacks them (the RuntimeHandle seam of issue 5).
 */
export function asTelemetryRuntime(rt: Runtime): TelemetryRuntime {
  const r = rt as Runtime & Partial<TelemetryRuntime>;
  if (typeof r.subscribe === 'function' && typeof r.shardStates === 'function') return r as unknown as TelemetryRuntime;
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
    shardStates: () => rt.gauges().map((g) => g.state),
    gauges: () => rt.gauges(),
    subscribe: (o: RuntimeObserver) => rt.on((e) => o.onEvent(e)),
    whenReady: () => rt.whenReady(),
    refOnShard: (shard, kind, id) => rt.refOnShard(shard, kind, id),
  };
}
