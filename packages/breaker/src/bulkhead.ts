import { ShnError, systemClock } from '@shn/core';
import type { Clock } from '@shn/core';
import { checkInt, checkObject } from './option-checks.js';
import type { CallContext, Policy, PolicyNext } from './policy.js';

/** Options of a bulkhead. */
export interface BulkheadOptions {
  /** Calls running at once per destination, integer >= 1 [16]. */
  readonly maxConcurrent?: number;
  /** Calls waiting for a slot per destination, integer >= 0 [0: refuse at once when full]. */
  readonly maxQueue?: number;
  /** Time source for deadlines of queued calls [systemClock]. */
  readonly clock?: Clock;
}

interface Waiter {
  readonly start: () => void;
  readonly reject: (e: ShnError) => void;
  readonly deadline: number | undefined;
}

/**
 * A bulkhead for one destination: at most `maxConcurrent` calls run at once; up to `maxQueue`
 * more wait in FIFO order; past that a call is refused at once with ShnError `BULKHEAD_FULL`.
 * A call whose deadline has passed is refused with `DEADLINE_EXCEEDED`: on arrival, when its turn
 * in the queue comes, or earlier when the queue is full and room is needed. No timers.
 */
export class Bulkhead {
  /** The destination it guards (named in its errors). */
  readonly destination: string;
  /** Calls that may run at once. */
  readonly maxConcurrent: number;
  /** Calls that may wait for a slot. */
  readonly maxQueue: number;
  readonly #clock: Clock;
  #active = 0;
  #queue: (Waiter | undefined)[] = [];
  #head = 0;
  /** Called when the bulkhead becomes idle (no call running or waiting). @internal */
  onIdle: (() => void) | undefined;

  /** @internal Use {@link bulkhead} or {@link bulkheadPolicy}. */
  constructor(destination: string, maxConcurrent: number, maxQueue: number, clock: Clock) {
    this.destination = destination;
    this.maxConcurrent = maxConcurrent;
    this.maxQueue = maxQueue;
    this.#clock = clock;
  }

  /** Calls running now. */
  get active(): number {
    return this.#active;
  }

  /** Calls waiting now. */
  get queued(): number {
    return this.#queue.length - this.#head;
  }

  /**
   * Runs `fn` when a slot is free. Rejects with `BULKHEAD_FULL` (slots and queue full, naming the
   * destination and both limits) or `DEADLINE_EXCEEDED` (the deadline, epoch ms, passed before it could start).
   */
  run<T>(fn: () => Promise<T> | T, deadline?: number): Promise<T> {
    if (deadline !== undefined && this.#clock.now() >= deadline) return Promise.reject(this.#expired());
    if (this.#active < this.maxConcurrent) return this.#start(fn);
    if (this.queued >= this.maxQueue) this.#purgeExpired();
    if (this.queued >= this.maxQueue) {
      return Promise.reject(
        new ShnError(
          'BULKHEAD_FULL',
          `bulkhead for ${this.destination} is full: ${this.#active} of ${this.maxConcurrent} running, ${this.queued} of ${this.maxQueue} queued`,
          { details: { destination: this.destination, maxConcurrent: this.maxConcurrent, maxQueue: this.maxQueue } },
        ),
      );
    }
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ start: () => this.#start(fn).then(resolve, reject), reject, deadline });
    });
  }

  #start<T>(fn: () => Promise<T> | T): Promise<T> {
    this.#active++;
    let result: Promise<T> | T;
    try {
      result = fn();
    } catch (e) {
      this.#release();
      return Promise.reject(e);
    }
    return Promise.resolve(result).then(
      (v) => {
        this.#release();
        return v;
      },
      (e: unknown) => {
        this.#release();
        throw e;
      },
    );
  }

  #release(): void {
    this.#active--;
    while (this.#head < this.#queue.length && this.#active < this.maxConcurrent) {
      const w = this.#queue[this.#head] as Waiter;
      this.#queue[this.#head++] = undefined;
      if (w.deadline !== undefined && this.#clock.now() >= w.deadline) {
        w.reject(this.#expired());
        continue;
      }
      w.start();
    }
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    if (this.#active === 0 && this.#queue.length === 0) this.onIdle?.();
  }

  #purgeExpired(): void {
    const now = this.#clock.now();
    const kept: Waiter[] = [];
    for (let i = this.#head; i < this.#queue.length; i++) {
      const w = this.#queue[i] as Waiter;
      if (w.deadline !== undefined && now >= w.deadline) w.reject(this.#expired());
      else kept.push(w);
    }
    this.#queue = kept;
    this.#head = 0;
  }

  #expired(): ShnError {
    return new ShnError('DEADLINE_EXCEEDED', `deadline passed before a slot of the bulkhead for ${this.destination} was free`, {
      details: { destination: this.destination },
    });
  }
}

interface ResolvedBulkhead {
  readonly maxConcurrent: number;
  readonly maxQueue: number;
  readonly clock: Clock;
}

function resolveBulkhead(options: BulkheadOptions | undefined): ResolvedBulkhead {
  const o = checkObject('bulkhead options', options);
  return {
    maxConcurrent: checkInt('maxConcurrent', o.maxConcurrent ?? 16, 1),
    maxQueue: checkInt('maxQueue', o.maxQueue ?? 0, 0),
    clock: o.clock ?? systemClock,
  };
}

/**
 * A standalone bulkhead for one destination.
 * @throws ShnError `INVALID_ARGUMENT` for a bad option (maxConcurrent < 1, negative maxQueue, …).
 */
export function bulkhead(destination: string, options?: BulkheadOptions): Bulkhead {
  const r = resolveBulkhead(options);
  return new Bulkhead(destination, r.maxConcurrent, r.maxQueue, r.clock);
}

/** A bulkhead per destination as a {@link Policy}; see {@link bulkheadPolicy}. */
export class BulkheadPolicy implements Policy {
  /** The policy name, for diagnostics. */
  readonly name = 'bulkhead';
  readonly #o: ResolvedBulkhead;
  readonly #bulkheads = new Map<string, Bulkhead>();

  /** @internal Use {@link bulkheadPolicy}. */
  constructor(options: ResolvedBulkhead) {
    this.#o = options;
  }

  /** Destinations with a call running or waiting (idle bulkheads are dropped at once). */
  get size(): number {
    return this.#bulkheads.size;
  }

  /** The bulkhead of `destination` if it has calls running or waiting. */
  peek(destination: string): Bulkhead | undefined {
    return this.#bulkheads.get(destination);
  }

  /** Runs `next(ctx)` in the bulkhead of `ctx.destination`; rejects with `BULKHEAD_FULL` or `DEADLINE_EXCEEDED` as {@link Bulkhead.run}. */
  execute<T>(ctx: CallContext, next: PolicyNext<T>): Promise<T> {
    let b = this.#bulkheads.get(ctx.destination);
    if (b === undefined) {
      b = new Bulkhead(ctx.destination, this.#o.maxConcurrent, this.#o.maxQueue, this.#o.clock);
      const key = ctx.destination;
      b.onIdle = () => this.#bulkheads.delete(key);
      this.#bulkheads.set(key, b);
    }
    return b.run(() => next(ctx), ctx.deadline);
  }
}

/**
 * At most `maxConcurrent` calls per destination at once, `maxQueue` more waiting; keyed by
 * `ctx.destination`. A destination's bulkhead exists only while it has calls running or waiting.
 * @throws ShnError `INVALID_ARGUMENT` for a bad option.
 */
export function bulkheadPolicy(options?: BulkheadOptions): BulkheadPolicy {
  return new BulkheadPolicy(resolveBulkhead(options));
}
