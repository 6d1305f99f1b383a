import { ShnError } from '@shn/core';

/** How the main thread restarts crashed shard threads. */
export interface ShardRestartOptions {
  /** Most restarts of one shard within `periodMs` before the runtime gives up (default 5). */
  readonly maxRestarts?: number;
  /** The sliding window for `maxRestarts`, ms (default 10 000). */
  readonly periodMs?: number;
  /** Exponential backoff between restarts of one shard, ms (default 10 doubling up to 1 000). */
  readonly backoffMs?: { readonly initial?: number; readonly max?: number };
}

/**
 * Restart intensity (OTP's MaxR/MaxT) plus exponential backoff for one shard.
 * `next(now)` returns the delay before the next restart, or -1 when the intensity is exceeded.
 */
export class RestartLimiter {
  readonly #max: number;
  readonly #period: number;
  readonly #initial: number;
  readonly #cap: number;
  readonly #times: number[] = [];
  #streak = 0;

  constructor(o: ShardRestartOptions = {}) {
    this.#max = o.maxRestarts ?? 5;
    this.#period = o.periodMs ?? 10_000;
    this.#initial = o.backoffMs?.initial ?? 10;
    this.#cap = o.backoffMs?.max ?? 1_000;
    if (!Number.isInteger(this.#max) || this.#max < 0) throw new ShnError('INVALID_ARGUMENT', 'restart.maxRestarts must be an integer >= 0');
    if (!(this.#period > 0)) throw new ShnError('INVALID_ARGUMENT', 'restart.periodMs must be > 0');
    if (!(this.#initial >= 0) || !(this.#cap >= this.#initial)) {
      throw new ShnError('INVALID_ARGUMENT', 'restart.backoffMs needs 0 <= initial <= max');
    }
  }

  /** Records a crash at `now` (ms); returns the backoff delay in ms, or -1 to give up. */
  next(now: number): number {
    while (this.#times.length > 0 && now - (this.#times[0] as number) > this.#period) this.#times.shift();
    if (this.#times.length === 0) this.#streak = 0;
    if (this.#times.length >= this.#max) return -1;
    this.#times.push(now);
    const delay = Math.min(this.#cap, this.#initial * 2 ** this.#streak);
    this.#streak++;
    return delay;
  }

  /** Restarts counted in the current window. */
  get recent(): number {
    return this.#times.length;
  }
}
