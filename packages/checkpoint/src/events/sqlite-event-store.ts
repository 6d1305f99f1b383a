import Database from 'better-sqlite3';
import { ShnError, isShnError, systemClock, systemTimer } from '@shn/core';
import type { Clock, Timer } from '@shn/core';
import { ConcurrencyError, assertStreamName, checkCount, expectedNumber, prepareAppend } from './event-store.js';
import type { AppendResult, EventStore, ExpectedVersion, NewEvent, RecordedEvent, SubscribeOptions, Subscription } from './event-store.js';
import type { EventStoreOptions } from './memory-event-store.js';
import { AppendSignal, pollSubscription } from './poll-subscription.js';

interface Row {
  position: number;
  stream: string;
  version: number;
  type: string;
  data: string;
  metadata: string;
  schema_version: number;
  recorded_at: number;
}

function toEvent(r: Row): RecordedEvent {
  return {
    stream: r.stream,
    version: r.version,
    position: r.position,
    type: r.type,
    data: JSON.parse(r.data) as unknown,
    metadata: JSON.parse(r.metadata) as Record<string, unknown>,
    schemaVersion: r.schema_version,
    recordedAt: r.recorded_at,
  };
}

function failed(op: string, cause: unknown): ShnError {
  return new ShnError('STORE_FAILED', `sqlite event store ${op} failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
}

/**
 * An {@link EventStore} in SQLite (better-sqlite3, WAL). Each append is one `BEGIN IMMEDIATE`
 * transaction, so appenders in other connections or processes on the same file are serialised by
 * SQLite's write lock (busy timeout 5 s) and the version check cannot race. Positions are the rowid.
 */
export class SqliteEventStore implements EventStore {
  readonly #db: Database.Database;
  readonly #signal = new AppendSignal();
  readonly #subs = new Set<Subscription>();
  readonly #clock: Clock;
  readonly #timer: Timer;
  readonly #appendTx: (stream: string, expected: ExpectedVersion, prepared: ReturnType<typeof prepareAppend>, now: number) => RecordedEvent[];
  readonly #version: Database.Statement;
  readonly #readStream: Database.Statement;
  readonly #readAll: Database.Statement;
  #closed = false;

  /** @param file - a database file path, or `:memory:`. @throws ShnError `STORE_FAILED` if it cannot be opened. */
  constructor(file: string, options: EventStoreOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#timer = options.timer ?? systemTimer;
    try {
      this.#db = new Database(file);
      this.#db.pragma('journal_mode = WAL');
      this.#db.pragma('synchronous = FULL');
      this.#db.pragma('busy_timeout = 5000');
      this.#db.exec(`CREATE TABLE IF NOT EXISTS shn_events (
        position INTEGER PRIMARY KEY AUTOINCREMENT,
        stream TEXT NOT NULL, version INTEGER NOT NULL, type TEXT NOT NULL,
        data TEXT NOT NULL, metadata TEXT NOT NULL, schema_version INTEGER NOT NULL, recorded_at REAL NOT NULL,
        UNIQUE (stream, version))`);
      this.#version = this.#db.prepare('SELECT COALESCE(MAX(version), 0) AS v FROM shn_events WHERE stream = ?');
      const insert = this.#db.prepare(
        'INSERT INTO shn_events (stream, version, type, data, metadata, schema_version, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING position',
      );
      this.#readStream = this.#db.prepare('SELECT * FROM shn_events WHERE stream = ? AND version >= ? ORDER BY version LIMIT ?');
      this.#readAll = this.#db.prepare('SELECT * FROM shn_events WHERE position > ? ORDER BY position LIMIT ?');
      const tx = this.#db.transaction((stream: string, expected: ExpectedVersion, prepared: ReturnType<typeof prepareAppend>, now: number) => {
        const actual = (this.#version.get(stream) as { v: number }).v;
        const want = expectedNumber(expected);
        if (want !== undefined && want !== actual) throw new ConcurrencyError(stream, expected, actual);
        return prepared.map((p, i) => {
          const version = actual + i + 1;
          const { position } = insert.get(stream, version, p.type, p.dataJson, p.metadataJson, p.schemaVersion, now) as { position: number };
          return toEvent({ position, stream, version, type: p.type, data: p.dataJson, metadata: p.metadataJson, schema_version: p.schemaVersion, recorded_at: now });
        });
      });
      this.#appendTx = (stream, expected, prepared, now) => tx.immediate(stream, expected, prepared, now);
    } catch (e) {
      throw failed('open', e);
    }
  }

  #open(): void {
    if (this.#closed) throw new ShnError('RUNTIME_CLOSED', 'event store is closed');
  }

  async append(stream: string, events: readonly NewEvent[], options: { readonly expectedVersion: ExpectedVersion }): Promise<AppendResult> {
    this.#open();
    const prepared = prepareAppend(stream, events, options?.expectedVersion);
    let written: RecordedEvent[];
    try {
      written = this.#appendTx(stream, options.expectedVersion, prepared, this.#clock.now());
    } catch (e) {
      if (isShnError(e)) throw e;
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new ConcurrencyError(stream, options.expectedVersion, await this.streamVersion(stream));
      }
      throw failed('append', e);
    }
    this.#signal.notify();
    const last = written[written.length - 1] as RecordedEvent;
    return { version: last.version, position: last.position, events: written };
  }

  async readStream(stream: string, options: { readonly fromVersion?: number; readonly maxCount?: number } = {}): Promise<RecordedEvent[]> {
    this.#open();
    assertStreamName(stream);
    checkCount(options.fromVersion, 'fromVersion', 1);
    checkCount(options.maxCount, 'maxCount', 1);
    try {
      return (this.#readStream.all(stream, options.fromVersion ?? 1, options.maxCount ?? -1) as Row[]).map(toEvent);
    } catch (e) {
      throw failed('readStream', e);
    }
  }

  async readAll(options: { readonly after?: number; readonly maxCount?: number } = {}): Promise<RecordedEvent[]> {
    this.#open();
    checkCount(options.after, 'after', 0);
    checkCount(options.maxCount, 'maxCount', 1);
    try {
      return (this.#readAll.all(options.after ?? 0, options.maxCount ?? 1000) as Row[]).map(toEvent);
    } catch (e) {
      throw failed('readAll', e);
    }
  }

  async streamVersion(stream: string): Promise<number> {
    this.#open();
    assertStreamName(stream);
    return (this.#version.get(stream) as { v: number }).v;
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
    this.#db.close();
  }
}
