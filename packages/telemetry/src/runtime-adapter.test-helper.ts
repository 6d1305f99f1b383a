import type { Runtime } from '@shn/core-mailbox';
import type { RuntimeObserver } from '@shn/core';
import type { TelemetryRuntime } from './telemetry-runtime.js';

/**
 * The core-mailbox Runtime as a {@link TelemetryRuntime}: adds `subscribe` and `shardStates`
 * where this version of the runtime lacks them (the RuntimeHandle seam of issue 5).
 */
export function asTelemetryRuntime(rt: Runtime): TelemetryRuntime & Runtime {
  const r = rt as Runtime & Partial<TelemetryRuntime>;
  if (typeof r.subscribe === 'function' && typeof r.shardStates === 'function') return r as TelemetryRuntime & Runtime;
  return Object.assign(Object.create(rt) as Runtime, {
    subscribe: (o: RuntimeObserver) => rt.on((e) => o.onEvent(e)),
    shardStates: () => rt.gauges().map((g) => g.state),
  }) as TelemetryRuntime & Runtime;
}
