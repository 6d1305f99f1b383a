import { systemClock } from '@shn/core';
import type { Clock, RunQueue } from '@shn/core';
import { FifoBuffer } from '../fifo-buffer.js';
import { checkInt, checkPositive, invalid } from '../option-checks.js';
import { checkPriority, levelOf } from './priority-level.js';

/** Options of {@link PriorityRunQueue}. */
export interface PriorityRunQueueOptions {
  /** Priority levels, 1..256 (default 4); priority p (0..255) is level `floor(p * levels / 256)`. */
  readonly levels?: number;
  /**
   * A waiting item rises one level per `agingInterval` (default 64), counted in `agingUnit`.
   * `Infinity` turns aging off: strict priority, where a busy high level starves the low ones.
   */
  readonly agingInterval?: number;
  /** `arrivals` (default): later pushes; `ms`: milliseconds of `clock.monotonic()`. */
  readonly agingUnit?: 'arrivals' | 'ms';
  /** Used when `agingUnit` is `ms` (default `systemClock`). */
  readonly clock?: Clock;
}

interface Entry<T> {
  readonly item: T;
  /** Virtual deadline: arrival tick + (levels - 1 - level) * agingInterval. */
  readonly key: number;
}

/**
 * Fixed priority levels with aging. Each level is FIFO. Every item gets a virtual deadline of
 * its arrival tick plus `(levels - 1 - level) * agingInterval`, and `pop` returns the item with
 * the earliest one (ties go to the higher level): that is strict priority between items that
 * arrived close together, and a low item overtakes high ones that arrived more than
 * `(levels - 1) * agingInterval` after it.
 *
 * Bound (with `agingUnit: 'arrivals'`): an item is popped after at most
 * `queuedAhead + (levels - 1) * agingInterval` other pops, where `queuedAhead` is the queue size
 * when it was pushed. With `ms`, nothing that arrives more than `(levels - 1) * agingInterval` ms
 * after it overtakes it. O(levels) pop, O(1) push.
 */
export class PriorityRunQueue<T> implements RunQueue<T> {
  readonly levels: number;
  readonly agingInterval: number;
  readonly #byTime: boolean;
  readonly #clock: Clock;
  readonly #queues: FifoBuffer<Entry<T>>[];
  #arrivals = 0;
  #lastTick = -Infinity;
  #size = 0;

  /** @throws ShnError `INVALID_ARGUMENT` for levels outside 1..256, a non-positive aging interval or an unknown unit. */
  constructor(options: PriorityRunQueueOptions = {}) {
    this.levels = checkInt('levels', options.levels ?? 4, 1, 256);
    this.agingInterval = checkPositive('agingInterval', options.agingInterval ?? 64, true);
    const unit = options.agingUnit ?? 'arrivals';
    if (unit !== 'arrivals' && unit !== 'ms') throw invalid('agingUnit', "'arrivals' or 'ms'", unit);
    this.#byTime = unit === 'ms';
    this.#clock = options.clock ?? systemClock;
    this.#queues = Array.from({ length: this.levels }, () => new FifoBuffer<Entry<T>>());
  }

  /**
   * Queues `item` at the level of `priority` (0..255, default 0).
   * @throws ShnError `INVALID_ARGUMENT` for a priority that is not an integer in [0, 255].
   */
  push(item: T, priority?: number): void {
    const level = levelOf(checkPriority(priority), this.levels);
    const key = Number.isFinite(this.agingInterval) ? this.#tick() + (this.levels - 1 - level) * this.agingInterval : 0;
    (this.#queues[level] as FifoBuffer<Entry<T>>).push({ item, key });
    this.#size++;
  }

  pop(): T | undefined {
    if (this.#size === 0) return undefined;
    let best = -1;
    let bestKey = Infinity;
    for (let level = this.levels - 1; level >= 0; level--) {
      const head = (this.#queues[level] as FifoBuffer<Entry<T>>).peek();
      if (head === undefined) continue;
      if (!Number.isFinite(this.agingInterval)) {
        best = level;
        break;
      }
      if (best < 0 || head.key < bestKey) {
        best = level;
        bestKey = head.key;
      }
    }
    this.#size--;
    return ((this.#queues[best] as FifoBuffer<Entry<T>>).shift() as Entry<T>).item;
  }

  get size(): number {
    return this.#size;
  }

  /** Items queued at each level, lowest first. */
  sizes(): number[] {
    return this.#queues.map((q) => q.size);
  }

  #tick(): number {
    if (!this.#byTime) return this.#arrivals++;
    // A clock that goes backwards must not let later items jump the queue.
    this.#lastTick = Math.max(this.#lastTick, this.#clock.monotonic());
    return this.#lastTick;
  }
}
