import { ShnError, systemClock, systemTimer } from '@shn/core';
import type { Clock, Mailbox, Timer, TimerHandle } from '@shn/core';
import { checkFunction, checkInt, checkPositive, invalid } from '../option-checks.js';

/** What to do with an item offered to a full mailbox. */
export type OverflowPolicy = 'reject' | 'drop-newest' | 'drop-oldest' | 'wait';

/** What became of an offered item. */
export type OverflowOutcome = 'accepted' | 'rejected' | 'dropped-newest' | 'dropped-oldest' | 'closed';

/** Options of {@link OverflowMailbox}. */
export interface OverflowMailboxOptions<T> {
  readonly policy: OverflowPolicy;
  /**
   * Told about every item a drop policy discarded (the new one for `drop-newest`, the evicted
   * oldest for `drop-oldest`): answer or log it there. Required for the drop policies, so that
   * nothing is dropped silently.
   */
  readonly onDrop?: (item: T, reason: 'dropped-newest' | 'dropped-oldest') => void;
  /** `wait`: most offers waiting at once (default 1024); beyond it, offers fail with `MAILBOX_FULL`. */
  readonly maxWaiters?: number;
  /** `wait`: longest wait when the offer names no deadline, ms (default 1000). */
  readonly maxWaitMs?: number;
  /** `wait`: if the consumer is elsewhere (another thread), retry the offer this often, ms (default: only on {@link OverflowMailbox.poll}). */
  readonly retryMs?: number;
  readonly clock?: Clock;
  readonly timer?: Timer;
}

/** Counters of an {@link OverflowMailbox}. */
export interface OverflowCounters {
  accepted: number;
  rejected: number;
  droppedNewest: number;
  droppedOldest: number;
  /** Offers that waited for space and got it. */
  waited: number;
  /** Offers that waited past their deadline (`DEADLINE_EXCEEDED`). */
  timedOut: number;
  closed: number;
}

interface Waiter<T> {
  readonly item: T;
  readonly resolve: () => void;
  readonly reject: (e: ShnError) => void;
  readonly handle: TimerHandle;
}

/**
 * A {@link Mailbox} wrapper that applies an overflow policy when the mailbox says `full`, and
 * counts every outcome:
 * - `reject`: the offer is refused (`rejected`); the caller answers `MAILBOX_FULL`.
 * - `drop-newest`: the offered item is discarded (`onDrop`), keeping what is queued.
 * - `drop-oldest`: the oldest queued item is evicted (`onDrop`) to make room; needs a mailbox
 *   the producer may also poll (same thread).
 * - `wait`: {@link offerWait} waits, asynchronously and bounded (`maxWaiters`, a deadline), for
 *   space; waiters enter in FIFO order as {@link poll} frees room (or every `retryMs`).
 */
export class OverflowMailbox<T> {
  readonly policy: OverflowPolicy;
  readonly counters: OverflowCounters = { accepted: 0, rejected: 0, droppedNewest: 0, droppedOldest: 0, waited: 0, timedOut: 0, closed: 0 };
  readonly #box: Mailbox<T>;
  readonly #onDrop: ((item: T, reason: 'dropped-newest' | 'dropped-oldest') => void) | undefined;
  readonly #maxWaiters: number;
  readonly #maxWaitMs: number;
  readonly #retryMs: number | undefined;
  readonly #clock: Clock;
  readonly #timer: Timer;
  readonly #waiters: Waiter<T>[] = [];
  #retryHandle: TimerHandle | undefined;

  /** @throws ShnError `INVALID_ARGUMENT` for an unknown policy, a drop policy without `onDrop`, or bad bounds. */
  constructor(mailbox: Mailbox<T>, options: OverflowMailboxOptions<T>) {
    checkFunction('mailbox.offer', mailbox?.offer);
    this.#box = mailbox;
    const policy = options?.policy;
    if (policy !== 'reject' && policy !== 'drop-newest' && policy !== 'drop-oldest' && policy !== 'wait') {
      throw invalid('policy', "'reject', 'drop-newest', 'drop-oldest' or 'wait'", policy);
    }
    this.policy = policy;
    if (policy === 'drop-newest' || policy === 'drop-oldest') this.#onDrop = checkFunction('onDrop', options.onDrop);
    this.#maxWaiters = checkInt('maxWaiters', options.maxWaiters ?? 1024, 1, 2 ** 24);
    this.#maxWaitMs = checkPositive('maxWaitMs', options.maxWaitMs ?? 1000);
    this.#retryMs = options.retryMs === undefined ? undefined : checkPositive('retryMs', options.retryMs);
    this.#clock = options.clock ?? systemClock;
    this.#timer = options.timer ?? systemTimer;
  }

  /** Items queued in the mailbox. */
  get size(): number {
    return this.#box.size;
  }

  /** Offers waiting for space. */
  get waiting(): number {
    return this.#waiters.length;
  }

