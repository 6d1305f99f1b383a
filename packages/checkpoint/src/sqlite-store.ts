import Database from 'better-sqlite3';
import { ShnError, assertStoreKey, isWellFormedUtf16 } from '@shn/core';
import type { Store } from '@shn/core';

/** Options of {@link SqliteStore}. */
export interface SqliteStoreOptions {
  /** Table name (`[A-Za-z_][A-Za-z0-9_]{0,62}`), default `shn_store`. */
  readonly table?: string;
  /**
   * `synchronous` pragma: `FULL` (default; durable on power loss with WAL) or `NORMAL` (WAL:
   * durable across process crashes, may lose the last transactions on power loss).
   */
  readonly synchronous?: 'FULL' | 'NORMAL';
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function failed(op: string, cause: unknown): ShnError {
  return new ShnError('STORE_FAILED', `sqlite store ${op} failed: ${(cause as Error)?.message ?? String(cause)}`, { cause });
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A {@link Store} in one SQLite table (better-sqlite3, WAL mode). Keys are stored as their UTF-8
 * bytes (a BLOB primary key, so NUL and any Unicode survive); each `put` is one transaction, so a
 * reader sees the old or the new value. Calls are synchronous under the hood (better-sqlite3) and
 * return settled promises. Failures reject with `STORE_FAILED`.
 */
export class SqliteStore implements Store {
  readonly #db: Database.Database;
  readonly #owned: boolean;
  readonly #get: Database.Statement;
  readonly #put: Database.Statement;
  readonly #del: Database.Statement;
  readonly #all: Database.Statement;
  readonly #range: Database.Statement;

  /**
   * @param file - a database file path, `:memory:`, or an open better-sqlite3 database (not closed by {@link close}).
   * @throws ShnError `INVALID_ARGUMENT` for a bad table name, `STORE_FAILED` if the database cannot be opened.
   */
  constructor(file: string | Database.Database, options: SqliteStoreOptions = {}) {
    const table = options.table ?? 'shn_store';
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,62}$/.test(table)) throw new ShnError('INVALID_ARGUMENT', `sqlite table name must match [A-Za-z_][A-Za-z0-9_]{0,62}, got ${JSON.stringify(table)}`);
    try {
      this.#owned = typeof file === 'string';
      this.#db = typeof file === 'string' ? new Database(file) : file;
      if (this.#owned) {
        this.#db.pragma('journal_mode = WAL');
        this.#db.pragma(`synchronous = ${options.synchronous === 'NORMAL' ? 'NORMAL' : 'FULL'}`);
      }
      this.#db.exec(`CREATE TABLE IF NOT EXISTS ${table} (key BLOB PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID`);
      this.#get = this.#db.prepare(`SELECT value FROM ${table} WHERE key = ?`);
      this.#put = this.#db.prepare(`INSERT INTO ${table} (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`);
      this.#del = this.#db.prepare(`DELETE FROM ${table} WHERE key = ?`);
      this.#all = this.#db.prepare(`SELECT key FROM ${table}`);
      this.#range = this.#db.prepare(`SELECT key FROM ${table} WHERE key >= ? AND key < ?`);
    } catch (e) {
      throw failed('open', e);
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    assertStoreKey(key);
    let row: { value: Buffer } | undefined;
    try {
      row = this.#get.get(Buffer.from(key, 'utf8')) as { value: Buffer } | undefined;
    } catch (e) {
      throw failed('get', e);
    }
    return row === undefined ? undefined : new Uint8Array(row.value);
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    assertStoreKey(key);
    if (!(value instanceof Uint8Array)) throw new ShnError('INVALID_ARGUMENT', 'store value must be a Uint8Array');
    try {
      this.#put.run(Buffer.from(key, 'utf8'), Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    } catch (e) {
      throw failed('put', e);
    }
  }

  async delete(key: string): Promise<boolean> {
    assertStoreKey(key);
    try {
      return this.#del.run(Buffer.from(key, 'utf8')).changes > 0;
    } catch (e) {
      throw failed('delete', e);
    }
  }

  async list(prefix = ''): Promise<string[]> {
    if (typeof prefix !== 'string') throw new ShnError('INVALID_ARGUMENT', 'prefix must be a string');
    let rows: { key: Buffer }[];
    try {
      // For a well-formed prefix, a UTF-8 byte-prefix is a code-unit prefix: use the index.
      if (prefix.length > 0 && isWellFormedUtf16(prefix)) {
        const lo = Buffer.from(prefix, 'utf8');
        const hi = Buffer.concat([lo, Buffer.from([0xff])]);
        rows = this.#range.all(lo, hi) as { key: Buffer }[];
      } else {
        rows = this.#all.all() as { key: Buffer }[];
      }
    } catch (e) {
      throw failed('list', e);
    }
    const keys = rows.map((r) => decoder.decode(r.key)).filter((k) => k.startsWith(prefix));
    return keys.sort(byCodeUnit);
  }

  /** Closes the database if this store opened it. */
  close(): void {
    if (this.#owned) this.#db.close();
  }
}
