import { ShnError, hasCode } from '@shn/core';
import type { Store } from '@shn/core';
import type { EventStore, NewEvent, RecordedEvent } from './event-store.js';
import type { Projection } from './projection.js';
import { Upcasters } from './upcasters.js';

/** An event as an aggregate sees it: a type and a JSON-able payload. */
export interface DomainEvent {
  readonly type: string;
  readonly [field: string]: unknown;
}

/**
 * An event-sourced aggregate: `decide` turns a command and the current state into new events (or
 * throws to refuse), `evolve` folds one event into the state. Both must be pure.
 */
export interface Aggregate<S, C, E extends DomainEvent> {
  /** Stream prefix: the stream of id `x` is `${name}-${x}`. */
  readonly name: string;
  initial(): S;
  decide(command: C, state: S): readonly E[];
  evolve(state: S, event: E): S;
}

/** Options of {@link AggregateRepository}. */
export interface AggregateRepositoryOptions<S, C, E extends DomainEvent> {
  readonly store: EventStore;
  readonly aggregate: Aggregate<S, C, E>;
  /** Snapshot the state every `every` events into `store` (states must be JSON-able). */
  readonly snapshots?: { readonly store: Store; readonly every: number };
  readonly upcasters?: Upcasters;
  /** Applied to the appended events before `handle` resolves (read models consistent with the command). */
  readonly inline?: readonly Projection[];
  /** Retries of a command that lost an optimistic-concurrency race (default 3). */
  readonly retries?: number;
}

/** What {@link AggregateRepository.handle} did. */
export interface HandleResult<S, E> {
  readonly state: S;
  readonly version: number;
  readonly events: readonly E[];
}

/**
 * Loads aggregates from their stream (from the latest snapshot on), runs commands with optimistic
 * concurrency (a lost race re-loads and re-decides, up to `retries` times), and keeps snapshots.
 */
export class AggregateRepository<S, C, E extends DomainEvent> {
  readonly #o: AggregateRepositoryOptions<S, C, E>;
  readonly #up: Upcasters;

  /** @throws ShnError `INVALID_ARGUMENT` for a bad snapshot interval or retry count. */
  constructor(options: AggregateRepositoryOptions<S, C, E>) {
    if (options.snapshots !== undefined && (!Number.isSafeInteger(options.snapshots.every) || options.snapshots.every < 1)) {
      throw new ShnError('INVALID_ARGUMENT', 'snapshots.every must be an integer >= 1');
    }
    if (options.retries !== undefined && (!Number.isSafeInteger(options.retries) || options.retries < 0)) throw new ShnError('INVALID_ARGUMENT', 'retries must be an integer >= 0');
    this.#o = options;
    this.#up = options.upcasters ?? new Upcasters();
  }

  /** The stream of aggregate `id`. */
  streamOf(id: string): string {
    return `${this.#o.aggregate.name}-${id}`;
  }

  #snapKey(id: string): string {
    return `snapshot/${this.streamOf(id)}`;
  }

  /**
   * The current state and version of `id` (snapshot, then the events after it, upcast).
   * Reports `fromSnapshot`: the version the snapshot covered (0 = none).
   */
  async load(id: string): Promise<{ state: S; version: number; fromSnapshot: number }> {
    const agg = this.#o.aggregate;
    let state = agg.initial();
    let version = 0;
    const snaps = this.#o.snapshots;
    if (snaps !== undefined) {
      const raw = await snaps.store.get(this.#snapKey(id));
      if (raw !== undefined) {
        try {
          const snap = JSON.parse(new TextDecoder().decode(raw)) as { version: number; state: S };
          state = snap.state;
          version = snap.version;
        } catch {
          // An unreadable snapshot is only a cache: replay from the start.
          state = agg.initial();
          version = 0;
        }
      }
    }
    const fromSnapshot = version;
    for (;;) {
      const batch = await this.#o.store.readStream(this.streamOf(id), { fromVersion: version + 1, maxCount: 1000 });
      for (const e of batch) {
        state = agg.evolve(state, this.#toDomain(e));
        version = e.version;
      }
      if (batch.length < 1000) break;
    }
    return { state, version, fromSnapshot };
  }

  #toDomain(e: RecordedEvent): E {
    const u = this.#up.apply(e);
    return { ...(u.data as object), type: u.type } as E;
  }

  /**
   * Runs `command` against aggregate `id` and appends what `decide` returns.
   * @throws whatever `decide` throws; {@link ConcurrencyError} after `retries` lost races; store errors.
   */
  async handle(id: string, command: C): Promise<HandleResult<S, E>> {
    const retries = this.#o.retries ?? 3;
    for (let attempt = 0; ; attempt++) {
      const { state, version } = await this.load(id);
      const events = this.#o.aggregate.decide(command, state);
      if (events.length === 0) return { state, version, events };
      const toAppend: NewEvent[] = events.map((e) => {
        const { type, ...data } = e;
        return { type, data };
      });
      try {
        const res = await this.#o.store.append(this.streamOf(id), toAppend, { expectedVersion: version });
        let next = state;
        for (const e of events) next = this.#o.aggregate.evolve(next, e);
        for (const p of this.#o.inline ?? []) for (const r of res.events) await p.apply(this.#up.apply(r));
        await this.#maybeSnapshot(id, version, res.version, next);
        return { state: next, version: res.version, events };
      } catch (e) {
        if (hasCode(e, 'CONCURRENCY_CONFLICT') && attempt < retries) continue;
        throw e;
      }
    }
  }

  async #maybeSnapshot(id: string, before: number, after: number, state: S): Promise<void> {
    const snaps = this.#o.snapshots;
    if (snaps === undefined) return;
    if (Math.floor(after / snaps.every) === Math.floor(before / snaps.every)) return;
    await snaps.store.put(this.#snapKey(id), new TextEncoder().encode(JSON.stringify({ version: after, state })));
  }
}