  /**
   * Offers `item` now, applying the policy if the mailbox is full (`wait` behaves as `reject`
   * here; use {@link offerWait}). Items offered while others wait queue behind them (`rejected`
   * under `wait`), so waiting keeps FIFO order.
   */
  offer(item: T): OverflowOutcome {
    if (this.#waiters.length === 0) {
      const r = this.#box.offer(item);
      if (r === 'accepted') {
        this.counters.accepted++;
        return 'accepted';
      }
      if (r === 'closed') {
        this.counters.closed++;
        return 'closed';
      }
    }
    switch (this.policy) {
      case 'drop-newest':
        this.counters.droppedNewest++;
        this.#drop(item, 'dropped-newest');
        return 'dropped-newest';
      case 'drop-oldest': {
        const oldest = this.#box.poll();
        const r = this.#box.offer(item);
        if (oldest !== undefined) {
          this.counters.droppedOldest++;
          this.#drop(oldest, 'dropped-oldest');
        }
        if (r === 'accepted') {
          this.counters.accepted++;
          return oldest === undefined ? 'accepted' : 'dropped-oldest';
        }
        this.counters.rejected++;
        return 'rejected';
      }
      default:
        this.counters.rejected++;
        return 'rejected';
    }
  }

  /**
   * Offers `item`, waiting for space under the `wait` policy (other policies answer at once, as
   * {@link offer}). Resolves `accepted` (or the drop outcome); rejects with `MAILBOX_FULL` when
   * `maxWaiters` offers already wait (or the policy is `reject` and the box is full),
   * `DEADLINE_EXCEEDED` at the deadline, `MAILBOX_CLOSED` if the mailbox is or gets closed.
   * @param options.deadline - absolute, epoch ms on the clock; default now + `maxWaitMs`.
   */
  offerWait(item: T, options: { readonly deadline?: number } = {}): Promise<OverflowOutcome> {
    const now = this.#clock.now();
    const outcome = this.offer(item);
    if (outcome === 'closed') return Promise.reject(new ShnError('MAILBOX_CLOSED', 'mailbox is closed'));
    if (outcome !== 'rejected') return Promise.resolve(outcome);
    this.counters.rejected--; // not refused yet: it waits
    if (this.policy !== 'wait' || this.#waiters.length >= this.#maxWaiters) {
      this.counters.rejected++;
      return Promise.reject(
        new ShnError('MAILBOX_FULL', this.policy === 'wait' ? `mailbox full and ${this.#maxWaiters} offers already waiting` : `mailbox full (capacity ${this.#box.capacity})`, {
          details: { capacity: this.#box.capacity, maxWaiters: this.#maxWaiters },
        }),
      );
    }
    const deadline = options.deadline ?? now + this.#maxWaitMs;
    if (typeof deadline !== 'number' || Number.isNaN(deadline)) return Promise.reject(invalid('deadline', 'epoch ms', deadline));
    if (deadline <= now) {
      this.counters.timedOut++;
      return Promise.reject(new ShnError('DEADLINE_EXCEEDED', 'deadline passed before the mailbox had room'));
    }
    return new Promise<OverflowOutcome>((resolve, reject) => {
      const waiter: Waiter<T> = {
        item,
        resolve: () => resolve('accepted'),
        reject,
        handle: this.#timer.setTimeout(() => {
          const at = this.#waiters.indexOf(waiter);
          if (at < 0) return;
          this.#waiters.splice(at, 1);
          this.counters.timedOut++;
          reject(new ShnError('DEADLINE_EXCEEDED', `waited ${deadline - now} ms for room in the mailbox (capacity ${this.#box.capacity})`, { details: { deadline } }));
        }, deadline - now),
      };
      this.#waiters.push(waiter);
      this.#armRetry();
    });
  }

  /** Polls the mailbox, then lets waiting offers in while there is room. */
  poll(): T | undefined {
    const item = this.#box.poll();
    if (this.#waiters.length > 0) this.admitWaiters();
    return item;
  }

  /** Lets waiting offers in while the mailbox has room (call it if the mailbox is drained elsewhere). */
  admitWaiters(): void {
    while (this.#waiters.length > 0) {
      const w = this.#waiters[0] as Waiter<T>;
      const r = this.#box.offer(w.item);
      if (r === 'full') break;
      this.#waiters.shift();
      this.#timer.clearTimeout(w.handle);
      if (r === 'accepted') {
        this.counters.accepted++;
        this.counters.waited++;
        w.resolve();
      } else {
        this.counters.closed++;
        w.reject(new ShnError('MAILBOX_CLOSED', 'mailbox closed while the offer waited'));
      }
    }
  }

  /** Closes the mailbox and fails every waiting offer with `MAILBOX_CLOSED`. */
  close(): void {
    this.#box.close();
    this.admitWaiters();
  }

  #drop(item: T, reason: 'dropped-newest' | 'dropped-oldest'): void {
    (this.#onDrop as (item: T, reason: 'dropped-newest' | 'dropped-oldest') => void)(item, reason);
  }

  #armRetry(): void {
    if (this.#retryMs === undefined || this.#retryHandle !== undefined) return;
    this.#retryHandle = this.#timer.setTimeout(() => {
      this.#retryHandle = undefined;
      this.admitWaiters();
      if (this.#waiters.length > 0) this.#armRetry();
    }, this.#retryMs);
  }
}
