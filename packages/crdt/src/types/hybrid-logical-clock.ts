import type { Clock } from '@shn/core';
import { systemClock } from '@shn/core';

/** A hybrid logical clock timestamp: wall milliseconds plus a logical counter for ties. */
export interface HlcTimestamp {
  /** Wall-clock part, epoch milliseconds (integer). */
  readonly w: number;
  /** Logical counter, bumped when the wall part does not advance. */
  readonly c: number;
}

/** Orders timestamps: by wall time, then counter. */
export function compareHlc(a: HlcTimestamp, b: HlcTimestamp): number {
  return a.w !== b.w ? a.w - b.w : a.c - b.c;
}

/**
 * A hybrid logical clock (Kulkarni et al.) over an injected {@link Clock}: timestamps stay
 * close to wall time but never go backwards, and `next(after)` is strictly later than both
 * every timestamp this clock issued and `after` (so a write always wins over what the
 * writer has seen, even if its wall clock lags).
 */
export class HybridLogicalClock {
  private last: HlcTimestamp = { w: 0, c: 0 };

  /** @param clock wall-time source (defaults to {@link systemClock}). */
  constructor(private readonly clock: Clock = systemClock) {}

  /** A fresh timestamp later than everything issued so far and than `after` (if given). */
  next(after?: HlcTimestamp): HlcTimestamp {
    const pt = Math.max(0, Math.floor(this.clock.now()));
    const seen = after !== undefined && compareHlc(after, this.last) > 0 ? after : this.last;
    const ts = pt > seen.w ? { w: pt, c: 0 } : { w: seen.w, c: seen.c + 1 };
    this.last = ts;
    return ts;
  }

  /** Records a remote timestamp so later local timestamps exceed it. */
  observe(ts: HlcTimestamp): void {
    if (compareHlc(ts, this.last) > 0) this.last = ts;
  }
}
