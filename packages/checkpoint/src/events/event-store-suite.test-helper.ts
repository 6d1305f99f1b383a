import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MemoryStore, hasCode, isShnError } from '@shn/core';
import { ConcurrencyError } from './event-store.js';
import type { EventStore, ExpectedVersion, RecordedEvent } from './event-store.js';
import { ProjectionRunner } from './projection.js';
import type { Projection } from './projection.js';

/** Options of {@link eventStoreSuite}. */
export interface EventStoreSuiteOptions {
  /** A new, EMPTY store. */
  create(): Promise<EventStore>;
  /** Another connection to the same store (for racing appenders); default: the same object. */
  peer?(store: EventStore): Promise<EventStore>;
  cleanup?(store: EventStore): Promise<void>;
  /** Racing appenders per round (default 8). */
  racers?: number;
}

/** A read model: per stream, the concatenated `n` fields; plus a count. */
function counterProjection(name: string): Projection & { readonly model: Map<string, string>; count: number } {
  const model = new Map<string, string>();
  const p = {
    name,
    model,
    count: 0,
    reset() {
      model.clear();
      p.count = 0;
    },
    apply(e: RecordedEvent) {
      model.set(e.stream, `${model.get(e.stream) ?? ''}${String((e.data as { n: number }).n)};`);
      p.count++;
    },
  };
  return p;
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

/** The event-store conformance suite: call at the top level of a vitest file, once per backend. */
export function eventStoreSuite(name: string, options: EventStoreSuiteOptions): void {
  describe(name, () => {
    let store: EventStore;
    beforeEach(async () => {
      store = await options.create();
    });
    afterEach(async () => {
      await options.cleanup?.(store);
    });

    it('starts empty', async () => {
      expect(await store.readAll()).toEqual([]);
      expect(await store.streamVersion('s')).toBe(0);
      expect(await store.readStream('s')).toEqual([]);
    });

    it('appends with optimistic concurrency and reads streams forward from a version', async () => {
      const data = { n: 1, text: 'ünïcödé 😀', nested: { list: [1, 'two', null, true] }, big: 2 ** 52 };
      const r1 = await store.append('order-1', [{ type: 'Created', data, metadata: { by: 'u1' } }, { type: 'Paid', data: { n: 2 } }], { expectedVersion: 'no-stream' });
      expect(r1.version).toBe(2);
      expect(r1.events.map((e) => e.version)).toEqual([1, 2]);
      const r2 = await store.append('order-1', [{ type: 'Shipped', data: { n: 3 }, schemaVersion: 2 }], { expectedVersion: 2 });
      expect(r2.version).toBe(3);
      expect(r2.position).toBeGreaterThan(r1.position);
      const all = await store.readStream('order-1');
      expect(all.map((e) => [e.version, e.type])).toEqual([
        [1, 'Created'],
        [2, 'Paid'],
        [3, 'Shipped'],
      ]);
      expect(all[0]?.data).toEqual(data);
      expect(all[0]?.metadata).toEqual({ by: 'u1' });
      expect(all[2]?.schemaVersion).toBe(2);
      expect(all[1]?.schemaVersion).toBe(1);
      expect((await store.readStream('order-1', { fromVersion: 2 })).map((e) => e.version)).toEqual([2, 3]);
      expect((await store.readStream('order-1', { fromVersion: 2, maxCount: 1 })).map((e) => e.version)).toEqual([2]);
      expect(await store.streamVersion('order-1')).toBe(3);
      await store.append('order-1', [{ type: 'Noted', data: { n: 4 } }], { expectedVersion: 'any' });
      expect(await store.streamVersion('order-1')).toBe(4);
    });

    it('a stale expected version fails with ConcurrencyError and writes nothing', async () => {
      await store.append('a', [{ type: 'E', data: { n: 1 } }], { expectedVersion: 0 });
      const before = await store.readAll();
      for (const expected of [0, 2, 5, 'no-stream'] as ExpectedVersion[]) {
        const err = await rejection(store.append('a', [{ type: 'E', data: { n: 9 } }, { type: 'E', data: { n: 10 } }], { expectedVersion: expected }));
        expect(err).toBeInstanceOf(ConcurrencyError);
        expect(isShnError(err)).toBe(true);
        expect(hasCode(err, 'CONCURRENCY_CONFLICT')).toBe(true);
        expect((err as ConcurrencyError).actual).toBe(1);
        expect((err as Error).message).toMatch(/expected version/);
      }
      const missing = await rejection(store.append('missing', [{ type: 'E', data: {} }], { expectedVersion: 3 }));
      expect(hasCode(missing, 'CONCURRENCY_CONFLICT')).toBe(true);
      expect(await store.readAll()).toEqual(before);
      expect(await store.streamVersion('missing')).toBe(0);
    });

    it('reads all streams in one global order, after a position', async () => {
      for (let i = 0; i < 6; i++) await store.append(`s${i % 3}`, [{ type: 'E', data: { n: i } }], { expectedVersion: 'any' });
      const all = await store.readAll();
      expect(all.map((e) => (e.data as { n: number }).n)).toEqual([0, 1, 2, 3, 4, 5]);
      const positions = all.map((e) => e.position);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      expect(new Set(positions).size).toBe(6);
      const after = await store.readAll({ after: all[2]?.position as number, maxCount: 2 });
      expect(after.map((e) => (e.data as { n: number }).n)).toEqual([3, 4]);
    });

    it('agrees with a model on random appends with right and stale expected versions (property)', async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: -1, max: 1 }), fc.integer({ min: 1, max: 3 })), { maxLength: 15 }), async (ops) => {
          run++;
          const model = new Map<string, number>();
          for (const [s, skew, count] of ops) {
            const stream = `p${run}-${s}`;
            const actual = model.get(stream) ?? 0;
            const expected = Math.max(0, actual + skew);
            const events = Array.from({ length: count }, (_, i) => ({ type: 'E', data: { n: i } }));
            if (expected === actual) {
              const r = await store.append(stream, events, { expectedVersion: expected });
              expect(r.version).toBe(actual + count);
              model.set(stream, actual + count);
            } else {
              expect(hasCode(await rejection(store.append(stream, events, { expectedVersion: expected })), 'CONCURRENCY_CONFLICT')).toBe(true);
            }
          }
          for (const [stream, v] of model) {
            expect(await store.streamVersion(stream)).toBe(v);
            expect((await store.readStream(stream)).map((e) => e.version)).toEqual(Array.from({ length: v }, (_, i) => i + 1));
          }
        }),
        { numRuns: 15 },
      );
    });

    it('racing appenders with the same expected version: exactly one wins each round, the rest write nothing', async () => {
      const racers = options.racers ?? 8;
      const peers = await Promise.all(Array.from({ length: racers }, () => (options.peer === undefined ? Promise.resolve(store) : options.peer(store))));
      try {
        for (let round = 0; round < 5; round++) {
          const results = await Promise.allSettled(
            peers.map((p, i) => p.append('race', [{ type: 'E', data: { n: round * 100 + i } }, { type: 'E2', data: { n: round * 100 + i } }], { expectedVersion: round * 2 })),
          );
          const won = results.filter((r) => r.status === 'fulfilled');
          const lost = results.filter((r) => r.status === 'rejected');
          expect(won).toHaveLength(1);
          for (const l of lost) expect(hasCode(l.reason, 'CONCURRENCY_CONFLICT'), String(l.reason)).toBe(true);
        }
        const events = await store.readStream('race');
        expect(events.map((e) => e.version)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
        // Each winner's two events are adjacent and from the same racer.
        for (let i = 0; i < 10; i += 2) expect((events[i]?.data as { n: number }).n).toBe((events[i + 1]?.data as { n: number }).n);
      } finally {
        for (const p of peers) if (p !== store) await p.close();
      }
    });

    it('subscribes to all streams from a position, then live, in order', async () => {
      await store.append('x', [{ type: 'E', data: { n: 1 } }, { type: 'E', data: { n: 2 } }], { expectedVersion: 0 });
      const first = (await store.readAll())[0] as RecordedEvent;
      const seen: number[] = [];
      const sub = store.subscribe((e) => {
        seen.push((e.data as { n: number }).n);
      }, { after: first.position, pollMs: 10 });
      const r = await store.append('y', [{ type: 'E', data: { n: 3 } }], { expectedVersion: 0 });
      await sub.caughtUp(r.position);
      expect(seen).toEqual([2, 3]);
      await sub.close();
      await store.append('y', [{ type: 'E', data: { n: 4 } }], { expectedVersion: 1 });
      expect(seen).toEqual([2, 3]);
    });

    it('an async projection rebuilt from zero equals the live one; positions are checkpointed', async () => {
      const positions = new MemoryStore();
      const live = counterProjection('live');
      const runner = new ProjectionRunner({ store, projection: live, positions, saveEvery: 3, pollMs: 10 });
      await runner.start();
      let last = 0;
      for (let i = 0; i < 20; i++) last = (await store.append(`acc-${i % 4}`, [{ type: 'E', data: { n: i } }], { expectedVersion: 'any' })).position;
      await runner.caughtUp(last);
      await runner.stop();
      expect(await runner.savedPosition()).toBe(last);
      const rebuilt = counterProjection('rebuilt');
      rebuilt.model.set('junk', 'x');
      const r2 = new ProjectionRunner({ store, projection: rebuilt, positions, pollMs: 10 });
      await r2.rebuild(0);
      await r2.caughtUp(last);
      await r2.stop();
      expect(rebuilt.model).toEqual(live.model);
      expect(rebuilt.count).toBe(20);
      // Rebuild from a position: a read model holding events up to it replays only the rest.
      const events = await store.readAll();
      const mid = events[9] as RecordedEvent;
      const partial = counterProjection('partial');
      for (const e of events.slice(0, 10)) partial.apply(e);
      const r3 = new ProjectionRunner({ store, projection: partial, positions, pollMs: 10 });
      await r3.rebuild(mid.position);
      await r3.caughtUp(last);
      await r3.stop();
      expect(partial.model).toEqual(live.model);
      expect(partial.count).toBe(20);
      // Resume from the checkpointed position: no event applied twice.
      const more = (await store.append('acc-0', [{ type: 'E', data: { n: 99 } }], { expectedVersion: 'any' })).position;
      await runner.start();
      await runner.caughtUp(more);
      await runner.stop();
      expect(live.count).toBe(21);
    });

    it('rejects bad input with INVALID_ARGUMENT and writes nothing', async () => {
      const bad: [string, () => Promise<unknown>][] = [
        ['empty stream', () => store.append('', [{ type: 'E', data: {} }], { expectedVersion: 'any' })],
        ['NUL in stream', () => store.append('a\0b', [{ type: 'E', data: {} }], { expectedVersion: 'any' })],
        ['no events', () => store.append('s', [], { expectedVersion: 'any' })],
        ['empty type', () => store.append('s', [{ type: '', data: {} }], { expectedVersion: 'any' })],
        ['bigint data', () => store.append('s', [{ type: 'E', data: { n: 1n } }], { expectedVersion: 'any' })],
        ['negative expected', () => store.append('s', [{ type: 'E', data: {} }], { expectedVersion: -1 })],
        ['fractional expected', () => store.append('s', [{ type: 'E', data: {} }], { expectedVersion: 1.5 })],
        ['bad fromVersion', () => store.readStream('s', { fromVersion: 0 })],
        ['bad after', () => store.readAll({ after: -1 })],
      ];
      for (const [what, run] of bad) expect(hasCode(await rejection(run()), 'INVALID_ARGUMENT'), what).toBe(true);
      expect(await store.readAll()).toEqual([]);
    });
  });
}
