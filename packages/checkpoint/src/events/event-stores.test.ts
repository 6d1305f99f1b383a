import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { EventStore } from './event-store.js';
import { eventStoreSuite } from './event-store-suite.test-helper.js';
import { MemoryEventStore } from './memory-event-store.js';
import { PostgresEventStore } from './postgres-event-store.js';
import { SqliteEventStore } from './sqlite-event-store.js';

eventStoreSuite('MemoryEventStore', {
  create: async () => new MemoryEventStore(),
  cleanup: (s) => s.close(),
});

const files = new WeakMap<EventStore, string>();
eventStoreSuite('SqliteEventStore (file, racing connections)', {
  async create() {
    const dir = await mkdtemp(join(tmpdir(), 'shn-es-'));
    const s = new SqliteEventStore(join(dir, 'events.db'));
    files.set(s, dir);
    return s;
  },
  peer: async (s) => new SqliteEventStore(join(files.get(s) as string, 'events.db')),
  async cleanup(s) {
    await s.close();
    await rm(files.get(s) as string, { recursive: true, force: true });
  },
});

const PG = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres', max: 12 };
/** Probes PostgreSQL once: skip (with a message) when it is down, except under CI. */
async function postgresReachable(): Promise<boolean> {
  const c = new pg.Client({ ...PG, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch (e) {
    if (process.env['CI'] !== undefined) throw new Error(`PostgreSQL at 127.0.0.1:5432 is required under CI: ${(e as Error).message}`);
    console.warn(`PostgresEventStore suite skipped: PostgreSQL at 127.0.0.1:5432 unreachable: ${(e as Error).message}`);
    return false;
  }
}
const pgUp = await postgresReachable();

const schemas = new WeakMap<EventStore, string>();
if (pgUp) eventStoreSuite('PostgresEventStore (own schema, racing pool connections)', {
  async create() {
    const schema = `shn_test_${randomBytes(6).toString('hex')}`;
    const s = await PostgresEventStore.open({ connection: PG, schema });
    schemas.set(s, schema);
    return s;
  },
  peer: async (s) => PostgresEventStore.open({ connection: { ...PG, max: 2 }, schema: schemas.get(s) as string }),
  async cleanup(s) {
    await (s as PostgresEventStore).dropSchema();
    await s.close();
  },
});
