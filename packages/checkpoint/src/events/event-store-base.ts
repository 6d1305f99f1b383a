import { ShnError, isShnError, systemClock, systemTimer } from '@shn/core';
import type { Clock, Timer } from '@shn/core';
import { assertStreamName, checkCount } from './event-store.js';
import type { AppendResult, EventStore, ExpectedVersion, NewEvent, RecordedEvent, SubscribeOptions, Subscription } from './event-store.js';
import { AppendSignal, pollSubscription } from './poll-subscription.js';

/** Options of the in-memory, SQLite and PostgreSQL event stores. */
export interface EventStoreOptions {
  readonly clock?: Clock;
  readonly timer?: Timer;
}

/**
 * What the in-memory, SQLite and PostgreSQL event stores share: the closed state, argument
 * checks of the reads, subscriptions polled on an append signal, and `STORE_FAILED` for a
 * backend error. A store implements `append` (calling {@link appended} after a commit) and the
 * three `select*` queries.
 * @internal
 */
export abstract class EventStoreBase implements EventStore {
  protected readonly clock: Clock;
  readonly #timer: Timer;
  readonly #signal = new AppendSignal();
  readonly #subs = new Set<Subscription>();
  #closed = false;

  /** @param backend - the store's name in error messages (`sqlite`, `postgres`, `memory`). */
  protected constructor(
    private readonly backend: string,
    options: EventStoreOptions,
  ) {
    this.clock = options.clock ?? systemClock;
    this.#timer = options.timer ?? systemTimer;
  }

  abstract append(stream: string, events: readonly NewEvent[], options: { readonly expectedVersion: ExpectedVersion }): Promise<AppendResult>;

  /** Events of `stream` from version `from`, at most `max` (undefined: all), in version order. */
  protected abstract selectStream(stream: string, from: number, max: number | undefined): RecordedEvent[] | Promise<RecordedEvent[]>;
  /** Events after global position `after`, at most `max`, in position order. */
  protected abstract selectAll(after: number, max: number): RecordedEvent[] | Promise<RecordedEvent[]>;
  /** The version of `stream` (0 when it has no events). */
  protected abstract selectVersion(stream: string): number | Promise<number>;
  /** Releases the backend, once, after the subscriptions closed. */
  protected closeBackend(): void | Promise<void> {}

  /** @throws ShnError `RUNTIME_CLOSED` once the store is closed. */
  protected assertOpen(): void {
    if (this.#closed) throw new ShnError('RUNTIME_CLOSED', 'event store is closed');
  }

  /** Wakes the subscriptions: call after an append committed. */
  protected appended(): void {
    this.#signal.notify();
  }

  /** `STORE_FAILED` for a backend error of `op`, with the cause. */
  protected failed(op: string, cause: unknown): ShnError {
    return new ShnError('STORE_FAILED', `${this.backend} event store ${op} failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }

  async #query<T>(op: string, run: () => T | Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (e) {
      throw isShnError(e) ? e : this.failed(op, e);
    }
  }

  async readStream(stream: string, options: { readonly fromVersion?: number; readonly maxCount?: number } = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    assertStreamName(stream);
    checkCount(options.fromVersion, 'fromVersion', 1);
    checkCount(options.maxCount, 'maxCount', 1);
    return this.#query('readStream', () => this.selectStream(stream, options.fromVersion ?? 1, options.maxCount));
  }

  async readAll(options: { readonly after?: number; readonly maxCount?: number } = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    checkCount(options.after, 'after', 0);
    checkCount(options.maxCount, 'maxCount', 1);
    return this.#query('readAll', () => this.selectAll(options.after ?? 0, options.maxCount ?? 1000));
  }

  async streamVersion(stream: string): Promise<number> {
    this.assertOpen();
    assertStreamName(stream);
    return this.#query('streamVersion', () => this.selectVersion(stream));
  }

  subscribe(handler: (event: RecordedEvent) => void | Promise<void>, options?: SubscribeOptions): Subscription {
    this.assertOpen();
    const sub = pollSubscription(this, this.#signal, handler, options, this.#timer);
    this.#subs.add(sub);
    return sub;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await Promise.all([...this.#subs].map((s) => s.close()));
    this.#closed = true;
    await this.closeBackend();
  }
}
