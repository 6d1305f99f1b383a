import { RestartWindow, ShnError } from '@shn/core';

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
 * Restart intensity (OTP's MaxR/MaxT) plus exponential backoff for one shard, on `@shn/core`'s
 * `RestartWindow` (the one sliding window of shn: a restart exactly `periodMs` ago has left it).
 * `next(now)` returns the delay before the next restart, or -1 when the intensity is exceeded.
 */
export class RestartLimiter {
  readonly #window: RestartWindow;
  readonly #initial: number;
  readonly #cap: number;
  #streak = 0;

  /** @throws ShnError `INVALID_ARGUMENT` for a bad intensity or backoff, naming the field. */
  constructor(o: ShardRestartOptions = {}) {
    const maxRestarts = o.maxRestarts ?? 5;
    const periodMs = o.periodMs ?? 10_000;
    this.#initial = o.backoffMs?.initial ?? 10;
    this.#cap = o.backoffMs?.max ?? 1_000;
    if (!Number.isInteger(maxRestarts) || maxRestarts < 0) throw new ShnError('INVALID_ARGUMENT', `restart.maxRestarts must be an integer >= 0, got ${String(maxRestarts)}`);
    if (!(periodMs > 0)) throw new ShnError('INVALID_ARGUMENT', `restart.periodMs must be > 0, got ${String(periodMs)}`);
    if (!(this.#initial >= 0) || !(this.#cap >= this.#initial)) {
      throw new ShnError('INVALID_ARGUMENT', 'restart.backoffMs needs 0 <= initial <= max');
    }
    this.#window = new RestartWindow({ maxRestarts, periodMs });
  }

  /** Records a crash at `now` (ms); returns the backoff delay in ms, or -1 to give up. */
  next(now: number): number {
    if (!this.#window.record(now)) return -1;
    if (this.#window.count === 1) this.#streak = 0; // the window was empty: backoff starts over
    const delay = Math.min(this.#cap, this.#initial * 2 ** this.#streak);
    this.#streak++;
    return delay;
  }

  /** The most restarts tolerated within the period. */
  get maxRestarts(): number {
    return this.#window.intensity.maxRestarts;
  }
}
