import Database from 'better-sqlite3';
import { isShnError } from '@shn/core';
import { ConcurrencyError, expectedNumber, prepareAppend } from './event-store.js';
import type { AppendResult, ExpectedVersion, NewEvent, RecordedEvent } from './event-store.js';
import { EventStoreBase } from './event-store-base.js';
import type { EventStoreOptions } from './event-store-base.js';

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

/**
 * An {@link EventStore} in SQLite (better-sqlite3, WAL). Each append is one `BEGIN IMMEDIATE`
 * transaction, so appenders in other connections or processes on the same file are serialised by
 * SQLite's write lock (busy timeout 5 s) and the version check cannot race. Positions are the rowid.
 */
export class SqliteEventStore extends EventStoreBase {
  readonly #db: Database.Database;
  readonly #appendTx: (stream: string, expected: ExpectedVersion, prepared: ReturnType<typeof prepareAppend>, now: number) => RecordedEvent[];
  readonly #version: Database.Statement;
  readonly #readStream: Database.Statement;
  readonly #readAll: Database.Statement;

  /** @param file - a database file path, or `:memory:`. @throws ShnError `STORE_FAILED` if it cannot be opened. */
  constructor(file: string, options: EventStoreOptions = {}) {
    super('sqlite', options);
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
      throw this.failed('open', e);
    }
  }

  async append(stream: string, events: readonly NewEvent[], options: { readonly expectedVersion: ExpectedVersion }): Promise<AppendResult> {
    this.assertOpen();
    const prepared = prepareAppend(stream, events, options?.expectedVersion);
    let written: RecordedEvent[];
    try {
      written = this.#appendTx(stream, options.expectedVersion, prepared, this.clock.now());
    } catch (e) {
      if (isShnError(e)) throw e;
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') {
        throw new ConcurrencyError(stream, options.expectedVersion, await this.streamVersion(stream));
      }
      throw this.failed('append', e);
    }
    this.appended();
    const last = written[written.length - 1] as RecordedEvent;
    return { version: last.version, position: last.position, events: written };
  }

  protected selectStream(stream: string, from: number, max: number | undefined): RecordedEvent[] {
    return (this.#readStream.all(stream, from, max ?? -1) as Row[]).map(toEvent);
  }

  protected selectAll(after: number, max: number): RecordedEvent[] {
    return (this.#readAll.all(after, max) as Row[]).map(toEvent);
  }

  protected selectVersion(stream: string): number {
    return (this.#version.get(stream) as { v: number }).v;
  }

  protected override closeBackend(): void {
    this.#db.close();
  }
}
