/**
 * `pnpm bench checkpoint`: what crash-safe checkpoints, incremental checkpoints, live migration and
 * the event stores of @shn/checkpoint cost, each next to its baseline measured in the same run:
 *
 * - checkpoint write MB/s (copy-on-write capture + FileStore put with fsync, defaults) against a raw
 *   sequential `fs` write + fsync of the same bytes;
 * - the size of an incremental checkpoint at 1% dirty keys against a full one;
 * - the migration pause (p50, p99) for 100 MB of state, pre-copy against stop-and-copy, with writes
 *   flowing during the pre-copy rounds;
 * - event append and replay events/s on the memory, SQLite and PostgreSQL event stores.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Checkpointer, FileStore, KeyedState, MemoryEventStore, MigrationSource, MigrationTarget, PostgresEventStore, SqliteEventStore } from '@shn/checkpoint';
import type { EventStore, MigrationAction } from '@shn/checkpoint';
import { MemoryStore, hasCode } from '@shn/core';
import { ResultBuilder } from '../harness/result-builder.js';
import { quantileOfSorted } from '../harness/stats.js';

/** Options of {@link runCheckpointBench}. */
export interface CheckpointBenchOptions {
  readonly quick: boolean;
  readonly repeats: number | undefined;
  /** Events per append/replay measurement. */
  readonly count: number | undefined;
}

const MiB = 1024 * 1024;

/** A state of about `bytes` bytes: 1 KiB values. */
function bigState(bytes: number): KeyedState {
  const s = new KeyedState();
  const value = randomBytes(1024);
  const n = Math.max(1, Math.floor(bytes / 1024));
  for (let i = 0; i < n; i++) {
    const v = new Uint8Array(value);
    v[0] = i & 0xff;
    s.set(`key:${i}`, v);
  }
  return s;
}

