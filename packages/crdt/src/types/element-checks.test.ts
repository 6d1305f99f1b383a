import { isWellFormedUtf16 } from '@shn/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stateCodec } from '../codec/crdt-codec.js';
import { CrdtWriter } from '../encoding/crdt-writer.js';
import { Replica } from '../replica/replica.js';
import { gCounter } from './g-counter.js';
import { gSet } from './g-set.js';
import { HybridLogicalClock } from './hybrid-logical-clock.js';
import { lwwRegister } from './lww-register.js';
import { mvRegister } from './mv-register.js';
import { orMap } from './or-map.js';
import { orSet } from './or-set.js';
import { pnCounter } from './pn-counter.js';
import { twoPhaseSet } from './two-phase-set.js';

const counters = orMap(pnCounter);

/** A fresh replica of some type with one mutator that takes a set element or a map key. */
interface Subject {
  encode(): Uint8Array;
  mutate(element: unknown): void;
}

/** Every mutator that takes a set element or a map key. */
const subjects: Record<string, () => Subject> = {
  'gSet.add': () => {
    const r = new Replica(gSet, 'a#1');
    return { encode: () => stateCodec(gSet).encode(r.state), mutate: (e) => r.mutate((s) => gSet.add(s, e as string)) };
  },
  'twoPhaseSet.add': () => {
    const r = new Replica(twoPhaseSet, 'a#1');
    return { encode: () => stateCodec(twoPhaseSet).encode(r.state), mutate: (e) => r.mutate((s) => twoPhaseSet.add(s, e as string)) };
  },
  'twoPhaseSet.remove': () => {
    const r = new Replica(twoPhaseSet, 'a#1');
    return { encode: () => stateCodec(twoPhaseSet).encode(r.state), mutate: (e) => r.mutate((s) => twoPhaseSet.remove(s, e as string)) };
  },
  'orSet.add': () => {
    const r = new Replica(orSet, 'a#1');
    return { encode: () => stateCodec(orSet).encode(r.state), mutate: (e) => r.mutate((s, id) => orSet.add(s, id, e as string)) };
  },
  'orSet.remove': () => {
    const r = new Replica(orSet, 'a#1');
    return { encode: () => stateCodec(orSet).encode(r.state), mutate: (e) => r.mutate((s) => orSet.remove(s, e as string)) };
  },
  'orMap.update': () => {
    const r = new Replica(counters, 'a#1');
    return { encode: () => stateCodec(counters).encode(r.state), mutate: (e) => r.mutate((s, id) => counters.update(s, id, e as string, (c) => pnCounter.add(c, id, 1))) };
  },
  'orMap.remove': () => {
    const r = new Replica(counters, 'a#1');
    return { encode: () => stateCodec(counters).encode(r.state), mutate: (e) => r.mutate((s) => counters.remove(s, e as string)) };
  },
};

const notAString = fc.anything().filter((v) => typeof v !== 'string');
/** Strings with at least one lone surrogate. */
const withLoneSurrogate = fc
  .tuple(fc.string({ unit: 'grapheme', maxLength: 5 }), fc.constantFrom('\uD800', '\uDBFF', '\uDC00', '\uDFFF'), fc.string({ unit: 'grapheme', maxLength: 5 }))
  .map(([a, lone, b]) => a + lone + b);
const wellFormed = fc.string({ unit: 'binary', maxLength: 30 }).filter((s) => isWellFormedUtf16(s));

describe('set elements and map keys are well-formed strings', () => {
  for (const [name, make] of Object.entries(subjects)) {
    it(`${name} refuses a non-string or a string with a lone surrogate with INVALID_ARGUMENT and leaves the replica unchanged`, () => {
      fc.assert(
        fc.property(fc.oneof(notAString, withLoneSurrogate), (bad) => {
          const subject = make();
          const before = subject.encode();
          expect(() => subject.mutate(bad)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
          expect(subject.encode()).toEqual(before);
        }),
        { numRuns: 50 },
      );
    });
  }

  it('any well-formed string survives encode/decode unchanged, as an element and as a key', () => {
    fc.assert(
      fc.property(fc.uniqueArray(wellFormed, { maxLength: 8 }), (elements) => {
        const s = new Replica(orSet, 'a#1');
        const g = new Replica(gSet, 'a#1');
        const m = new Replica(counters, 'a#1');
        for (const e of elements) {
          s.mutate((st, id) => orSet.add(st, id, e));
          g.mutate((st) => gSet.add(st, e));
          m.mutate((st, id) => counters.update(st, id, e, (c) => pnCounter.add(c, id, 2)));
        }
        expect([...orSet.value(stateCodec(orSet).decode(stateCodec(orSet).encode(s.state)))].sort()).toEqual([...elements].sort());
        expect([...gSet.value(stateCodec(gSet).decode(stateCodec(gSet).encode(g.state)))].sort()).toEqual([...elements].sort());
        const decoded = counters.value(stateCodec(counters).decode(stateCodec(counters).encode(m.state)));
        expect([...decoded.keys()].sort()).toEqual([...elements].sort());
      }),
    );
  });
});

describe('replica ids are well-formed strings', () => {
  const hlc = new HybridLogicalClock();
  const mutators: Record<string, (id: string) => unknown> = {
    'new Replica': (id) => new Replica(pnCounter, id),
    'gCounter.increment': (id) => gCounter.increment(gCounter.bottom(), id, 1),
    'pnCounter.add': (id) => pnCounter.add(pnCounter.bottom(), id, -1),
    'lwwRegister.set': (id) => lwwRegister.set(lwwRegister.bottom(), id, 1, hlc),
    'mvRegister.set': (id) => mvRegister.set(mvRegister.bottom(), id, 1),
    'orSet.add': (id) => orSet.add(orSet.bottom(), id, 'x'),
    'orMap.update': (id) => counters.update(counters.bottom(), id, 'k', (c) => c),
  };
  for (const [name, f] of Object.entries(mutators)) {
    it(`${name} refuses a replica id with a lone surrogate, an empty one or a non-string with INVALID_ARGUMENT`, () => {
      fc.assert(
        fc.property(fc.oneof(withLoneSurrogate, fc.constant(''), notAString), (bad) => {
          expect(() => f(bad as string)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
        }),
        { numRuns: 30 },
      );
    });
  }
});

describe('CrdtWriter.string', () => {
  it('refuses what UTF-8 cannot carry back unchanged with ENCODE_FAILED', () => {
    fc.assert(
      fc.property(fc.oneof(withLoneSurrogate, notAString), (bad) => {
        expect(() => new CrdtWriter().string(bad as string)).toThrow(expect.objectContaining({ code: 'ENCODE_FAILED' }));
      }),
      { numRuns: 50 },
    );
  });
});
