import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hasCode } from '@shn/core';
import { TextCrdt } from './text-crdt.js';
import type { TextOp } from './text-ops.js';

/** One random local edit: position and length are fractions of the current length. */
type Edit = { readonly at: number; readonly del: number; readonly text: string };
const editArb: fc.Arbitrary<Edit> = fc.record({
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  del: fc.nat({ max: 4 }),
  text: fc.oneof(fc.string({ maxLength: 4 }), fc.constantFrom('', 'ab', '😀x')),
});

/** Applies an edit to both a doc and (optionally) a string model. */
function applyEdit(doc: TextCrdt, e: Edit, model?: { s: string }): void {
  const pos = Math.min(doc.length, Math.floor(e.at * (doc.length + 1)));
  const del = Math.min(e.del, doc.length - pos);
  doc.delete(pos, del);
  doc.insert(pos, e.text);
  if (model) model.s = model.s.slice(0, pos) + e.text + model.s.slice(pos + del);
}

/** Builds `n` replicas, each doing its edits with periodic op exchange; returns them and all ops. */
function history(steps: readonly { r: number; edit: Edit; sync: boolean }[], n: number): { docs: TextCrdt[]; ops: TextOp[] } {
  const docs = Array.from({ length: n }, (_, i) => new TextCrdt(`r${i}`));
  const ops: TextOp[] = [];
  for (const s of steps) {
    const d = docs[s.r % n]!;
    applyEdit(d, s.edit);
    const out = d.takeOps();
    ops.push(...out);
    if (s.sync) for (const o of docs) if (o !== d) o.applyOps(out);
  }
  return { docs, ops };
}

const stepsArb = fc.array(fc.record({ r: fc.nat({ max: 3 }), edit: editArb, sync: fc.boolean() }), { maxLength: 40 });

describe('TextCrdt local editing', () => {
  it('matches a string model under random inserts and deletes', () => {
    fc.assert(
      fc.property(fc.array(editArb, { maxLength: 80 }), (edits) => {
        const doc = new TextCrdt('a');
        const model = { s: '' };
        for (const e of edits) applyEdit(doc, e, model);
        expect(doc.toString()).toBe(model.s);
        expect(doc.length).toBe(model.s.length);
      }),
      { numRuns: 200 },
    );
  });

  it('compresses consecutive typing into one run and one op', () => {
    const doc = new TextCrdt('a');
    for (const [i, ch] of [...'hello world'].entries()) doc.insert(i, ch);
    expect(doc.runCount).toBe(1);
    const ops = doc.takeOps();
    expect(ops).toEqual([{ kind: 'insert', replica: 'a', seq: 0, left: null, right: null, text: 'hello world' }]);
    for (let i = 0; i < 5; i++) doc.delete(doc.length - 1, 1);
    expect(doc.toString()).toBe('hello ');
    expect(doc.takeOps()).toEqual([{ kind: 'delete', ranges: [{ replica: 'a', seq: 6, len: 5 }] }]);
  });

  it('rejects bad arguments with INVALID_ARGUMENT and stays unchanged', () => {
    const doc = new TextCrdt('a');
    doc.insert(0, 'abc');
    const bad: (() => void)[] = [
      () => doc.insert(4, 'x'),
      () => doc.insert(-1, 'x'),
      () => doc.insert(1.5, 'x'),
      () => doc.insert(0, 5 as unknown as string),
      () => doc.delete(2, 2),
      () => doc.delete(0, -1),
      () => new TextCrdt(''),
      () => new TextCrdt('a', { maxPending: -1 }),
      () => doc.applyOps([{ kind: 'nope' } as unknown as TextOp]),
      () => doc.applyOps([{ kind: 'insert', replica: 'b', seq: 0, left: null, right: null, text: '' }]),
      () => doc.applyOps([{ kind: 'insert', replica: 'b', seq: -1, left: null, right: null, text: 'x' }]),
      () => doc.applyOps([{ kind: 'insert', replica: 'b', seq: 0, left: { replica: 'b', seq: 0 }, right: null, text: 'x' }]),
      () => doc.applyOps([{ kind: 'delete', ranges: [{ replica: 'b', seq: 0, len: 0 }] }]),
      () => doc.diffSince(new Map([['a', -1]])),
    ];
    for (const f of bad) {
      let err: unknown;
      try {
        f();
      } catch (e) {
        err = e;
      }
      expect(hasCode(err, 'INVALID_ARGUMENT')).toBe(true);
    }
    expect(doc.toString()).toBe('abc');
  });
});

