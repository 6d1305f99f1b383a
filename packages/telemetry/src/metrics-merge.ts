import { Registry } from 'prom-client';
import type { MetricSample, MetricSnapshot } from './metric-snapshot.js';

/** The metrics of one thread: its `shard` label value (`"0"`, `"1"`, … or `"main"`) and its registry's JSON. */
export interface ThreadMetrics {
  readonly shard: string;
  readonly metrics: readonly MetricSnapshot[];
}

/**
 * Merges per-thread registries into one metric list, like prom-client's `AggregatorRegistry`
 * but labelling instead of summing: every sample gets `shard="<thread>"` unless it already has
 * a `shard` label (the main thread's per-shard gauges). A metric whose type differs from the
 * first thread that reported it is left out rather than rendered inconsistently.
 */
export function mergeThreadMetrics(threads: readonly ThreadMetrics[]): MetricSnapshot[] {
  const byName = new Map<string, { name: string; help: string; type: string; values: MetricSample[] }>();
  for (const t of threads) {
    for (const m of t.metrics) {
      let merged = byName.get(m.name);
      if (merged === undefined) {
        merged = { name: m.name, help: m.help, type: m.type, values: [] };
        byName.set(m.name, merged);
      } else if (merged.type !== m.type) {
        continue;
      }
      for (const v of m.values) {
        const labels = 'shard' in v.labels ? v.labels : { shard: t.shard, ...v.labels };
        merged.values.push(v.metricName === undefined ? { labels, value: v.value } : { labels, value: v.value, metricName: v.metricName });
      }
    }
  }
  return [...byName.values()];
}

/**
 * Renders metric snapshots in the Prometheus text exposition format (0.0.4), through prom-client.
 */
export async function renderPrometheus(metrics: readonly MetricSnapshot[]): Promise<string> {
  const registry = new Registry();
  for (const m of metrics) {
    registry.registerMetric({ name: m.name, help: m.help, type: m.type, get: () => Promise.resolve(m), reset: () => undefined } as never);
  }
  return registry.metrics();
}

/** The Content-Type of {@link renderPrometheus}'s output. */
export const PROMETHEUS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;
