import type { ShnError } from '@shn/core';

/**
 * Receives a stream's signals (Reactive Streams' `Subscriber`). `onNext` is called at most as
 * many times as the subscriber requested; after `onError` or `onComplete` nothing else arrives.
 */
export interface CreditSubscriber<T> {
  onNext(item: T): void;
  onError(error: ShnError): void;
  onComplete(): void;
}

/** A subscriber's handle on its stream (Reactive Streams' `Subscription`). */
export interface CreditSubscription {
  /**
   * Adds `n` to the demand: the stream may deliver up to `n` more items. `n` must be a positive
   * safe integer; anything else cancels the stream and signals `onError` with `INVALID_ARGUMENT`
   * (Reactive Streams rule 3.9). Total demand saturates at `Number.MAX_SAFE_INTEGER` (unbounded).
   * A no-op after cancel or termination.
   */
  request(n: number): void;
  /** Stops the stream; nothing more is delivered. Idempotent. */
  cancel(): void;
}

/** Subscribes a subscriber to a source; the source must honour demand (the stream checks it). */
export type SubscribeFn<T> = (subscriber: CreditSubscriber<T>) => CreditSubscription;

/** Anything a subscriber can subscribe to (a {@link CreditStream} is one). */
export interface CreditPublisher<T> {
  subscribe(subscriber: CreditSubscriber<T>): CreditSubscription;
}
