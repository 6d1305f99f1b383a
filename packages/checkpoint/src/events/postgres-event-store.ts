import pg from 'pg';
import { ShnError, isShnError } from '@shn/core';
import { ConcurrencyError, expectedNumber, prepareAppend } from './event-store.js';
import type { AppendResult, ExpectedVersion, NewEvent, RecordedEvent } from './event-store.js';
import { EventStoreBase } from './event-store-base.js';
import type { EventStoreOptions } from './event-store-base.js';

/** Options of {@link PostgresEventStore.open}. */
export interface PostgresEventStoreOptions extends EventStoreOptions {
  /** A pool to use (not ended by close), or connection settings for a pool of our own. */
  readonly pool?: pg.Pool;
  readonly connection?: pg.PoolConfig;
  /** Schema of the tables (`[a-z_][a-z0-9_]{0,62}`), created if missing; default `shn_events`. */
  readonly schema?: string;
}

interface Row {
  position: string;
  stream: string;
  version: number;
  type: string;
  data: unknown;
  metadata: Record<string, unknown>;
  schema_version: number;
  recorded_at: number;
}

function toEvent(r: Row): RecordedEvent {
  return {
    stream: r.stream,
    version: r.version,
    position: Number(r.position),
    type: r.type,
    data: r.data,
    metadata: r.metadata,
    schemaVersion: r.schema_version,
    recordedAt: Number(r.recorded_at),
  };
}

/**
 * An {@link EventStore} on PostgreSQL (node-postgres). An append is one transaction that takes a
 * transaction-scoped advisory lock of the store, checks the stream's version in `streams`, and inserts
 * the events; so racing appenders on any number of connections or processes are serialised, a stale
 * expected version fails with {@link ConcurrencyError} writing nothing, and global positions commit in
 * increasing order (a subscriber reading `position > p` never skips a late commit). A unique
 * (stream, version) index guards the check. Data and metadata are `json` (kept as written).
 */
export class PostgresEventStore extends EventStoreBase {
  readonly #pool: pg.Pool;
  readonly #ownPool: boolean;
  readonly #schema: string;
  readonly #lockKey: number;

  private constructor(pool: pg.Pool, own: boolean, schema: string, options: EventStoreOptions) {
    super('postgres', options);
    this.#pool = pool;
    this.#ownPool = own;
    this.#schema = schema;
    let h = 0;
    for (const c of `shn-events:${schema}`) h = (Math.imul(h, 31) + (c.codePointAt(0) as number)) | 0;
    this.#lockKey = h;
  }

  /**
   * Connects and creates the schema and tables if missing.
   * @throws ShnError `INVALID_ARGUMENT` for a bad schema name, `STORE_FAILED` if PostgreSQL is unreachable.
   */
  static async open(options: PostgresEventStoreOptions = {}): Promise<PostgresEventStore> {
    const schema = options.schema ?? 'shn_events';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new ShnError('INVALID_ARGUMENT', `schema must match [a-z_][a-z0-9_]{0,62}, got ${JSON.stringify(schema)}`);
    const own = options.pool === undefined;
    const pool = options.pool ?? new pg.Pool(options.connection);
    if (own) pool.on('error', () => undefined); // idle-client errors surface on the next query
    const store = new PostgresEventStore(pool, own, schema, options);
    try {
      await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await pool.query(`CREATE TABLE IF NOT EXISTS ${schema}.streams (stream text PRIMARY KEY, version integer NOT NULL)`);
      await pool.query(`CREATE TABLE IF NOT EXISTS ${schema}.events (
        position bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        stream text NOT NULL, version integer NOT NULL, type text NOT NULL,
        data json NOT NULL, metadata json NOT NULL, schema_version integer NOT NULL, recorded_at double precision NOT NULL,
        UNIQUE (stream, version))`);
    } catch (e) {
      if (own) await pool.end().catch(() => undefined);
      throw store.failed('open', e);
    }
    return store;
  }

  /** The schema holding the tables. */
  get schema(): string {
    return this.#schema;
  }

  async append(stream: string, events: readonly NewEvent[], options: { readonly expectedVersion: ExpectedVersion }): Promise<AppendResult> {
    this.assertOpen();
    const prepared = prepareAppend(stream, events, options?.expectedVersion);
    const s = this.#schema;
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (e) {
      throw this.failed('connect', e);
    }
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [this.#lockKey]);
      const cur = await client.query<{ version: number }>(`SELECT version FROM ${s}.streams WHERE stream = $1`, [stream]);
      const actual = cur.rows[0]?.version ?? 0;
      const want = expectedNumber(options.expectedVersion);
      if (want !== undefined && want !== actual) throw new ConcurrencyError(stream, options.expectedVersion, actual);
      const next = actual + prepared.length;
      if (actual === 0) await client.query(`INSERT INTO ${s}.streams (stream, version) VALUES ($1, $2)`, [stream, next]);
      else await client.query(`UPDATE ${s}.streams SET version = $2 WHERE stream = $1`, [stream, next]);
      const now = this.clock.now();
      const params: unknown[] = [];
      const tuples = prepared.map((p, i) => {
        const b = params.length;
        params.push(stream, actual + i + 1, p.type, p.dataJson, p.metadataJson, p.schemaVersion, now);
        return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}::json, $${b + 5}::json, $${b + 6}, $${b + 7})`;
      });
      const res = await client.query<Row>(
        `INSERT INTO ${s}.events (stream, version, type, data, metadata, schema_version, recorded_at) VALUES ${tuples.join(', ')} RETURNING *`,
        params,
      );
      await client.query('COMMIT');
      const written = res.rows.map(toEvent).sort((a, b) => a.position - b.position);
      this.appended();
      const last = written[written.length - 1] as RecordedEvent;
      return { version: last.version, position: last.position, events: written };
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      if (isShnError(e)) throw e;
      if ((e as { code?: string }).code === '23505') throw new ConcurrencyError(stream, options.expectedVersion, await this.streamVersion(stream));
      throw this.failed('append', e);
    } finally {
      client.release();
    }
  }

  protected async selectStream(stream: string, from: number, max: number | undefined): Promise<RecordedEvent[]> {
    const r = await this.#pool.query<Row>(`SELECT * FROM ${this.#schema}.events WHERE stream = $1 AND version >= $2 ORDER BY version LIMIT $3`, [stream, from, max ?? null]);
    return r.rows.map(toEvent);
  }

  protected async selectAll(after: number, max: number): Promise<RecordedEvent[]> {
    const r = await this.#pool.query<Row>(`SELECT * FROM ${this.#schema}.events WHERE position > $1 ORDER BY position LIMIT $2`, [after, max]);
    return r.rows.map(toEvent);
  }

  protected async selectVersion(stream: string): Promise<number> {
    const r = await this.#pool.query<{ version: number }>(`SELECT version FROM ${this.#schema}.streams WHERE stream = $1`, [stream]);
    return r.rows[0]?.version ?? 0;
  }

  /** Drops the schema with everything in it (tests, teardown). */
  async dropSchema(): Promise<void> {
    await this.#pool.query(`DROP SCHEMA IF EXISTS ${this.#schema} CASCADE`);
  }

  protected override async closeBackend(): Promise<void> {
    if (this.#ownPool) await this.#pool.end();
  }
}
