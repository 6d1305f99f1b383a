import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hasCode } from '@shn/core';
import type { Timer } from '@shn/core';
import { KeyedState } from './keyed-state.js';
import { decodeImage } from './state-image.js';

type Op = { t: 'set'; k: string; v: Uint8Array } | { t: 'del'; k: string } | { t: 'snap' } | { t: 'clear' };
const keyArb = fc.oneof(fc.constantFrom('a', 'b', 'c', 'd', 'ü', '😀', ''), fc.string({ maxLength: 6 }));
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ t: fc.constant('set' as const), k: keyArb, v: fc.uint8Array({ maxLength: 16 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('del' as const), k: keyArb }) },
  { weight: 2, arbitrary: fc.constant({ t: 'snap' as const }) },
  { weight: 1, arbitrary: fc.constant({ t: 'clear' as const }) },
);

function toObject(s: Iterable<[string, Uint8Array]>): Map<string, string> {
  const m = new Map<string, string>();
  for (const [k, v] of s) m.set(k, Buffer.from(v).toString('hex'));
  return m;
}

describe('KeyedState', () => {
  it('restore(snapshotFull(s)) = s (property)', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60 }), (ops) => {
        const s = new KeyedState({ keyGroups: 64 });
        for (const op of ops) {
          if (op.t === 'set') s.set(op.k, op.v);
          else if (op.t === 'del') s.delete(op.k);
          else if (op.t === 'clear') s.clear();
        }
        const r = new KeyedState({ keyGroups: 64 });
        r.restore(s.snapshotFull());
        expect(toObject(r.entries())).toEqual(toObject(s.entries()));
        expect(r.seq).toBe(s.seq);
      }),
    );
  });

  it('a full image plus the chain of deltas equals the full checkpoint (property)', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80 }), (ops) => {
        const s = new KeyedState({ keyGroups: 64 });
        const images: Uint8Array[] = [];
        for (const op of ops) {
          if (op.t === 'set') s.set(op.k, op.v);
          else if (op.t === 'del') s.delete(op.k);
          else if (op.t === 'clear') s.clear();
          else images.push(s.snapshot());
        }
        images.push(s.snapshot());
        const replica = new KeyedState({ keyGroups: 64 });
        for (const img of images) replica.apply(img);
        const full = new KeyedState({ keyGroups: 64 });
        full.restore(s.snapshotFull());
        expect(toObject(replica.entries())).toEqual(toObject(full.entries()));
        expect(toObject(replica.entries())).toEqual(toObject(s.entries()));
      }),
    );
  });

  it('a delta holds only the changed keys', () => {
    const s = new KeyedState();
    for (let i = 0; i < 1000; i++) s.set(`k${i}`, new Uint8Array(8));
    s.snapshot();
    for (let i = 0; i < 10; i++) s.set(`k${i}`, new Uint8Array([1]));
    s.delete('k999');
    const delta = decodeImage(s.snapshot());
    expect(delta.kind).toBe('delta');
    expect(delta.records).toHaveLength(11);
    expect(delta.records.filter((r) => r.value === undefined).map((r) => r.key)).toEqual(['k999']);
  });

  it('a copy-on-write view sees the state as of its creation whatever is written after (property)', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 30 }), fc.array(opArb, { maxLength: 30 }), fc.nat(30), (before, after, splitAt) => {
        const s = new KeyedState({ keyGroups: 16 });
        const run = (op: Op): void => {
          if (op.t === 'set') s.set(op.k, op.v);
          else if (op.t === 'del') s.delete(op.k);
          else if (op.t === 'clear') s.clear();
        };
        before.forEach(run);
        const expected = toObject(s.entries());
        const view = s.view();
        // Interleave writes with a partial iteration, then finish iterating.
        const it = view.entries();
        const got: [string, Uint8Array][] = [];
        for (let i = 0; i < splitAt; i++) {
          const n = it.next();
          if (n.done === true) break;
          got.push(n.value);
        }
        after.forEach(run);
        for (let n = it.next(); n.done !== true; n = it.next()) got.push(n.value);
        view.release();
        const seen = new Map<string, string>();
        for (const [k, v] of got) {
          const hex = Buffer.from(v).toString('hex');
          // A key touched mid-iteration may come twice, always with its view-time value.
          if (seen.has(k)) expect(seen.get(k)).toBe(hex);
          seen.set(k, hex);
        }
        expect(seen).toEqual(expected);
      }),
    );
  });

  it('captureFull yields between chunks while writes continue, and captures the instant of the call', async () => {
    const s = new KeyedState({ keyGroups: 16 });
    for (let i = 0; i < 1000; i++) s.set(`k${i}`, new Uint8Array([i & 0xff]));
    const expected = toObject(s.entries());
    let yields = 0;
    let n = 1000;
    const timer: Timer = {
      setTimeout(fn) {
        yields++;
        // A "message" runs while the capture is paused.
        s.set(`k${n % 1000}`, new Uint8Array([0xff]));
        s.set(`new${n++}`, new Uint8Array([1]));
        s.delete(`k${(n * 7) % 1000}`);
        queueMicrotask(fn);
        return {};
      },
      clearTimeout() {},
    };
    const image = await s.captureFull({ sliceMs: 0, timer });
    expect(yields).toBeGreaterThanOrEqual(15);
    const r = new KeyedState({ keyGroups: 16 });
    r.restore(image);
    expect(toObject(r.entries())).toEqual(expected);
    // The capture advanced seq, and the next delta carries the writes made during the capture.
    const deltaBytes = s.snapshot();
    expect(decodeImage(deltaBytes).baseSeq).toBe(r.seq);
    r.apply(deltaBytes);
    expect(toObject(r.entries())).toEqual(toObject(s.entries()));
  });

  it('refuses a delta that does not follow and leaves the state unchanged', () => {
    const s = new KeyedState();
    s.set('a', new Uint8Array([1]));
    const full = s.snapshot();
    s.set('b', new Uint8Array([2]));
    s.snapshot();
    s.set('c', new Uint8Array([3]));
    const second = s.snapshot();
    const r = new KeyedState();
    r.apply(full);
    let err: unknown;
    try {
      r.apply(second);
    } catch (e) {
      err = e;
    }
    expect(hasCode(err, 'DATA_CORRUPT')).toBe(true);
    expect([...r.keys()]).toEqual(['a']);
  });

  it('restores only the owned key groups when filtered', () => {
    const s = new KeyedState({ keyGroups: 8 });
    for (let i = 0; i < 200; i++) s.set(`key${i}`, new Uint8Array([i]));
    const img = s.snapshotFull();
    const parts = [0, 1].map((half) => {
      const r = new KeyedState({ keyGroups: 8 });
      r.restore(img, (g) => (g < 4 ? 0 : 1) === half);
      return r;
    });
    expect((parts[0] as KeyedState).size + (parts[1] as KeyedState).size).toBe(200);
    for (const k of (parts[0] as KeyedState).keys()) expect((parts[1] as KeyedState).has(k)).toBe(false);
  });
});

