import { ShnError } from '@shn/core';
import type { CreditPublisher, CreditSubscription } from './subscriber.js';

/**
 * Reads a stream as an async iterator with explicit demand: nothing arrives until you
 * {@link request} it, and no more than you requested ever arrives (the reader buffers at most
 * the outstanding demand). `for await` ends at completion and throws the stream's error (after
 * the items delivered before it). With `prefetch`, the reader requests by itself: `prefetch`
 * items up front, then more each time half of them were consumed.
 */
export class CreditReader<T> implements AsyncIterableIterator<T> {
  readonly #buffer: T[] = [];
  readonly #subscription: CreditSubscription;
  readonly #prefetch: number;
  #waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: ShnError) => void } | undefined;
  #ended = false;
  #error: ShnError | undefined;
  #requested = 0;
  #delivered = 0;
  #consumedSinceTopUp = 0;

  /** @internal Use `stream.reader()` or `for await (const x of stream)`. */
  constructor(source: CreditPublisher<T>, prefetch = 0) {
    this.#prefetch = prefetch;
    this.#subscription = source.subscribe({
      onNext: (item) => {
        this.#delivered++;
        if (this.#waiter !== undefined) {
          const w = this.#waiter;
          this.#waiter = undefined;
          this.#consumed();
          w.resolve({ value: item, done: false });
        } else this.#buffer.push(item);
      },
      onError: (error) => {
        this.#error = error;
        this.#ended = true;
        this.#wake();
      },
      onComplete: () => {
        this.#ended = true;
        this.#wake();
      },
    });
    if (prefetch > 0) this.request(prefetch);
  }

  /** Items requested so far. */
  get requested(): number {
    return this.#requested;
  }

  /** Items delivered so far (never more than {@link requested}). */
  get delivered(): number {
    return this.#delivered;
  }

  /**
   * Asks for `n` more items. A non-positive or non-integer `n` fails the stream: the next read
   * rejects with `INVALID_ARGUMENT` (Reactive Streams rule 3.9).
   */
  request(n: number): void {
    if (Number.isSafeInteger(n) && n > 0) this.#requested = Math.min(Number.MAX_SAFE_INTEGER, this.#requested + n);
    this.#subscription.request(n);
  }

  /** Cancels the stream; pending and later reads end. */
  cancel(): void {
    this.#subscription.cancel();
    this.#ended = true;
    this.#buffer.length = 0;
    this.#wake();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#buffer.length > 0) {
      this.#consumed();
      return Promise.resolve({ value: this.#buffer.shift() as T, done: false });
    }
    if (this.#ended) return this.#error === undefined ? Promise.resolve({ value: undefined, done: true }) : Promise.reject(this.#error);
    if (this.#waiter !== undefined) return Promise.reject(new ShnError('INVALID_ARGUMENT', 'one read at a time: await the previous next() first'));
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<T>> {
    this.cancel();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #consumed(): void {
    if (this.#prefetch === 0) return;
    if (++this.#consumedSinceTopUp >= Math.max(1, this.#prefetch >> 1)) {
      const n = this.#consumedSinceTopUp;
      this.#consumedSinceTopUp = 0;
      this.request(n);
    }
  }

  #wake(): void {
    const w = this.#waiter;
    if (w === undefined) return;
    this.#waiter = undefined;
    if (this.#error !== undefined) w.reject(this.#error);
    else w.resolve({ value: undefined, done: true });
  }
}
