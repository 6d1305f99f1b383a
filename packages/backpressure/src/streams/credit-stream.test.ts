import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isShnError } from '@shn/core';
import { creditChannel } from './credit-channel.js';
import { CreditReceiver } from './credit-link.js';
import { CreditStream } from './credit-stream.js';
import type { CreditReader } from './credit-reader.js';

const flush = () => new Promise<void>((r) => setImmediate(r));

/** A lazy source that counts what it produced. */
function counted(items: readonly number[], async = false) {
  const c = { produced: 0, returned: false };
  function* sync() {
    try {
      for (const x of items) {
        c.produced++;
        yield x;
      }
    } finally {
      c.returned = true;
    }
  }
  async function* asyncGen() {
    try {
      for (const x of items) {
        await Promise.resolve();
        c.produced++;
        yield x;
      }
    } finally {
      c.returned = true;
    }
  }
  return { stream: CreditStream.from(async ? asyncGen() : sync()), c };
}

async function readAll<T>(reader: CreditReader<T>, already: T[] = []): Promise<T[]> {
  const out = [...already];
  reader.request(Number.MAX_SAFE_INTEGER);
  for await (const x of reader) out.push(x);
  return out;
}

async function codeOfAsync(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'none';
  } catch (e) {
    return isShnError(e) ? e.code : 'not a ShnError';
  }
}

type Op = { map: true } | { filter: number } | { batch: number } | { window: [number, number] } | { zip: number[] };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.constant({ map: true as const }),
  fc.record({ filter: fc.integer({ min: 2, max: 4 }) }),
  fc.record({ batch: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ window: fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 })) }),
  fc.record({ zip: fc.array(fc.integer({ min: -50, max: 50 }), { maxLength: 40 }) }),
);
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

function applyStream(s: CreditStream<number>, op: Op): CreditStream<number> {
  if ('map' in op) return s.map((x) => x * 2 + 1);
  if ('filter' in op) return s.filter((x) => Math.abs(x) % op.filter !== 0);
  if ('batch' in op) return s.batch(op.batch).map(sum);
  if ('window' in op) return s.window(op.window[0], op.window[1]).map(sum);
  return CreditStream.zip(s, CreditStream.from(op.zip)).map(([a, b]) => a + b);
}

function applyArray(xs: number[], op: Op): number[] {
  if ('map' in op) return xs.map((x) => x * 2 + 1);
  if ('filter' in op) return xs.filter((x) => Math.abs(x) % op.filter !== 0);
  if ('batch' in op) {
    const out: number[] = [];
    for (let i = 0; i < xs.length; i += op.batch) out.push(sum(xs.slice(i, i + op.batch)));
    return out;
  }
  if ('window' in op) {
    const [size, step] = op.window;
    const out: number[] = [];
    for (let start = 0; start + size <= xs.length; start += step) out.push(sum(xs.slice(start, start + size)));
    return out;
  }
  return xs.slice(0, Math.min(xs.length, op.zip.length)).map((x, i) => x + (op.zip[i] as number));
}

