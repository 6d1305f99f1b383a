import { ShnError, toShnError } from '@shn/core';
import { checkFunction } from '../option-checks.js';
import { DrainLoop } from './drain-loop.js';
import type { CreditSubscriber, CreditSubscription } from './subscriber.js';

/** Options of {@link CreditSender}: how the host carries its messages to the receiver. */
export interface CreditSenderOptions<T> {
  /** Carries one item to the receiver (a message over the rings, a socket write...). */
  readonly transmit: (item: T) => void;
  /** Carries the end of the stream to the receiver. */
  readonly end: (error?: ShnError) => void;
}

/**
 * The producing end of a credit-based stream between two places (two shards, two nodes), sans
 * I/O: it sends an item only against credit the receiver granted ({@link grant}, on a credit
 * message), so the link never carries more than the receiver asked for. {@link send} waits
 * for credit; {@link trySend} does not.
 */
export class CreditSender<T> {
  readonly #transmit: (item: T) => void;
  readonly #end: (error?: ShnError) => void;
  readonly #waiting: { item: T; resolve: () => void; reject: (e: ShnError) => void }[] = [];
  readonly #flush = new DrainLoop(() => {
    while (this.#credit > 0 && this.#waiting.length > 0 && !this.#closed) {
      const w = this.#waiting.shift() as { item: T; resolve: () => void };
      this.#credit--;
      this.#sent++;
      this.#transmit(w.item);
      w.resolve();
    }
  });
  #credit = 0;
  #sent = 0;
  #closed = false;
  #cancelled = false;

  /** @throws ShnError `INVALID_ARGUMENT` unless `transmit` and `end` are functions. */
  constructor(options: CreditSenderOptions<T>) {
    this.#transmit = checkFunction('transmit', options?.transmit);
    this.#end = checkFunction('end', options.end);
  }

  /** Credit left: items that may be sent now. */
  get credit(): number {
    return this.#credit;
  }

  /** Items transmitted so far. */
  get sent(): number {
    return this.#sent;
  }

  /** True once the receiver cancelled. */
  get cancelled(): boolean {
    return this.#cancelled;
  }

  /**
   * Adds credit the receiver granted (its `request(n)`). Waiting sends go out at once.
   * @throws ShnError `PROTOCOL_ERROR` unless n is a positive safe integer (a bad credit message).
   */
  grant(n: number): void {
    if (!Number.isSafeInteger(n) || n <= 0) throw new ShnError('PROTOCOL_ERROR', `credit grant must be a positive safe integer, got ${String(n)}`);
    if (this.#closed) return;
    this.#credit = Math.min(Number.MAX_SAFE_INTEGER, this.#credit + n);
    this.#flush.run();
  }

  /** Sends `item` if there is credit (and nobody waiting ahead); returns whether it did. */
  trySend(item: T): boolean {
    if (this.#closed || this.#credit <= 0 || this.#waiting.length > 0) return false;
    this.#credit--;
    this.#sent++;
    this.#transmit(item);
    return true;
  }

  /**
   * Sends `item` as soon as there is credit, in call order. Rejects with `CANCELLED` if the
   * receiver cancels first, `RUNTIME_CLOSED` after {@link complete}.
   */
  send(item: T): Promise<void> {
    if (this.#cancelled) return Promise.reject(new ShnError('CANCELLED', 'the receiver cancelled the stream'));
    if (this.#closed) return Promise.reject(new ShnError('RUNTIME_CLOSED', 'the stream was completed'));
    if (this.trySend(item)) return Promise.resolve();
    return new Promise((resolve, reject) => this.#waiting.push({ item, resolve, reject }));
  }

  /** Sends waiting now, queued behind credit. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Ends the stream (after the items sent so far), or fails it with `error`. Sends still waiting are rejected. */
  complete(error?: ShnError): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#rejectWaiting(new ShnError('RUNTIME_CLOSED', 'the stream was completed before this item had credit'));
    this.#end(error);
  }

  /** The receiver cancelled (its cancel message): stop, reject waiting sends with `CANCELLED`. */
  cancel(): void {
    if (this.#closed) return;
    this.#cancelled = true;
    this.#closed = true;
    this.#rejectWaiting(new ShnError('CANCELLED', 'the receiver cancelled the stream'));
  }

  #rejectWaiting(error: ShnError): void {
    for (const w of this.#waiting.splice(0)) w.reject(error);
  }
}

/** Options of {@link CreditReceiver}: how the host carries its messages to the sender. */
export interface CreditReceiverOptions {
  /** Carries a credit grant of `n` items to the sender (call its `grant(n)` there). */
  readonly sendCredit: (n: number) => void;
  /** Carries a cancel to the sender (call its `cancel()` there). Optional. */
  readonly sendCancel?: () => void;
}

/**
 * The consuming end of a credit-based stream, sans I/O. Its {@link subscribe} makes it a
 * stream source: the subscriber's demand becomes credit sent upstream, and items that arrive
 * ({@link deliver}) go straight to the subscriber. An item beyond the credit granted fails the
 * stream with `PROTOCOL_ERROR` (the sender broke the protocol); nothing is buffered.
 */
export class CreditReceiver<T> {
  readonly #sendCredit: (n: number) => void;
  readonly #sendCancel: () => void;
  #subscriber: CreditSubscriber<T> | undefined;
  #granted = 0;
  #delivered = 0;
  #done = false;
  #pendingEnd: { error: ShnError | undefined } | undefined;

  /** @throws ShnError `INVALID_ARGUMENT` unless `sendCredit` is a function. */
  constructor(options: CreditReceiverOptions) {
    this.#sendCredit = checkFunction('sendCredit', options?.sendCredit);
    this.#sendCancel = options.sendCancel === undefined ? () => {} : checkFunction('sendCancel', options.sendCancel);
  }

  /** Credit granted so far, items. */
  get granted(): number {
    return this.#granted;
  }

  /** Items delivered so far. */
  get delivered(): number {
    return this.#delivered;
  }

  /** Makes this receiver the source of one subscriber (a second one gets `INVALID_ARGUMENT`). */
  subscribe(subscriber: CreditSubscriber<T>): CreditSubscription {
    if (this.#subscriber !== undefined) {
      subscriber.onError(new ShnError('INVALID_ARGUMENT', 'a credit receiver has a single subscriber'));
      return { request() {}, cancel() {} };
    }
    this.#subscriber = subscriber;
    if (this.#pendingEnd !== undefined) this.#finish(this.#pendingEnd.error);
    return {
      request: (n: number) => {
        if (this.#done) return;
        this.#granted = Math.min(Number.MAX_SAFE_INTEGER, this.#granted + n);
        this.#sendCredit(n);
      },
      cancel: () => {
        if (this.#done) return;
        this.#done = true;
        this.#sendCancel();
      },
    };
  }

  /** An item arrived from the sender. */
  deliver(item: T): void {
    if (this.#done) return;
    if (this.#delivered >= this.#granted || this.#subscriber === undefined) {
      this.#done = true;
      this.#sendCancel();
      this.#subscriber?.onError(new ShnError('PROTOCOL_ERROR', `sender exceeded its credit: item ${this.#delivered + 1} with ${this.#granted} granted`));
      return;
    }
    this.#delivered++;
    this.#subscriber.onNext(item);
  }

  /** The sender ended the stream (with `error`, if it failed). */
  end(error?: ShnError): void {
    if (this.#done) return;
    if (this.#subscriber === undefined) {
      this.#pendingEnd = { error };
      return;
    }
    this.#finish(error);
  }

  #finish(error: ShnError | undefined): void {
    this.#done = true;
    const s = this.#subscriber as CreditSubscriber<T>;
    if (error === undefined) s.onComplete();
    else s.onError(toShnError(error));
  }
}
