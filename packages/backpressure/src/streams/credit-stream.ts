import { ShnError } from '@shn/core';
import { checkFunction, checkInt } from '../option-checks.js';
import { batchOperator, windowOperator } from './batch-window.js';
import { CreditReader } from './credit-reader.js';
import { guardedSubscribe } from './demand-guard.js';
import { iterableSource } from './iterable-source.js';
import { filterOperator, mapOperator } from './map-filter.js';
import { mergeOperator, zipOperator } from './merge-zip.js';
import type { CreditPublisher, CreditSubscriber, CreditSubscription, SubscribeFn } from './subscriber.js';

/**
 * A credit-based stream (a Reactive Streams publisher with `request(n)` demand). Items flow only
 * against demand, through every operator: `map`, `filter`, `batch`, `window`, `merge` and `zip`
 * translate downstream demand into upstream demand, so a slow consumer slows the producer instead
 * of filling a buffer. Every hop checks the rules: a non-positive request fails the stream with
 * `INVALID_ARGUMENT`; an item beyond demand fails it with `PROTOCOL_ERROR`.
 *
 * Read it with {@link reader} (explicit `request(n)`), `for await` (automatic demand of 16 in
 * flight), or {@link subscribe}.
 */
export class CreditStream<T> implements CreditPublisher<T>, AsyncIterable<T> {
  readonly #subscribe: SubscribeFn<T>;

  /** Wraps a source; the source must deliver no more than requested (it is checked). */
  constructor(subscribe: SubscribeFn<T>) {
    this.#subscribe = checkFunction('subscribe', subscribe);
  }

  /** A cold stream over a sync or async iterable: values are pulled only as they are requested. */
  static from<T>(iterable: Iterable<T> | AsyncIterable<T>): CreditStream<T> {
    if (iterable === null || typeof iterable !== 'object' && typeof iterable !== 'function') {
      throw new ShnError('INVALID_ARGUMENT', `CreditStream.from needs an iterable, got ${String(iterable)}`);
    }
    return new CreditStream(iterableSource(iterable));
  }

  /** Items of every source as they arrive; buffers at most sources x demand. */
  static merge<T>(...sources: readonly CreditStream<T>[]): CreditStream<T> {
    return new CreditStream(mergeOperator(sources));
  }

  /** Tuples of one item of each source; completes with the shortest. */
  static zip<T extends unknown[]>(...sources: { readonly [K in keyof T]: CreditStream<T[K]> }): CreditStream<T> {
    return new CreditStream(zipOperator<T>(sources as readonly CreditPublisher<unknown>[]));
  }

  /** Subscribes (push style). Demand is enforced on this hop. */
  subscribe(subscriber: CreditSubscriber<T>): CreditSubscription {
    return guardedSubscribe(this.#subscribe, subscriber);
  }

  /** `fn` of every item; a throw fails the stream. */
  map<U>(fn: (item: T) => U): CreditStream<U> {
    checkFunction('map fn', fn);
    return new CreditStream(mapOperator(this, fn));
  }

  /** Only items `predicate` keeps; each rejected item is replaced by a request of one more upstream. */
  filter(predicate: (item: T) => boolean): CreditStream<T> {
    checkFunction('filter predicate', predicate);
    return new CreditStream(filterOperator(this, predicate));
  }

  /**
   * Arrays of `size` items (the last may be shorter).
   * @throws ShnError `INVALID_ARGUMENT` unless size is an integer in [1, 2^20].
   */
  batch(size: number): CreditStream<T[]> {
    checkInt('batch size', size, 1, 2 ** 20);
    return new CreditStream(batchOperator(this, size));
  }

  /**
   * Sliding windows of `size` items every `step` items (default `size`: tumbling). Full windows only.
   * @throws ShnError `INVALID_ARGUMENT` unless size and step are integers in [1, 2^20].
   */
  window(size: number, step = size): CreditStream<T[]> {
    checkInt('window size', size, 1, 2 ** 20);
    checkInt('window step', step, 1, 2 ** 20);
    return new CreditStream(windowOperator(this, size, step));
  }

  /** A reader with explicit demand (nothing arrives before `request(n)`). */
  reader(): CreditReader<T> {
    return new CreditReader(this, 0);
  }

  /**
   * Iterates with automatic demand: `prefetch` items requested up front (default 16), topped up as
   * they are consumed.
   * @throws ShnError `INVALID_ARGUMENT` unless prefetch is an integer in [1, 2^20].
   */
  iterate(prefetch = 16): CreditReader<T> {
    checkInt('prefetch', prefetch, 1, 2 ** 20);
    return new CreditReader(this, prefetch);
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this.iterate();
  }
}
