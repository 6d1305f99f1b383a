import { ShnError, systemClock, systemTimer } from '@shn/core';
import type { Clock, Timer } from '@shn/core';
import { ConcurrencyError, assertStreamName, checkCount, expectedNumber, prepareAppend } from './event-store.js';
import type { AppendResult, EventStore, ExpectedVersion, NewEvent, RecordedEvent, SubscribeOptions, Subscription } from './event-store.js';
import { AppendSignal, pollSubscription } from './poll-subscription.js';

/** Options of the in-memory, SQLite and PostgreSQL event stores. */
export interface EventStoreOptions {
  readonly clock?: Clock;
  readonly timer?: Timer;
}

/** An in-memory {@link EventStore} (tests, simulations, single-process caches). Events are deep-copied in and out through JSON. */
export class MemoryEventStore implements EventStore {
  readonly #all: RecordedEvent[] = [];
  readonly #streams = new Map<string, RecordedEvent[]>();
  readonly #signal = new AppendSignal();
  readonly #subs = new Set<Subscription>();
  readonly #clock: Clock;
  readonly #timer: Timer;
  #closed = false;

  /** @param options - clock for `recordedAt`, timer for subscriptions. */
  constructor(options: EventStoreOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#timer = options.timer ?? systemTimer;
  }

  #open(): void {
    if (this.#closed) throw new ShnError('RUNTIME_CLOSED', 'event store is closed');
  }

  async append(stream: string, events: readonly NewEvent[], options: { readonly expectedVersion: ExpectedVersion }): Promise<AppendResult> {
    this.#open();
    const prepared = prepareAppend(stream, events, options?.expectedVersion);
    const list = this.#streams.get(stream) ?? [];
    const expected = expectedNumber(options.expectedVersion);
    if (expected !== undefined && expected !== list.length) throw new ConcurrencyError(stream, options.expectedVersion, list.length);
    const now = this.#clock.now();
    const written = prepared.map((p, i) => {
      const e: RecordedEvent = {
        stream,
        version: list.length + i + 1,
        position: this.#all.length + i + 1,
        type: p.type,
        data: JSON.parse(p.dataJson) as unknown,
        metadata: JSON.parse(p.metadataJson) as Record<string, unknown>,
        schemaVersion: p.schemaVersion,
        recordedAt: now,
      };
      return e;
    });
    this.#all.push(...written);
    list.push(...written);
    this.#streams.set(stream, list);
    this.#signal.notify();
    const last = written[written.length - 1] as RecordedEvent;
    return { version: last.version, position: last.position, events: written.map(copy) };
  }

  async readStream(stream: string, options: { readonly fromVersion?: number; readonly maxCount?: number } = {}): Promise<RecordedEvent[]> {
    this.#open();
    assertStreamName(stream);
    checkCount(options.fromVersion, 'fromVersion', 1);
    checkCount(options.maxCount, 'maxCount', 1);
    const from = options.fromVersion ?? 1;
    return (this.#streams.get(stream) ?? []).slice(from - 1, from - 1 + (options.maxCount ?? Number.MAX_SAFE_INTEGER)).map(copy);
  }

  async readAll(options: { readonly after?: number; readonly maxCount?: number } = {}): Promise<RecordedEvent[]> {
    this.#open();
    checkCount(options.after, 'after', 0);
    checkCount(options.maxCount, 'maxCount', 1);
    const after = options.after ?? 0;
    return this.#all.slice(after, after + (options.maxCount ?? 1000)).map(copy);
  }

  async streamVersion(stream: string): Promise<number> {
    this.#open();
    assertStreamName(stream);
    return this.#streams.get(stream)?.length ?? 0;
  }

  subscribe(handler: (event: RecordedEvent) => void | Promise<void>, options?: SubscribeOptions): Subscription {
    this.#open();
    const sub = pollSubscription(this, this.#signal, handler, options, this.#timer);
    this.#subs.add(sub);
    return sub;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await Promise.all([...this.#subs].map((s) => s.close()));
    this.#closed = true;
  }
}

function copy(e: RecordedEvent): RecordedEvent {
  return { ...e, data: structuredClone(e.data), metadata: structuredClone(e.metadata) };
}
