/**
 * The shape of a benchmark's results file (`results/<name>.json`). Every figure keeps its raw
 * samples so a reader can recompute anything; ratios only compare figures from the same run.
 */

/** Units a figure can be reported in. */
export type FigureUnit = 'msg/s' | 'req/s' | 'ops/s' | 'MB/s' | 'µs' | 'ms' | 's' | 'bytes';

/** One measured quantity, repeated `samples.length` times. */
export interface Figure {
  /** Stable identifier, e.g. `postMessage.oneWay`. */
  readonly id: string;
  /** Which contender produced it, e.g. `postMessage`, `piscina`, `shn ring`, `redis`. */
  readonly subject: string;
  /** What was measured, e.g. `one-way throughput`, `round trip p50 (1 in flight)`. */
  readonly metric: string;
  readonly unit: FigureUnit;
  /** Every repeat's value, in `unit`. */
  readonly samples: readonly number[];
  /** Median over the samples, in `unit`. */
  readonly median: number;
  /** Smallest sample, in `unit`. */
  readonly min: number;
  /** Largest sample, in `unit`. */
  readonly max: number;
  /** (max - min) / median, percent. */
  readonly spreadPct: number;
  /** Free-form remarks (batch sizes, in-flight counts, how a full ring was handled...). */
  readonly note?: string;
}

/** A contender that could not be measured in this run, and why. */
export interface Skipped {
  readonly id: string;
  readonly reason: string;
}

/** `numerator.median / denominator.median`, both figures from this run. */
export interface Ratio {
  readonly id: string;
  readonly label: string;
  readonly numerator: string;
  readonly denominator: string;
  readonly value: number;
  /** Human-readable goal, e.g. `>= 10` or `< 1`, if the project states one. */
  readonly goal?: string;
  /** Whether `value` meets `goal`; absent when there is no goal. */
  readonly met?: boolean;
}

/** Where and when the run happened. */
export interface MachineInfo {
  readonly node: string;
  readonly platform: string;
  readonly arch: string;
  readonly cpus: number;
  readonly cpuModel: string;
  readonly totalMemoryBytes: number;
  /** ISO-8601 date-time of the run (UTC). */
  readonly date: string;
  /** `git rev-parse HEAD` of the checkout, or `unknown`. */
  readonly gitCommit: string;
  /** True if the checkout had uncommitted changes. */
  readonly gitDirty: boolean;
}

/** Everything one bench run produced. */
export interface BenchResult {
  readonly name: string;
  /** True for a `--quick` smoke run: figures are not meaningful, only the shape is. */
  readonly quick: boolean;
  readonly machine: MachineInfo;
  /** The parameters the bench ran with (message counts, repeats, durations...). */
  readonly config: Readonly<Record<string, unknown>>;
  readonly figures: readonly Figure[];
  readonly ratios: readonly Ratio[];
  readonly skipped: readonly Skipped[];
  /** Caveats a reader must know (how a full ring is handled, which flags were used...). */
  readonly notes: readonly string[];
}
