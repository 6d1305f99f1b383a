import { ShnError, systemClock } from '@shn/core';
import type { Clock, RunQueue } from '@shn/core';
import { MinHeap } from '../min-heap.js';
import { checkFunction } from '../option-checks.js';
import { checkPriority } from './priority-level.js';

/** Options of {@link EdfRunQueue}. */
export interface EdfRunQueueOptions<T> {
  /** The absolute deadline of an item, epoch ms (`clock.now()` scale), or undefined for none. */
  readonly deadlineOf: (item: T) => number | undefined;
  /**
   * Told about every item discarded because its deadline passed, with a `DEADLINE_EXCEEDED` error.
   * The item is gone from the queue either way; this is where it is answered and counted.
   */
  readonly onExpired: (item: T, error: ShnError) => void;
  /** Wall clock for deadlines (default `systemClock`). */
  readonly clock?: Clock;
}

interface Entry<T> {
  readonly item: T;
  readonly deadline: number;
  readonly priority: number;
  readonly seq: number;
}

/**
 * Earliest deadline first. `pop` returns the item with the earliest deadline (items without one
 * come last, in arrival order; equal deadlines go by higher priority, then arrival). An item whose
 * deadline is at or before `clock.now()` is never returned: `pop` discards it through
 * `onExpired` and counts it in {@link expired}. O(log n) push and pop.
 */
export class EdfRunQueue<T> implements RunQueue<T> {
  readonly #deadlineOf: (item: T) => number | undefined;
  readonly #onExpired: (item: T, error: ShnError) => void;
  readonly #clock: Clock;
  readonly #heap = new MinHeap<Entry<T>>((a, b) =>
    a.deadline !== b.deadline ? a.deadline < b.deadline : a.priority !== b.priority ? a.priority > b.priority : a.seq < b.seq,
  );
  #seq = 0;
  #expired = 0;

  /** @throws ShnError `INVALID_ARGUMENT` unless `deadlineOf` and `onExpired` are functions. */
  constructor(options: EdfRunQueueOptions<T>) {
    this.#deadlineOf = checkFunction('deadlineOf', options?.deadlineOf);
    this.#onExpired = checkFunction('onExpired', options?.onExpired);
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * Queues `item`; `priority` (0..255) only breaks ties between equal deadlines.
   * @throws ShnError `INVALID_ARGUMENT` for a bad priority or a deadline that is not a number.
   */
  push(item: T, priority?: number): void {
    const p = checkPriority(priority);
    const d = this.#deadlineOf(item);
    if (d !== undefined && (typeof d !== 'number' || Number.isNaN(d))) {
      throw new ShnError('INVALID_ARGUMENT', `deadline must be a number of epoch ms or undefined, got ${String(d)}`);
    }
    this.#heap.push({ item, deadline: d ?? Infinity, priority: p, seq: this.#seq++ });
  }

  pop(): T | undefined {
    for (;;) {
      const head = this.#heap.peek();
      if (head === undefined) return undefined;
      this.#heap.pop();
      const now = this.#clock.now();
      if (head.deadline > now) return head.item;
      this.#expired++;
      this.#onExpired(
        head.item,
        new ShnError('DEADLINE_EXCEEDED', `deadline passed ${now - head.deadline} ms before the message could run`, {
          details: { deadline: head.deadline, now },
        }),
      );
    }
  }

  /** Items queued, including expired ones not yet discarded. */
  get size(): number {
    return this.#heap.size;
  }

  /** Items discarded so far because their deadline passed. */
  get expired(): number {
    return this.#expired;
  }
}