describe('TextCrdt replication', () => {
  it('replicas receiving the same ops in any order, with duplicates and delays, converge', () => {
    fc.assert(
      fc.property(stepsArb, fc.nat(), (steps, seed) => {
        const { docs, ops } = history(steps, 3);
        // Reference: everything merged state-based.
        const ref = new TextCrdt('ref');
        for (const d of docs) ref.merge(d);
        // Two fresh replicas get all ops shuffled, duplicated and in delayed batches.
        for (const k of [0, 1]) {
          // Every op once, plus some duplicates, in a seeded random order.
          const dupes = ops.filter((_, i) => (i * 31 + seed + k) % 3 === 0);
          const all = [...ops, ...dupes];
          const order = fc.sample(fc.shuffledSubarray(all, { minLength: all.length, maxLength: all.length }), { seed: seed * 7 + k, numRuns: 1 })[0]!;
          const r = new TextCrdt(`x${k}`);
          for (let i = 0; i < order.length; i += 3) r.applyOps(order.slice(i, i + 3));
          expect(r.pendingCount).toBe(0);
          expect(r.toString()).toBe(ref.toString());
        }
        // And every replica, once it has all ops, agrees too.
        for (const d of docs) {
          d.applyOps(ops);
          expect(d.toString()).toBe(ref.toString());
        }
      }),
      { numRuns: 150 },
    );
  });

  it('merge is commutative, associative and idempotent', () => {
    fc.assert(
      fc.property(stepsArb, (steps) => {
        const { docs } = history(steps, 3);
        const [a, b, c] = docs as [TextCrdt, TextCrdt, TextCrdt];
        const join = (...xs: TextCrdt[]): TextCrdt => {
          const out = new TextCrdt('j');
          for (const x of xs) out.merge(x);
          return out;
        };
        const ab = join(a, b);
        const ba = join(b, a);
        expect(ab.toString()).toBe(ba.toString());
        expect(ab.version()).toEqual(ba.version());
        const abC = join(ab, c);
        const aBc = join(a, join(b, c));
        expect(abC.toString()).toBe(aBc.toString());
        const aa = join(a, a);
        aa.merge(a);
        expect(aa.toString()).toBe(a.toString());
        const before = a.encodeState();
        a.merge(a);
        expect(a.encodeState()).toEqual(before);
      }),
      { numRuns: 150 },
    );
  });

  it('applying the delta since a version equals merging the full state', () => {
    fc.assert(
      fc.property(stepsArb, stepsArb, (s1, s2) => {
        const { docs } = history(s1, 2);
        const [a, b] = docs as [TextCrdt, TextCrdt];
        const snapshot = TextCrdt.decodeState(a.encodeState(), 'snap');
        const v = snapshot.version();
        // More concurrent history after the snapshot.
        for (const s of s2) applyEdit(s.r % 2 === 0 ? a : b, s.edit);
        a.merge(b);
        const viaDelta = TextCrdt.decodeState(snapshot.encodeState(), 'd');
        viaDelta.applyUpdate(a.diffSince(v));
        const viaState = TextCrdt.decodeState(snapshot.encodeState(), 's');
        viaState.applyUpdate(a.encodeState());
        expect(viaDelta.toString()).toBe(a.toString());
        expect(viaState.toString()).toBe(a.toString());
        expect(viaDelta.version()).toEqual(viaState.version());
      }),
      { numRuns: 150 },
    );
  });

  it('encode/decode round-trips (text, version, and bytes again)', () => {
    fc.assert(
      fc.property(stepsArb, (steps) => {
        const { docs } = history(steps, 3);
        const d = docs[0]!;
        for (const o of docs) d.merge(o);
        const bytes = d.encodeState();
        const back = TextCrdt.decodeState(bytes, 'other');
        expect(back.toString()).toBe(d.toString());
        expect(back.version()).toEqual(d.version());
        expect(back.encodeState()).toEqual(bytes);
        // The restored replica keeps editing and converges with the original.
        back.insert(0, 'Z');
        d.applyOps(back.takeOps());
        expect(d.toString()).toBe(back.toString());
      }),
      { numRuns: 150 },
    );
  });

  it('garbage, truncated and corrupted bytes fail with DECODE_FAILED and change nothing', () => {
    fc.assert(
      fc.property(stepsArb, fc.uint8Array({ maxLength: 64 }), fc.nat(), fc.nat({ max: 255 }), (steps, garbage, at, byte) => {
        const { docs } = history(steps, 2);
        const [a, b] = docs as [TextCrdt, TextCrdt];
        const good = b.diffSince(new Map());
        const before = a.encodeState();
        const text = a.toString();
        const corrupt = good.slice();
        corrupt[at % corrupt.length] = byte;
        const cases = [garbage, good.subarray(0, at % good.length), corrupt];
        for (const bytes of cases) {
          try {
            a.applyUpdate(bytes);
            // A corruption may still be a valid update; then it must have been applied whole.
            expect(bytes).toBe(corrupt);
            return;
          } catch (e) {
            // A corruption that still decodes can claim characters of this replica's own id
            // that it never issued: refused as id reuse (INVALID_ARGUMENT), also unchanged.
            const ok = hasCode(e, 'DECODE_FAILED') || (bytes === corrupt && hasCode(e, 'INVALID_ARGUMENT'));
            expect(ok).toBe(true);
            expect(a.encodeState()).toEqual(before);
            expect(a.toString()).toBe(text);
          }
          if (bytes !== corrupt) expect(() => TextCrdt.decodeState(bytes, 'n')).toThrow(expect.objectContaining({ code: 'DECODE_FAILED' }));
        }
      }),
      { numRuns: 200 },
    );
  });

  it('orders concurrent inserts at the same position by replica id, without interleaving runs', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 3 }), { minLength: 2, maxLength: 4 }),
        fc.array(fc.string({ minLength: 1, maxLength: 5 }), { minLength: 4, maxLength: 4 }),
        fc.nat({ max: 3 }),
        fc.nat(),
        (ids, words, where, seed) => {
          const base = new TextCrdt('base~');
          base.insert(0, 'xyz');
          const state = base.encodeState();
          const docs = ids.map((id) => TextCrdt.decodeState(state, id));
          const ops: TextOp[] = [];
          docs.forEach((d, i) => {
            // Forward typing, one character at a time, at the same spot on every replica.
            const w = words[i]!;
            for (let k = 0; k < w.length; k++) d.insert(where + k, w[k]!);
            ops.push(...d.takeOps());
          });
          const results = docs.map((d, i) => {
            const order = fc.sample(fc.shuffledSubarray(ops, { minLength: ops.length, maxLength: ops.length }), { seed: seed + i, numRuns: 1 })[0]!;
            d.applyOps(order);
            return d.toString();
          });
          for (const r of results) expect(r).toBe(results[0]);
          const sorted = ids.map((id, i) => ({ id, w: words[i]! })).sort((x, y) => (x.id < y.id ? -1 : 1));
          const expected = 'xyz'.slice(0, where) + sorted.map((s) => s.w).join('') + 'xyz'.slice(where);
          expect(results[0]).toBe(expected);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('TextCrdt causal buffer and replica ids', () => {
  it('holds ops whose dependencies are missing, then applies them once they arrive', () => {
    const a = new TextCrdt('a');
    a.insert(0, 'hello');
    const first = a.takeOps();
    a.insert(5, ' world');
    a.delete(0, 1);
    const later = a.takeOps();
    const b = new TextCrdt('b');
    b.applyOps(later);
    expect(b.toString()).toBe('');
    expect(b.pendingCount).toBeGreaterThan(0);
    b.applyOps(first);
    expect(b.pendingCount).toBe(0);
    expect(b.toString()).toBe('ello world');
  });

  it('bounds the buffer: beyond maxPending ops are dropped and reported with MESSAGE_LOST', () => {
    const a = new TextCrdt('a');
    a.insert(0, 'x');
    a.takeOps();
    const held: TextOp[] = [];
    for (let i = 0; i < 5; i++) {
      a.insert(0, 'y');
      held.push(...a.takeOps());
    }
    const b = new TextCrdt('b', { maxPending: 3 });
    let err: unknown;
    try {
      b.applyOps(held);
    } catch (e) {
      err = e;
    }
    expect(hasCode(err, 'MESSAGE_LOST')).toBe(true);
    expect(b.pendingCount).toBe(3);
    expect(b.toString()).toBe('');
    // Anti-entropy recovers: a full delta fills the gap.
    b.applyUpdate(a.diffSince(b.version()));
    expect(b.toString()).toBe(a.toString());
    expect(b.pendingCount).toBe(0);
  });

  it('refuses to restore a state under an id that authored it, and detects id reuse', () => {
    const a = new TextCrdt('a');
    a.insert(0, 'abc');
    const state = a.encodeState();
    expect(() => TextCrdt.decodeState(state, 'a')).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    const restored = TextCrdt.decodeState(state, 'a~1');
    expect(restored.toString()).toBe('abc');
    // A second live replica calling itself "a" is detected when its ops come back.
    const impostor = new TextCrdt('a');
    impostor.insert(0, 'zzzz');
    expect(() => a.applyOps(impostor.takeOps())).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => a.applyUpdate(impostor.encodeState())).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(a.toString()).toBe('abc');
  });

  it('rejects a delta given to decodeState', () => {
    const a = new TextCrdt('a');
    a.insert(0, 'abc');
    const v = a.version();
    a.insert(3, 'd');
    expect(() => TextCrdt.decodeState(a.diffSince(v), 'n')).toThrow(expect.objectContaining({ code: 'DECODE_FAILED' }));
  });

  it('run references outside the run list (back before the first run, ahead past the last) fail with DECODE_FAILED', () => {
    // 'T' 'x' version 2, full state, one replica "a", one run, header, refs, seq, len, content "x", no ranges.
    const back = Uint8Array.from([0x54, 0x78, 2, 1, 1, 1, 0x61, 1, 3 * 2, 0, 0, 1, 1, 0x78, 0]);
    const ahead = Uint8Array.from([0x54, 0x78, 2, 1, 1, 1, 0x61, 1, 64 + 2 * 8, 0, 1, 0, 1, 0x78, 0]);
    const plain = Uint8Array.from([0x54, 0x78, 2, 1, 1, 1, 0x61, 1, 0, 0, 1, 1, 0x78, 0]);
    expect(TextCrdt.decodeState(plain, 'n').toString()).toBe('x');
    for (const bytes of [back, ahead]) {
      expect(() => TextCrdt.decodeState(bytes, 'n')).toThrow(expect.objectContaining({ code: 'DECODE_FAILED' }));
    }
  });

  it('splits made by inserts inside runs survive encode/decode (back and forward run references)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.constantFrom('x', 'yz', '')), { maxLength: 40 }), (edits) => {
        const a = new TextCrdt('a');
        a.insert(0, 'abcdefghij');
        for (const [at, text] of edits) {
          const pos = at % (a.length + 1);
          if (text === '') {
            if (a.length > 0) a.delete(Math.min(pos, a.length - 1), 1);
          } else a.insert(pos, text);
        }
        const loaded = TextCrdt.decodeState(a.encodeState(), 'b');
        expect(loaded.toString()).toBe(a.toString());
        // The loaded replica integrates further remote edits exactly like the original.
        const c = new TextCrdt('c');
        c.applyUpdate(a.encodeState());
        c.insert(Math.floor(c.length / 2), 'Q');
        const ops = c.takeOps();
        a.applyOps(ops);
        loaded.applyOps(ops);
        expect(loaded.toString()).toBe(a.toString());
      }),
    );
  });
});
