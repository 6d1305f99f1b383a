import { ConcurrencyError, expectedNumber, prepareAppend } from './event-store.js';
import type { AppendResult, ExpectedVersion, NewEvent, RecordedEvent } from './event-store.js';
import { EventStoreBase } from './event-store-base.js';
import type { EventStoreOptions } from './event-store-base.js';


/** An in-memory {@link EventStore} (tests, simulations, single-process caches). Events are deep-copied in and out through JSON. */
export class MemoryEventStore extends EventStoreBase {
  readonly #all: RecordedEvent[] = [];
  readonly #streams = new Map<string, RecordedEvent[]>();

  /** @param options - clock for `recordedAt`, timer for subscriptions. */
  constructor(options: EventStoreOptions = {}) {
    super('memory', options);
  }

  async append(stream: string, events: readonly NewEvent[], options: { readonly expectedVersion: ExpectedVersion }): Promise<AppendResult> {
    this.assertOpen();
    const prepared = prepareAppend(stream, events, options?.expectedVersion);
    const list = this.#streams.get(stream) ?? [];
    const expected = expectedNumber(options.expectedVersion);
    if (expected !== undefined && expected !== list.length) throw new ConcurrencyError(stream, options.expectedVersion, list.length);
    const now = this.clock.now();
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
    this.appended();
    const last = written[written.length - 1] as RecordedEvent;
    return { version: last.version, position: last.position, events: written.map(copy) };
  }

  protected selectStream(stream: string, from: number, max: number | undefined): RecordedEvent[] {
    return (this.#streams.get(stream) ?? []).slice(from - 1, from - 1 + (max ?? Number.MAX_SAFE_INTEGER)).map(copy);
  }

  protected selectAll(after: number, max: number): RecordedEvent[] {
    return this.#all.slice(after, after + max).map(copy);
  }

  protected selectVersion(stream: string): number {
    return this.#streams.get(stream)?.length ?? 0;
  }
}

function copy(e: RecordedEvent): RecordedEvent {
  return { ...e, data: structuredClone(e.data), metadata: structuredClone(e.metadata) };
}
