/**
 * One metric as `registry.getMetricsAsJSON()` of prom-client returns it, typed as plain JSON:
 * what a shard sends to the main thread on a scrape.
 */
export interface MetricSnapshot {
  readonly name: string;
  readonly help: string;
  /** `counter`, `gauge`, `histogram` or `summary` (prom-client's runtime values). */
  readonly type: string;
  readonly aggregator?: string;
  readonly values: readonly MetricSample[];
}

/** One sample of a {@link MetricSnapshot}: its labels, value and, for histogram parts, the series name. */
export interface MetricSample {
  readonly labels: Readonly<Record<string, string | number>>;
  readonly value: number;
  /** `<name>_bucket`, `<name>_sum` or `<name>_count` for histograms; absent otherwise. */
  readonly metricName?: string;
}
