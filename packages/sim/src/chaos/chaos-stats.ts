/** Counters of what a chaos middleware did, in this thread (each thread has its own instance). */
export interface ChaosStats {
  /** Envelopes seen by an enabled hook. */
  readonly seen: number;
  /** Envelopes delayed, and the summed delay in ms. */
  readonly delayed: number;
  readonly delayTotalMs: number;
  /** Envelopes dropped (tells that still answered `accepted`, asks that will time out). */
  readonly dropped: number;
  /** Extra copies delivered. */
  readonly duplicated: number;
  /** Errors thrown. */
  readonly errored: number;
  /** Receive-side drops of an ask that were not applied (an ask cannot be dropped after delivery). */
  readonly spared: number;
  /** Delayed tells the runtime refused (`full`/`closed`) or failed on when finally sent. */
  readonly lateRefused: number;
  /** Times each rule fired, by rule name. */
  readonly byRule: Readonly<Record<string, number>>;
}

/** Mutable counters behind {@link ChaosStats}. @internal */
export class ChaosCounters {
  seen = 0;
  delayed = 0;
  delayTotalMs = 0;
  dropped = 0;
  duplicated = 0;
  errored = 0;
  spared = 0;
  lateRefused = 0;
  readonly byRule = new Map<string, number>();

  fired(rule: string): void {
    this.byRule.set(rule, (this.byRule.get(rule) ?? 0) + 1);
  }

  snapshot(): ChaosStats {
    return {
      seen: this.seen,
      delayed: this.delayed,
      delayTotalMs: this.delayTotalMs,
      dropped: this.dropped,
      duplicated: this.duplicated,
      errored: this.errored,
      spared: this.spared,
      lateRefused: this.lateRefused,
      byRule: Object.fromEntries(this.byRule),
    };
  }
}