describe('CreditStream', () => {
  it('never delivers more than requested through any pipeline of map/filter/batch/window/zip, and computes the same as on arrays', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: -100, max: 100 }), { maxLength: 60 }),
        fc.array(opArb, { maxLength: 4 }),
        fc.array(fc.integer({ min: 1, max: 7 }), { maxLength: 12 }),
        fc.boolean(),
        async (items, ops, demands, async) => {
          const { stream } = counted(items, async);
          const reader = ops.reduce(applyStream, stream).reader();
          const early: number[] = [];
          for (const n of demands) {
            reader.request(n);
            await flush();
            expect(reader.delivered).toBeLessThanOrEqual(reader.requested);
            while (early.length < reader.delivered) early.push((await reader.next()).value as number);
          }
          expect(await readAll(reader, early)).toEqual(ops.reduce(applyArray, items));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('each operator asks upstream only for what downstream demand needs', async () => {
    const items = Array.from({ length: 100 }, (_, i) => i);
    const check = async <U>(make: (s: CreditStream<number>) => CreditStream<U>, demand: number, bound: (c: { produced: number }) => number) => {
      const { stream, c } = counted(items);
      const reader = make(stream).reader();
      reader.request(demand);
      await flush();
      expect(reader.delivered).toBeLessThanOrEqual(demand);
      expect(c.produced).toBeLessThanOrEqual(bound(c));
    };
    await check((s) => s.map((x) => x + 1), 7, () => 7);
    await check((s) => s.filter((x) => x % 2 === 0), 7, () => 14);
    await check((s) => s.batch(5), 3, () => 15);
    await check((s) => s.window(4, 2), 3, () => 2 * 2 + 4);
    const a = counted(items);
    const b = counted(items);
    const zipped = CreditStream.zip(a.stream, b.stream).reader();
    zipped.request(6);
    await flush();
    expect([a.c.produced, b.c.produced, zipped.delivered]).toEqual([6, 6, 6]);
    const m1 = counted(items);
    const m2 = counted(items);
    const merged = CreditStream.merge(m1.stream, m2.stream).reader();
    merged.request(5);
    await flush();
    expect(merged.delivered).toBe(5);
    expect(m1.c.produced).toBeLessThanOrEqual(5);
    expect(m2.c.produced).toBeLessThanOrEqual(5);
  });

  it('merge delivers every item of every source exactly once, never more than requested', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(fc.integer(), { maxLength: 20 }), { maxLength: 4 }), fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 10 }), fc.boolean(), async (lists, demands, async) => {
        const reader = CreditStream.merge(...lists.map((l) => counted(l, async).stream)).reader();
        const early: number[] = [];
        for (const n of demands) {
          reader.request(n);
          await flush();
          expect(reader.delivered).toBeLessThanOrEqual(reader.requested);
          while (early.length < reader.delivered) early.push((await reader.next()).value as number);
        }
        const all = await readAll(reader, early);
        expect([...all].sort((x, y) => x - y)).toEqual(lists.flat().sort((x, y) => x - y));
      }),
      { numRuns: 60 },
    );
  });

  it('fails with INVALID_ARGUMENT on non-positive demand (and cancels the source)', async () => {
    for (const bad of [0, -1, 1.5, NaN, Infinity]) {
      const { stream, c } = counted([1, 2, 3]);
      const reader = stream.map((x) => x).reader();
      reader.request(1);
      expect((await reader.next()).value).toBe(1);
      reader.request(bad);
      expect(await codeOfAsync(reader.next())).toBe('INVALID_ARGUMENT');
      expect(c.returned).toBe(true);
    }
  });

  it('fails with PROTOCOL_ERROR when a source delivers beyond demand, and passes a mapper throw on typed', async () => {
    const rogue = new CreditStream<number>((sub) => ({
      request() {
        for (let i = 0; i < 5; i++) sub.onNext(i);
      },
      cancel() {},
    }));
    const r = rogue.reader();
    r.request(2);
    expect([(await r.next()).value, (await r.next()).value]).toEqual([0, 1]);
    expect(await codeOfAsync(r.next())).toBe('PROTOCOL_ERROR');
    const boom = CreditStream.from([1, 2]).map(() => {
      throw new Error('boom');
    });
    const b = boom.iterate();
    expect(await codeOfAsync(b.next())).toBe('INTERNAL');
  });

  it('for await iterates with automatic demand and stops the source when the loop breaks', async () => {
    const { stream, c } = counted(Array.from({ length: 1000 }, (_, i) => i));
    const seen: number[] = [];
    for await (const x of stream) {
      seen.push(x);
      if (x === 9) break;
    }
    expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(c.produced).toBeLessThanOrEqual(10 + 16);
    expect(c.returned).toBe(true);
  });
});

describe('credit links', () => {
  it('a sender never transmits more than the receiver granted (random interleavings)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.record({ send: fc.integer({ min: 1, max: 5 }) }), fc.record({ request: fc.integer({ min: 1, max: 5 }) })), { maxLength: 100 }), async (ops) => {
        const { sender, stream } = creditChannel<number>();
        const reader = stream.reader();
        const waits: Promise<void>[] = [];
        let next = 0;
        for (const op of ops) {
          if ('send' in op) for (let i = 0; i < op.send; i++) waits.push(sender.send(next++));
          else reader.request(op.request);
          await flush();
          expect(sender.sent).toBeLessThanOrEqual(reader.requested);
          expect(reader.delivered).toBe(sender.sent);
        }
        expect(sender.waiting).toBe(Math.max(0, next - reader.requested));
        sender.complete();
        await Promise.allSettled(waits);
        const got: number[] = [];
        for await (const x of reader) got.push(x);
        expect(got).toEqual(Array.from({ length: Math.min(next, reader.requested) }, (_, i) => i));
      }),
      { numRuns: 60 },
    );
  });

  it('a receiver fails the stream with PROTOCOL_ERROR on an item beyond its credit, and tells the sender', async () => {
    let cancelled = false;
    const receiver = new CreditReceiver<number>({ sendCredit: () => {}, sendCancel: () => void (cancelled = true) });
    const reader = new CreditStream<number>((s) => receiver.subscribe(s)).reader();
    reader.request(1);
    receiver.deliver(1);
    receiver.deliver(2);
    expect((await reader.next()).value).toBe(1);
    expect(await codeOfAsync(reader.next())).toBe('PROTOCOL_ERROR');
    expect(cancelled).toBe(true);
  });

  it('a cancelled stream rejects waiting sends with CANCELLED', async () => {
    const { sender, stream } = creditChannel<number>();
    const reader = stream.reader();
    const p = sender.send(1);
    reader.cancel();
    expect(await codeOfAsync(p)).toBe('CANCELLED');
    expect(() => sender.grant(0)).toThrow(expect.objectContaining({ code: 'PROTOCOL_ERROR' }) as Error);
  });
});
