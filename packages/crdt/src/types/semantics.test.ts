import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Clock } from '@shn/core';
import { hasCode } from '@shn/core';
import { Replica } from '../replica/replica.js';
import { orSet } from './or-set.js';
import { orMap } from './or-map.js';
import { pnCounter } from './pn-counter.js';
import { gCounter } from './g-counter.js';
import { lwwRegister } from './lww-register.js';
import { mvRegister } from './mv-register.js';
import { twoPhaseSet } from './two-phase-set.js';
import { HybridLogicalClock, compareHlc } from './hybrid-logical-clock.js';
import { stateCodec } from '../codec/crdt-codec.js';

const clockAt = (ms: () => number): Clock => ({ now: ms, monotonic: ms });

describe('OR-Set', () => {
  it('add wins over a concurrent remove; an observed remove wins', () => {
    const a = new Replica(orSet, 'a');
    const b = new Replica(orSet, 'b');
    a.mutate((s, r) => orSet.add(s, r, 'x'));
    b.merge(a.state);
    b.mutate((s) => orSet.remove(s, 'x')); // saw a's add
    a.mutate((s, r) => orSet.add(s, r, 'x')); // concurrent re-add
    a.merge(b.state);
    b.merge(a.state);
    expect(a.value).toEqual(new Set(['x']));
    expect(orSet.equals(a.state, b.state)).toBe(true);
    b.mutate((s) => orSet.remove(s, 'x'));
    a.merge(b.state);
    expect(a.value).toEqual(new Set());
  });

  it('keeps no tombstones: after any add/remove history, metadata is one vector entry per replica', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(2), fc.boolean(), fc.constantFrom('a', 'b', 'c')), { maxLength: 60 }), (steps) => {
        const reps = ['r0', 'r1', 'r2'].map((id) => new Replica(orSet, id));
        for (const [i, add, e] of steps) {
          reps[i]!.mutate((s, r) => (add ? orSet.add(s, r, e) : orSet.remove(s, e)));
          for (const other of reps) other.merge(reps[i]!.state);
        }
        for (const rep of reps) {
          expect(rep.state.ctx.cloud.size).toBe(0); // every dot folded into the vector
          expect(rep.state.ctx.vv.size).toBeLessThanOrEqual(3);
          for (const dots of rep.state.entries.values()) expect(dots.length).toBe(1);
          expect(rep.state.entries.size).toBe(rep.value.size);
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('LWW-Register', () => {
  it('later HLC timestamps win even when the writer wall clock lags', () => {
    const a = new Replica(lwwRegister, 'a');
    const b = new Replica(lwwRegister, 'b');
    const fast = new HybridLogicalClock(clockAt(() => 10_000));
    const slow = new HybridLogicalClock(clockAt(() => 5));
    a.mutate((s, r) => lwwRegister.set(s, r, 'first', fast));
    b.merge(a.state);
    b.mutate((s, r) => lwwRegister.set(s, r, 'second', slow)); // saw 'first': must win
    a.merge(b.state);
    expect(a.value).toBe('second');
  });

  it('breaks exact timestamp ties by replica id, deterministically', () => {
    const hlc = () => new HybridLogicalClock(clockAt(() => 42));
    const x = lwwRegister.set(null, 'alice', 'A', hlc());
    const y = lwwRegister.set(null, 'bob', 'B', hlc());
    expect(lwwRegister.join(x, y)?.v).toBe('B');
    expect(lwwRegister.join(y, x)?.v).toBe('B');
  });

  it('HLC is strictly monotonic and exceeds observed timestamps', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(1000), fc.option(fc.record({ w: fc.nat(1000), c: fc.nat(5) }))), { maxLength: 50 }), (steps) => {
        let now = 0;
        const hlc = new HybridLogicalClock(clockAt(() => now));
        let last = { w: -1, c: 0 };
        for (const [t, after] of steps) {
          now = t;
          const ts = hlc.next(after ?? undefined);
          expect(compareHlc(ts, last)).toBeGreaterThan(0);
          if (after !== null) expect(compareHlc(ts, after)).toBeGreaterThan(0);
          last = ts;
        }
      }),
    );
  });

  it('rejects values that are not JSON', () => {
    expect(() => lwwRegister.set(null, 'a', (() => 1) as never, new HybridLogicalClock())).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('MV-Register', () => {
  it('keeps concurrent writes and a later write replaces them all', () => {
    const a = new Replica(mvRegister, 'a');
    const b = new Replica(mvRegister, 'b');
    a.mutate((s, r) => mvRegister.set(s, r, 1));
    b.mutate((s, r) => mvRegister.set(s, r, 2));
    a.merge(b.state);
    expect(a.value).toEqual([1, 2]);
    a.mutate((s, r) => mvRegister.set(s, r, 3));
    b.merge(a.state);
    expect(b.value).toEqual([3]);
  });
});

describe('counters and 2P-Set', () => {
  it('PN-Counter value is the sum of all adds across replicas', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(3), fc.integer({ min: -1e6, max: 1e6 })), { maxLength: 40 }), (adds) => {
        const reps = ['a', 'b', 'c', 'd'].map((id) => new Replica(pnCounter, id));
        for (const [i, n] of adds) reps[i]!.mutate((s, r) => pnCounter.add(s, r, n));
        const all = reps.reduce((acc, r) => pnCounter.join(acc, r.state), pnCounter.bottom());
        expect(pnCounter.value(all)).toBe(adds.reduce((t, [, n]) => t + n, 0));
      }),
    );
  });

  it('rejects bad amounts with INVALID_ARGUMENT', () => {
    for (const n of [-1, 1.5, Number.NaN, Infinity]) {
      expect(() => gCounter.increment(new Map(), 'a', n)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    }
    expect(() => pnCounter.add(pnCounter.bottom(), 'a', Number.NaN)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => gCounter.increment(new Map([['a', Number.MAX_SAFE_INTEGER]]), 'a', 1)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('2P-Set: a removed element never comes back; removing an unseen element is refused', () => {
    const r = new Replica(twoPhaseSet, 'a');
    r.mutate((s) => twoPhaseSet.add(s, 'x'));
    r.mutate((s) => twoPhaseSet.remove(s, 'x'));
    r.mutate((s) => twoPhaseSet.add(s, 'x'));
    expect(r.value).toEqual(new Set());
    expect(() => r.mutate((s) => twoPhaseSet.remove(s, 'y'))).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});

describe('OR-Map', () => {
  it('nested counters merge per key; remove is add-wins against a concurrent update', () => {
    const m = orMap(pnCounter);
    const a = new Replica(m, 'a');
    const b = new Replica(m, 'b');
    a.mutate((s, r) => m.update(s, r, 'k', (c) => pnCounter.add(c, r, 5)));
    b.merge(a.state);
    b.mutate((s, r) => m.update(s, r, 'k', (c) => pnCounter.add(c, r, 2)));
    a.mutate((s) => m.remove(s, 'k')); // concurrent with b's update
    a.merge(b.state);
    expect(a.value).toEqual(new Map([['k', 7]]));
  });
});

describe('decoder hardening', () => {
  it('refuses a live dot outside the causal context and duplicate replica-table entries', () => {
    const codec = stateCodec(orSet);
    const s = orSet.join(orSet.bottom(), orSet.add(orSet.bottom(), 'r', 'x'));
    const ok = codec.encode(s);
    // layout: magic, ver, kind, tag, table(1, len 1, 'r'), vv(1, idx0, 1), cloud(0), keys...
    const bad = ok.slice();
    expect(Array.from(bad.subarray(0, 10))).toEqual([0xc7, 1, 0, 7, 1, 1, 0x72, 1, 0, 1]);
    bad[9] = 0; // vv entry 0 is not positive
    expect(() => codec.decode(bad)).toThrow(expect.objectContaining({ code: 'DECODE_FAILED' }));
    const noCtx = Uint8Array.from([0xc7, 1, 0, 7, 1, 1, 0x72, 0, 0, 1, 1, 0x78, 1, 0, 1]);
    try {
      codec.decode(noCtx);
      expect.unreachable();
    } catch (e) {
      expect(hasCode(e, 'DECODE_FAILED')).toBe(true);
      expect(String(e)).toMatch(/outside the causal context/);
    }
    const dupTable = Uint8Array.from([0xc7, 1, 0, 7, 2, 1, 0x72, 1, 0x72, 0, 0, 0]);
    expect(() => codec.decode(dupTable)).toThrow(/duplicate replica id/);
  });

  it('refuses an unknown format version', () => {
    const bytes = stateCodec(gCounter).encode(new Map([['a', 1]]));
    bytes[1] = 2;
    expect(() => stateCodec(gCounter).decode(bytes)).toThrow(/unsupported format version 2/);
  });
});