async function rawWrite(file: string, bytes: Uint8Array): Promise<void> {
  const fh = await open(file, 'w');
  try {
    await fh.writeFile(bytes);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

async function writeFigures(b: ResultBuilder, dir: string, stateBytes: number, repeats: number): Promise<void> {
  const state = bigState(stateBytes);
  const cp = new Checkpointer({ store: new FileStore(path.join(dir, 'ckpt')), node: 'bench' });
  const ours: number[] = [];
  const raw: number[] = [];
  let imageBytes = 0;
  for (let r = 0; r < repeats + 1; r++) {
    const t0 = performance.now();
    const image = await state.captureFull();
    await cp.save('kv/0', image);
    const t1 = performance.now();
    imageBytes = image.length;
    await rawWrite(path.join(dir, 'raw.bin'), image);
    const t2 = performance.now();
    if (r === 0) continue; // warm-up
    ours.push(image.length / MiB / ((t1 - t0) / 1000));
    raw.push(image.length / MiB / ((t2 - t1) / 1000));
  }
  const note = `one op = 1 MiB; ${Math.round(imageBytes / MiB)} MiB image, ${state.size} keys of 1 KiB`;
  b.addFigure('checkpoint.write', 'shn checkpoint', 'full checkpoint write, MB/s (capture + FileStore put, fsync)', 'ops/s', ours, note);
  b.addFigure('raw.write', 'fs baseline', 'sequential writeFile + fsync of the same bytes, MB/s', 'ops/s', raw, note);
  b.addRatio('checkpoint-vs-raw-write', 'checkpoint write MB/s / raw fs write MB/s', 'checkpoint.write', 'raw.write', { op: '>=', value: 0.5 });
}

async function sizeFigures(b: ResultBuilder, stateBytes: number): Promise<void> {
  const state = bigState(stateBytes);
  const cp = new Checkpointer({ store: new MemoryStore(), node: 'bench', compactEvery: 1_000_000 });
  const full = await cp.save('kv/0', state.snapshot());
  const dirty = Math.max(1, Math.floor(state.size / 100));
  for (let i = 0; i < dirty; i++) state.set(`key:${(i * 97) % state.size}`, new Uint8Array(1024).fill(i & 0xff));
  const delta = await cp.save('kv/0', state.snapshot());
  b.addFigure('size.full', 'full checkpoint', 'stored size', 'bytes', [full.bytes], `${state.size} keys of 1 KiB`);
  b.addFigure('size.incremental', 'incremental checkpoint', 'stored size at 1% dirty keys', 'bytes', [delta.bytes], `${dirty} dirty keys`);
  b.addRatio('incremental-vs-full-size', 'incremental / full checkpoint size at 1% dirty keys', 'size.incremental', 'size.full', { op: '<=', value: 0.02 });
}

/** One migration; returns the pause in ms (source stops applying -> target applied the handoff). */
async function migrateOnce(source: KeyedState, mode: 'pre-copy' | 'stop-and-copy', writesPerRound: number): Promise<{ pauseMs: number; rounds: number }> {
  const target = new MigrationTarget(new KeyedState());
  const src = new MigrationSource(source, { mode });
  let wires: MigrationAction[] = mode === 'pre-copy' ? src.start(await source.captureFull()) : [];
  let pauseStart = 0;
  if (mode === 'stop-and-copy') {
    pauseStart = performance.now();
    wires = src.start();
  }
  let writer = 0;
  for (;;) {
    const next: MigrationAction[] = [];
    for (const a of wires) {
      if (a.kind !== 'send') continue;
      if (a.wire.t === 'handoff') {
        if (pauseStart === 0) pauseStart = performance.now();
        target.onWire(a.wire);
        return { pauseMs: performance.now() - pauseStart, rounds: src.rounds };
      }
      const acks = target.onWire(a.wire);
      // Traffic keeps flowing between rounds while the source still serves.
      for (let i = 0; i < writesPerRound; i++) source.set(`key:${(writer++ * 7919) % source.size}`, new Uint8Array(1024).fill(writer & 0xff));
      await new Promise<void>((resolve) => setImmediate(resolve));
      for (const ack of acks) {
        if (ack.kind !== 'send') continue;
        // The pause starts when the source stops serving: before it encodes the last delta.
        const t = performance.now();
        const out = src.onWire(ack.wire);
        if (out.some((x) => x.kind === 'route-to-target')) pauseStart = t;
        next.push(...out);
      }
    }
    wires = next;
  }
}

async function migrationFigures(b: ResultBuilder, stateBytes: number, repeats: number): Promise<void> {
  const state = bigState(stateBytes);
  const samples: Record<'pre-copy' | 'stop-and-copy', number[]> = { 'pre-copy': [], 'stop-and-copy': [] };
  let rounds = 0;
  for (let r = 0; r < repeats; r++) {
    for (const mode of r % 2 === 0 ? (['pre-copy', 'stop-and-copy'] as const) : (['stop-and-copy', 'pre-copy'] as const)) {
      const m = await migrateOnce(state, mode, 200);
      samples[mode].push(m.pauseMs);
      if (mode === 'pre-copy') rounds = Math.max(rounds, m.rounds);
    }
  }
  const note = `${Math.round(stateBytes / MiB)} MiB state, 200 writes of 1 KiB per pre-copy round, up to ${rounds} delta rounds; in-process copy (no network)`;
  for (const mode of ['pre-copy', 'stop-and-copy'] as const) {
    const sorted = Float64Array.from(samples[mode]).sort();
    b.addFigure(`migration.${mode}.p50`, mode, 'migration pause p50', 'ms', [quantileOfSorted(sorted, 0.5)], note);
    b.addFigure(`migration.${mode}.p99`, mode, 'migration pause p99', 'ms', [quantileOfSorted(sorted, 0.99)], note);
  }
  b.addRatio('migration-pause-p50', 'pre-copy pause p50 / stop-and-copy pause p50', 'migration.pre-copy.p50', 'migration.stop-and-copy.p50', { op: '<', value: 0.1 });
  b.addRatio('migration-pause-p99', 'pre-copy pause p99 / stop-and-copy pause p99', 'migration.pre-copy.p99', 'migration.stop-and-copy.p99', { op: '<', value: 0.1 });
}

async function eventFigures(b: ResultBuilder, dir: string, count: number, repeats: number): Promise<void> {
  const backends: [string, () => Promise<{ store: EventStore; done: () => Promise<void> }>][] = [
    ['memory', async () => { const store = new MemoryEventStore(); return { store, done: () => store.close() }; }],
    ['sqlite', async () => {
      const file = path.join(dir, `events-${randomBytes(4).toString('hex')}.db`);
      const store = new SqliteEventStore(file);
      return { store, done: () => store.close() };
    }],
    ['postgres', async () => {
      const schema = `shn_bench_${randomBytes(6).toString('hex')}`;
      const store = await PostgresEventStore.open({ connection: { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres', max: 4 }, schema });
      return { store, done: async () => { await store.dropSchema(); await store.close(); } };
    }],
  ];
  for (const [name, make] of backends) {
    const n = name === 'memory' ? count * 10 : count;
    const append: number[] = [];
    const replay: number[] = [];
    let unavailable: string | undefined;
    for (let r = 0; r < repeats && unavailable === undefined; r++) {
      let made: Awaited<ReturnType<typeof make>>;
      try {
        made = await make();
      } catch (e) {
        if (!hasCode(e, 'STORE_FAILED')) throw e;
        unavailable = (e as Error).message;
        break;
      }
      const { store, done } = made;
      try {
        const t0 = performance.now();
        for (let i = 0; i < n; i++) await store.append(`stream-${i % 100}`, [{ type: 'Deposited', data: { amount: i, note: 'bench' } }], { expectedVersion: 'any' });
        const t1 = performance.now();
        let seen = 0;
        for (let after = 0; ; ) {
          const page = await store.readAll({ after, maxCount: 1000 });
          if (page.length === 0) break;
          seen += page.length;
          after = (page[page.length - 1] as { position: number }).position;
        }
        const t2 = performance.now();
        if (seen !== n) throw new Error(`${name}: replayed ${seen} of ${n} events`);
        append.push(n / ((t1 - t0) / 1000));
        replay.push(n / ((t2 - t1) / 1000));
      } finally {
        await done();
      }
    }
    if (unavailable !== undefined) {
      b.skip(`events.${name}`, `${name} unavailable: ${unavailable}`);
      continue;
    }
    const note = `${n} events, one per append (expectedVersion any) over 100 streams; replay = readAll in pages of 1000`;
    b.addFigure(`events.${name}.append`, `${name} event store`, 'append, events/s (1 event per append, sequential)', 'ops/s', append, note);
    b.addFigure(`events.${name}.replay`, `${name} event store`, 'replay readAll, events/s', 'ops/s', replay, note);
  }
  b.addRatio('events-sqlite-vs-memory-append', 'SQLite append / memory append', 'events.sqlite.append', 'events.memory.append');
  b.addRatio('events-postgres-vs-sqlite-append', 'PostgreSQL append / SQLite append', 'events.postgres.append', 'events.sqlite.append');
}

/**
 * Runs every checkpoint figure. Full run: 100 MiB for the write and migration figures, 7 repeats
 * (20 for migration), 2,000 events per backend (10x for memory) x 3 repeats; `--quick`: 2 MiB,
 * 2 repeats, 100 events (shape only). `--count` sets the events per backend.
 */
export async function runCheckpointBench(options: CheckpointBenchOptions): Promise<ResultBuilder> {
  const quick = options.quick;
  const stateBytes = quick ? 2 * MiB : 100 * MiB;
  const repeats = options.repeats ?? (quick ? 2 : 7);
  const count = options.count ?? (quick ? 100 : 2_000);
  const migrationRepeats = quick ? 2 : Math.max(repeats, 20);
  const b = new ResultBuilder('checkpoint', quick, { stateBytes, repeats, events: count, migrationRepeats });
  const dir = await mkdtemp(path.join(tmpdir(), 'shn-ckpt-bench-'));
  try {
    await writeFigures(b, dir, stateBytes, repeats);
    await sizeFigures(b, quick ? stateBytes : 10 * MiB);
    await migrationFigures(b, stateBytes, migrationRepeats);
    await eventFigures(b, dir, count, quick ? repeats : Math.min(repeats, 3));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  b.note('MB/s figures use the ops/s unit with one op = 1 MiB (the harness has no MB/s unit).');
  b.note('Checkpoint writes go through Checkpointer + FileStore at defaults (no compression, no sealing, fsync of file and directory).');
  b.note('Migration runs source and target in one thread (the copy is a function call, not a network hop): the pause is encode + apply of what the handoff carries.');
  return b;
}
