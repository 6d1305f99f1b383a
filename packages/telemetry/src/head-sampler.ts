import { ShnError } from '@shn/core';
import type { Rng } from '@shn/core';

/**
 * A head sampler that picks each event independently with probability `ratio`, drawn as
 * geometric gaps: one random draw per picked event, and a decrement per skipped one. The gaps
 * between picks have exactly the distribution of independent Bernoulli(`ratio`) trials (the
 * number of failures before a success is geometric), so this is the per-event coin flip at a
 * fraction of its cost: at `ratio = 0.01`, 99 events in 100 cost a subtraction and a compare.
 * `ratio = 1` picks every event and `ratio = 0` none, both without drawing.
 * @internal
 */
export class HeadSampler {
  readonly #ratio: number;
  readonly #rng: Rng;
  /** log(1 - ratio), the scale of the gaps (negative; -Infinity at ratio 1). */
  readonly #logSkip: number;
  /** Events still to skip before the next pick. */
  #left: number;

  /** @throws ShnError `INVALID_ARGUMENT` for a ratio outside [0, 1] or an rng without next(). */
  constructor(ratio: number, rng: Rng) {
    if (typeof ratio !== 'number' || !(ratio >= 0 && ratio <= 1)) throw new ShnError('INVALID_ARGUMENT', `sampling ratio must be a number in [0, 1], got ${String(ratio)}`);
    if (typeof rng?.next !== 'function') throw new ShnError('INVALID_ARGUMENT', 'sampler rng must have next()');
    this.#ratio = ratio;
    this.#rng = rng;
    this.#logSkip = Math.log1p(-ratio);
    this.#left = this.#gap();
  }

  /** Whether this event is picked. */
  take(): boolean {
    if (this.#left > 0) {
      this.#left--;
      return false;
    }
    this.#left = this.#gap();
    return true;
  }

  /** Failures before the next success: floor(log(u) / log(1 - ratio)) for u uniform in (0, 1]. */
  #gap(): number {
    if (this.#ratio >= 1) return 0;
    if (this.#ratio <= 0) return Infinity;
    const u = 1 - this.#rng.next();
    if (!(u > 0)) return 0; // an rng that returned 1 (outside its contract): pick now rather than never
    const g = Math.floor(Math.log(u) / this.#logSkip);
    if (!(g >= 0)) return 0; // u above 1 (an rng below 0): pick now
    return g <= Number.MAX_SAFE_INTEGER ? g : Number.MAX_SAFE_INTEGER;
  }
}
