/** The label value that stands for every label set beyond a metric's limit. */
export const OVERFLOW_LABEL = 'other';

/**
 * The cells of one metric, one per label-value tuple, with a hard cap: past `maxSeries` tuples
 * every new tuple shares one overflow cell whose labels are all {@link OVERFLOW_LABEL}, so a
 * misbehaving caller can never blow up the scrape.
 */
export class CellTable<C> {
  readonly labelNames: readonly string[];
  readonly #cells = new Map<string, { labels: Record<string, string>; cell: C }>();
  readonly #make: () => C;
  readonly #max: number;

  constructor(labelNames: readonly string[], maxSeries: number, make: () => C) {
    this.labelNames = labelNames;
    this.#max = maxSeries;
    this.#make = make;
  }

  /** The cell for these label values (in `labelNames` order). */
  get(values: readonly string[]): C {
    const key = values.length === 1 ? (values[0] as string) : values.join('\u0000');
    const hit = this.#cells.get(key);
    if (hit !== undefined) return hit.cell;
    const overflow = this.#cells.size >= this.#max;
    const k = overflow ? '\u0001overflow' : key;
    const again = this.#cells.get(k);
    if (again !== undefined) return again.cell;
    const labels: Record<string, string> = {};
    this.labelNames.forEach((n, i) => {
      labels[n] = overflow ? OVERFLOW_LABEL : (values[i] ?? '');
    });
    const cell = this.#make();
    this.#cells.set(k, { labels, cell });
    return cell;
  }

  /** Every cell with its labels. */
  entries(): IterableIterator<{ labels: Record<string, string>; cell: C }> {
    return this.#cells.values();
  }

  /** Forgets every cell. */
  clear(): void {
    this.#cells.clear();
  }
}
