import { ShnError } from '@shn/core';
import type { Registry } from 'prom-client';
import { DEFAULT_SECONDS_BUCKETS, checkBuckets } from './buckets.js';
import { CellTable } from './cell-table.js';
import { checkLabelName, checkMetricName } from './metric-names.js';
import type { MetricSample, MetricSnapshot } from './metric-snapshot.js';

/** One series of a {@link HotHistogram}: per-bucket counts (not cumulative), sum and count. */
export class HistogramCell {
  /** `counts[i]` observations fell in `(bounds[i-1], bounds[i]]`; the last slot is `+Inf`. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;
  readonly #bounds: Float64Array;

  constructor(bounds: Float64Array) {
    this.#bounds = bounds;
    this.counts = new Float64Array(bounds.length + 1);
  }

  /** Records one observation, in the metric's unit (seconds for `_seconds` metrics). */
  observe(v: number): void {
    const b = this.#bounds;
    let i = 0;
    while (i < b.length && v > (b[i] as number)) i++;
    this.counts[i] = (this.counts[i] as number) + 1;
    this.sum += v;
    this.count++;
  }
}

/**
 * A Prometheus histogram for hot paths: a {@link HistogramCell} per label tuple, found once and
 * kept by the caller, so an observation is a short linear bucket scan and three additions.
 * Registers itself in a prom-client `Registry` and renders the usual `_bucket{le}`, `_sum`, `_count`.
 */
export class HotHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly bounds: readonly number[];
  readonly #bounds: Float64Array;
  readonly #table: CellTable<HistogramCell>;

  /**
   * @param buckets - upper bounds, strictly increasing (default {@link DEFAULT_SECONDS_BUCKETS}).
   * @throws ShnError `INVALID_ARGUMENT` for a bad name, label or bucket list.
   */
  constructor(
    registry: Registry,
    name: string,
    help: string,
    labelNames: readonly string[] = [],
    buckets: readonly number[] = DEFAULT_SECONDS_BUCKETS,
    maxSeries = 256,
  ) {
    this.name = checkMetricName(name, 'histogram name');
    this.help = help;
    labelNames.forEach((l) => {
      checkLabelName(l, `label of ${name}`);
      if (l === 'le') throw new ShnError('INVALID_ARGUMENT', `histogram ${name}: le is reserved for bucket bounds`);
    });
    this.bounds = checkBuckets(buckets, name);
    this.#bounds = Float64Array.from(this.bounds);
    this.#table = new CellTable(labelNames, maxSeries, () => new HistogramCell(this.#bounds));
    registry.registerMetric(this as never);
  }

  /** The series for these label values, in label-name order. */
  cell(...values: string[]): HistogramCell {
    return this.#table.get(values);
  }

  /** The metric in prom-client's JSON shape: cumulative `_bucket` samples with `le`, then `_sum` and `_count`. */
  get(): Promise<MetricSnapshot> {
    const values: MetricSample[] = [];
    const bucket = `${this.name}_bucket`;
    for (const { labels, cell } of this.#table.entries()) {
      let acc = 0;
      for (let i = 0; i <= this.bounds.length; i++) {
        acc += cell.counts[i] as number;
        values.push({ labels: { ...labels, le: i < this.bounds.length ? (this.bounds[i] as number) : '+Inf' }, value: acc, metricName: bucket });
      }
      values.push({ labels, value: cell.sum, metricName: `${this.name}_sum` });
      values.push({ labels, value: cell.count, metricName: `${this.name}_count` });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }

  /** Zeroes every series. */
  reset(): void {
    for (const { cell } of this.#table.entries()) {
      cell.counts.fill(0);
      cell.sum = 0;
      cell.count = 0;
    }
  }
}
