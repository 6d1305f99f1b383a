/**
 * The system module of the telemetry bench: one per-shard `sink` actor that counts `set`
 * messages, with telemetry in one of the settings given by params: `off` (no middleware),
 * `metrics` (createTelemetry defaults without logs: metrics middleware), `tracing` (metrics plus
 * the tracing middleware with `roots: 0.01`, its head sampler, in front of an always-on,
 * parent-based SDK) or `tracing-sdk` (the tracing middleware at its default `roots: 1`, with the
 * SDK's own ParentBased(TraceIdRatioBased(0.01)) sampler). Two more split the cost of `tracing`:
 * `tracing-check` (roots: false, so no tell is picked: only what every tell pays, the
 * `intercepts` call and its active-context lookup) and `tracing-unrecorded` (roots: 0.01 in
 * front of an SDK whose root sampler records nothing: the picked 1% carry ids and a traceparent
 * and take the envelope path, but their spans do not record). Every thread's SDK has no span
 * processor, so export cost is not measured.
 * Imported by every shard worker and the main thread; starts nothing at import time.
 */
import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { AlwaysOffSampler, AlwaysOnSampler, BasicTracerProvider, ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import { ShnError, defineSystem } from '@shn/core';
import type { ActorBehavior, Envelope, Middleware } from '@shn/core';
import { createTelemetry } from '@shn/telemetry';

/** The settings the bench compares. */
export type TelemetrySetting = 'off' | 'metrics' | 'tracing' | 'tracing-sdk' | 'tracing-check' | 'tracing-unrecorded';

/** Every setting, in the bench's order. */
export const TELEMETRY_SETTINGS: readonly TelemetrySetting[] = ['off', 'metrics', 'tracing', 'tracing-sdk', 'tracing-check', 'tracing-unrecorded'];

/** The sampling ratio of the `tracing` setting. */
export const TRACE_RATIO = 0.01;

let contextManager = false;
/** The SDK of a tracing setting in this thread: always-on for `tracing` and `tracing-check` (the middleware samples), 1% for `tracing-sdk`, always-off for `tracing-unrecorded`. */
export function benchTracerProvider(setting: 'tracing' | 'tracing-sdk' | 'tracing-check' | 'tracing-unrecorded'): BasicTracerProvider {
  if (!contextManager) {
    contextManager = true;
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  }
  const root = setting === 'tracing-sdk' ? new TraceIdRatioBasedSampler(TRACE_RATIO) : setting === 'tracing-unrecorded' ? new AlwaysOffSampler() : new AlwaysOnSampler();
  return new BasicTracerProvider({ sampler: new ParentBasedSampler({ root }), spanProcessors: [] });
}

function sink(): ActorBehavior {
  let count = 0;
  return {
    receive(env: Envelope) {
      if (env.type === 'set') {
        count++;
        return undefined;
      }
      if (env.type === 'count') return count;
      throw new ShnError('INVALID_ARGUMENT', `sink: unknown message type ${env.type}`);
    },
  };
}

const middlewareBySetting = new Map<TelemetrySetting, readonly Middleware[]>();

export default defineSystem((setting: TelemetrySetting) => {
  if (!TELEMETRY_SETTINGS.includes(setting)) {
    throw new ShnError('INVALID_ARGUMENT', `telemetry bench setting must be one of ${TELEMETRY_SETTINGS.join('|')}, got ${String(setting)}`);
  }
  let middleware = middlewareBySetting.get(setting);
  if (middleware === undefined) {
    // `roots` of each tracing setting: the head sampler's 1%, none, or the default (the SDK samples).
    const tracing =
      setting === 'off' || setting === 'metrics'
        ? false
        : { tracerProvider: benchTracerProvider(setting), ...(setting === 'tracing-sdk' ? {} : { roots: setting === 'tracing-check' ? false : TRACE_RATIO }) };
    middleware = setting === 'off' ? [] : createTelemetry({ logs: false, tracing }).middleware;
    middlewareBySetting.set(setting, middleware);
  }
  return { kinds: { sink: { mode: 'per-shard' as const, factory: sink } }, middleware: [...middleware] };
});
