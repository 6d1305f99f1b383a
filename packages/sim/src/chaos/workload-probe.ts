import { isShnError } from '@shn/core';
import type { Clock } from '@shn/core';

/** Latency percentiles in ms. */
export interface LatencySummary {
  readonly count: number;
  readonly meanMs: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

/** What a workload observed. */
export interface WorkloadSummary {
  /** Operations run through {@link WorkloadProbe.run}. */
  readonly total: number;
  readonly ok: number;
  readonly failed: number;
  /** Failures by ShnError code (`NOT_SHN_ERROR` for anything else). */
  readonly errorsByCode: Readonly<Record<string, number>>;
  /** Latency of every operation, failed ones included (percentiles over the last `MAX_LATENCY_SAMPLES`). */
  readonly latency: LatencySummary;
  /** Wrong answers the workload reported with {@link WorkloadProbe.violation}. */
  readonly violations: number;
  /** The first 100 violation messages. */
  readonly violationMessages: readonly string[];
}

/** The outcome of one probed operation. */
export type ProbeResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly code: string; readonly error: unknown };

/** Latency samples kept for percentiles (a ring of the most recent ones). */
export const MAX_LATENCY_SAMPLES = 100_000;

/**
 * Handed to a gameday workload: times operations, tallies errors by code and collects
 * violations (wrong answers). A workload loops until {@link stopped} is true.
 */
export class WorkloadProbe {
  readonly #clock: Clock;
  readonly #isStopped: () => boolean;
  readonly #samples: number[] = [];
  #next = 0;
  #sum = 0;
  #max = 0;
  #total = 0;
  #ok = 0;
  readonly #errors = new Map<string, number>();
  #violations = 0;
  readonly #messages: string[] = [];

  /** @param isStopped - tells the workload to finish. */
  constructor(clock: Clock, isStopped: () => boolean) {
    this.#clock = clock;
    this.#isStopped = isStopped;
  }

  /** True once the gameday wants the workload to finish its current operation and return. */
  get stopped(): boolean {
    return this.#isStopped();
  }

  /** Runs `op`, recording its latency (ms, from the clock's monotonic time) and outcome. Never rejects. */
  async run<T>(op: () => Promise<T> | T): Promise<ProbeResult<T>> {
    const t0 = this.#clock.monotonic();
    let result: ProbeResult<T>;
    try {
      result = { ok: true, value: await op() };
      this.#ok++;
    } catch (error) {
      const code = isShnError(error) ? error.code : 'NOT_SHN_ERROR';
      this.#errors.set(code, (this.#errors.get(code) ?? 0) + 1);
      result = { ok: false, code, error };
    }
    this.#record(this.#clock.monotonic() - t0);
    return result;
  }

  /** Records a wrong answer (a broken invariant the workload checked). */
  violation(message: string): void {
    this.#violations++;
    if (this.#messages.length < 100) this.#messages.push(message);
  }

  #record(ms: number): void {
    this.#total++;
    this.#sum += ms;
    if (ms > this.#max) this.#max = ms;
    if (this.#samples.length < MAX_LATENCY_SAMPLES) this.#samples.push(ms);
    else {
      this.#samples[this.#next] = ms;
      this.#next = (this.#next + 1) % MAX_LATENCY_SAMPLES;
    }
  }

  /** A snapshot of what was observed so far. */
  summary(): WorkloadSummary {
    const sorted = [...this.#samples].sort((a, b) => a - b);
    const pct = (p: number): number => (sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] as number));
    return {
      total: this.#total,
      ok: this.#ok,
      failed: this.#total - this.#ok,
      errorsByCode: Object.fromEntries(this.#errors),
      latency: {
        count: this.#total,
        meanMs: this.#total === 0 ? 0 : this.#sum / this.#total,
        p50Ms: pct(0.5),
        p90Ms: pct(0.9),
        p99Ms: pct(0.99),
        maxMs: this.#max,
      },
      violations: this.#violations,
      violationMessages: [...this.#messages],
    };
  }
}
