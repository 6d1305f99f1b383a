import type { Registry } from 'prom-client';
import { CellTable } from './cell-table.js';
import { checkLabelName, checkMetricName } from './metric-names.js';
import type { MetricSnapshot } from './metric-snapshot.js';

/** One series of a {@link HotCounter}: increment `value` directly on hot paths. */
export class CounterCell {
  value = 0;

  /** Adds `n` (default 1). */
  inc(n = 1): void {
    this.value += n;
  }
}

/**
 * A Prometheus counter whose series are plain objects, so that a hot path pays one field
 * increment per event and no label hashing: resolve a {@link CounterCell} once with `cell()`
 * and keep it. It registers itself in a prom-client `Registry` like any other metric.
 */
export class HotCounter {
  readonly name: string;
  readonly help: string;
  readonly type = 'counter';
  readonly aggregator = 'sum';
  readonly #table: CellTable<CounterCell>;

  /**
   * @param maxSeries - label tuples kept before the rest share an `other` series (default 256).
   * @throws ShnError `INVALID_ARGUMENT` for a bad metric or label name.
   */
  constructor(registry: Registry, name: string, help: string, labelNames: readonly string[] = [], maxSeries = 256) {
    this.name = checkMetricName(name, 'counter name');
    this.help = help;
    labelNames.forEach((l) => checkLabelName(l, `label of ${name}`));
    this.#table = new CellTable(labelNames, maxSeries, () => new CounterCell());
    registry.registerMetric(this as never);
  }

  /** The series for these label values, in label-name order. */
  cell(...values: string[]): CounterCell {
    return this.#table.get(values);
  }

  /** The metric in prom-client's JSON shape (what `registry.getMetricsAsJSON()` includes). */
  get(): Promise<MetricSnapshot> {
    const values = [];
    for (const { labels, cell } of this.#table.entries()) values.push({ labels, value: cell.value });
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }

  /** Zeroes every series (prom-client's `registry.resetMetrics()`). */
  reset(): void {
    for (const { cell } of this.#table.entries()) cell.value = 0;
  }
}
