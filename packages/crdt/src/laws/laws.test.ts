import fc from 'fast-check';
import type { Clock } from '@shn/core';
import { crdtLawSuite } from './crdt-laws.test-helper.js';
import type { Mutator } from './crdt-laws.test-helper.js';
import { gCounter } from '../types/g-counter.js';
import type { GCounterState } from '../types/g-counter.js';
import { pnCounter } from '../types/pn-counter.js';
import type { PnCounterState } from '../types/pn-counter.js';
import { lwwRegister } from '../types/lww-register.js';
import type { LwwRegisterState } from '../types/lww-register.js';
import { HybridLogicalClock } from '../types/hybrid-logical-clock.js';
import { mvRegister } from '../types/mv-register.js';
import type { MvRegisterState } from '../types/mv-register.js';
import { gSet } from '../types/g-set.js';
import type { GSetState } from '../types/g-set.js';
import { twoPhaseSet } from '../types/two-phase-set.js';
import type { TwoPhaseSetState } from '../types/two-phase-set.js';
import { orSet } from '../types/or-set.js';
import type { OrSetState } from '../types/or-set.js';
import { orMap } from '../types/or-map.js';
import type { OrMapState } from '../types/or-map.js';

const element = fc.constantFrom('a', 'b', 'c', '', 'é✓');
const json = fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.boolean(), fc.constant(null));
const fixedClock = (ms: number): Clock => ({ now: () => ms, monotonic: () => ms });

crdtLawSuite<GCounterState, number>('g-counter', gCounter, fc.nat(1000).map((n): Mutator<GCounterState> => (s, r) => gCounter.increment(s, r, n)));

crdtLawSuite<PnCounterState, number>('pn-counter', pnCounter, fc.integer({ min: -1000, max: 1000 }).map((n): Mutator<PnCounterState> => (s, r) => pnCounter.add(s, r, n)));

// Wall clocks skewed arbitrarily per write: the HLC keeps each write later than what its writer saw.
crdtLawSuite<LwwRegisterState, unknown>(
  'lww-register',
  lwwRegister,
  fc.tuple(json, fc.nat(5)).map(([v, ms]): Mutator<LwwRegisterState> => (s, r) => lwwRegister.set(s, r, v, new HybridLogicalClock(fixedClock(ms)))),
);

crdtLawSuite<MvRegisterState, unknown>('mv-register', mvRegister, json.map((v): Mutator<MvRegisterState> => (s, r) => mvRegister.set(s, r, v)));

crdtLawSuite<GSetState, Set<string>>('g-set', gSet, element.map((e): Mutator<GSetState> => (s) => gSet.add(s, e)));

crdtLawSuite<TwoPhaseSetState, Set<string>>(
  '2p-set',
  twoPhaseSet,
  fc.tuple(fc.boolean(), element).map(([rm, e]): Mutator<TwoPhaseSetState> => (s) => (rm && s.added.has(e) ? twoPhaseSet.remove(s, e) : twoPhaseSet.add(s, e))),
);

const orSetMutator = fc.oneof(
  { weight: 4, arbitrary: element.map((e): Mutator<OrSetState> => (s, r) => orSet.add(s, r, e)) },
  { weight: 3, arbitrary: element.map((e): Mutator<OrSetState> => (s) => orSet.remove(s, e)) },
  { weight: 1, arbitrary: fc.constant<Mutator<OrSetState>>((s) => orSet.clear(s)) },
);
crdtLawSuite<OrSetState, Set<string>>('or-set', orSet, orSetMutator);

const counters = orMap(pnCounter);
crdtLawSuite<OrMapState<PnCounterState>, Map<string, number>>(
  'or-map<pn-counter>',
  counters,
  fc.oneof(
    fc.tuple(element, fc.integer({ min: -50, max: 50 })).map(([k, n]): Mutator<OrMapState<PnCounterState>> => (s, r) => counters.update(s, r, k, (c) => pnCounter.add(c, r, n))),
    element.map((k): Mutator<OrMapState<PnCounterState>> => (s) => counters.remove(s, k)),
  ),
);

const inner = orMap(orSet);
const nested = orMap(inner);
type Nested = OrMapState<OrMapState<OrSetState>>;
crdtLawSuite<Nested, unknown>(
  'or-map<or-map<or-set>>',
  nested,
  fc.oneof(
    fc.tuple(element, element, element).map(([k1, k2, e]): Mutator<Nested> => (s, r) => nested.update(s, r, k1, (m) => inner.update(m, r, k2, (set) => orSet.add(set, r, e)))),
    fc.tuple(element, element, element).map(([k1, k2, e]): Mutator<Nested> => (s, r) => nested.update(s, r, k1, (m) => inner.update(m, r, k2, (set) => orSet.remove(set, e)))),
    element.map((k): Mutator<Nested> => (s) => nested.remove(s, k)),
  ),
);
