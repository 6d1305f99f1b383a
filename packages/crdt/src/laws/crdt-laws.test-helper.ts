// Shared property tests: every CRDT type in the package runs the same lattice,
// delta, op-based and encoding laws over states reached by random executions.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hasCode } from '@shn/core';
import { codecSuite } from '@shn/core/testing';
import type { CrdtType } from '../types/crdt-type.js';
import { stateCodec } from '../codec/crdt-codec.js';
import { opCodec } from '../replication/op.js';
import type { Op } from '../replication/op.js';
import { OpReplicator } from '../replication/op-replicator.js';
import { Replica } from '../replica/replica.js';

/** A local mutation: returns the delta for `state` at `replica`. */
export type Mutator<S> = (state: S, replica: string) => S;

const REPLICAS = ['r0', 'r1', 'r2'] as const;

type Step<S> = { readonly kind: 'mutate'; readonly at: number; readonly m: Mutator<S> } | { readonly kind: 'merge'; readonly at: number; readonly from: number };

/** A random execution: mutations at three replicas interleaved with full-state merges. */
export function executionArbitrary<S>(mutator: fc.Arbitrary<Mutator<S>>, maxSteps = 14): fc.Arbitrary<Step<S>[]> {
  const step: fc.Arbitrary<Step<S>> = fc.oneof(
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('mutate' as const), at: fc.nat(2), m: mutator }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('merge' as const), at: fc.nat(2), from: fc.nat(2) }) },
  );
  return fc.array(step, { maxLength: maxSteps });
}

/** Runs an execution; returns the replicas and every delta produced (in order). */
export function run<S, V>(type: CrdtType<S, V>, steps: readonly Step<S>[]): { replicas: Replica<S, V>[]; deltas: S[] } {
  const replicas = REPLICAS.map((id) => new Replica(type, id));
  const deltas: S[] = [];
  for (const s of steps) {
    if (s.kind === 'mutate') deltas.push(replicas[s.at]!.mutate(s.m));
    else replicas[s.at]!.merge(replicas[s.from]!.state);
  }
  return { replicas, deltas };
}

/** States reachable by random executions (for codec and lattice properties). */
export function stateArbitrary<S, V>(type: CrdtType<S, V>, mutator: fc.Arbitrary<Mutator<S>>): fc.Arbitrary<S> {
  return fc.tuple(executionArbitrary(mutator), fc.nat(2)).map(([steps, i]) => run(type, steps).replicas[i]!.state);
}

function joinAll<S, V>(type: CrdtType<S, V>, xs: readonly S[]): S {
  return xs.reduce((acc, x) => type.join(acc, x), type.bottom());
}

/** Registers the full law suite for one CRDT type. */
export function crdtLawSuite<S, V>(name: string, type: CrdtType<S, V>, mutator: fc.Arbitrary<Mutator<S>>): void {
  const eq = (a: S, b: S): boolean => type.equals(a, b);
  const states = stateArbitrary(type, mutator);

  describe(`${name}: lattice laws`, () => {
    it('merge is commutative, associative and idempotent', () => {
      fc.assert(
        fc.property(states, states, states, (a, b, c) => {
          expect(eq(type.join(a, b), type.join(b, a))).toBe(true);
          expect(eq(type.join(type.join(a, b), c), type.join(a, type.join(b, c)))).toBe(true);
          expect(eq(type.join(a, a), a)).toBe(true);
          // join is an upper bound: merging it again changes nothing
          const ab = type.join(a, b);
          expect(eq(type.join(ab, a), ab)).toBe(true);
        }),
        { numRuns: 150 },
      );
    });

    it('merge does not mutate its arguments', () => {
      fc.assert(
        fc.property(states, states, (a, b) => {
          const codec = stateCodec(type);
          const before = [codec.encode(a), codec.encode(b)];
          type.join(a, b);
          expect(codec.encode(a)).toEqual(before[0]);
          expect(codec.encode(b)).toEqual(before[1]);
        }),
        { numRuns: 60 },
      );
    });
  });

  describe(`${name}: delta-state`, () => {
    it('joining all deltas (in any order, batched, duplicated) equals merging all full states', () => {
      fc.assert(
        fc.property(executionArbitrary(mutator), fc.nat(), (steps, seed) => {
          const { replicas, deltas } = run(type, steps);
          const full = joinAll(
            type,
            replicas.map((r) => r.state),
          );
          // shuffle deterministically, duplicate some, batch in pairs with join(d1, d2)
          const order = deltas.map((d, i) => ({ d, k: (i * 7919 + seed) % 1009 })).sort((x, y) => x.k - y.k).map((x) => x.d);
          const withDups = [...order, ...order.filter((_, i) => (i + seed) % 3 === 0)];
          const batched: S[] = [];
          for (let i = 0; i < withDups.length; i += 2) batched.push(i + 1 < withDups.length ? type.join(withDups[i]!, withDups[i + 1]!) : withDups[i]!);
          expect(eq(joinAll(type, batched), full)).toBe(true);
          expect(eq(joinAll(type, deltas), full)).toBe(true);
        }),
        { numRuns: 150 },
      );
    });

    it('a replica state equals the join of its own takeDelta() groups and the states it merged', () => {
      fc.assert(
        fc.property(fc.array(mutator, { maxLength: 10 }), fc.array(fc.boolean(), { maxLength: 10 }), (ms, cuts) => {
          const r = new Replica(type, 'solo');
          const shipped: S[] = [];
          ms.forEach((m, i) => {
            r.mutate(m);
            if (cuts[i] === true) {
              const d = r.takeDelta();
              if (d !== undefined) shipped.push(d);
            }
          });
          const last = r.takeDelta();
          if (last !== undefined) shipped.push(last);
          expect(r.takeDelta()).toBeUndefined();
          expect(eq(joinAll(type, shipped), r.state)).toBe(true);
        }),
        { numRuns: 100 },
      );
    });
  });

  describe(`${name}: op-based with causal delivery`, () => {
    const opSteps = fc.array(
      fc.oneof(
        { weight: 3, arbitrary: fc.record({ kind: fc.constant('mutate' as const), at: fc.nat(2), m: mutator }) },
        { weight: 2, arbitrary: fc.record({ kind: fc.constant('deliver' as const), at: fc.nat(2), op: fc.nat() }) },
      ),
      { maxLength: 16 },
    );
    it('replicas receiving the same ops in any order, with duplicates and delays, converge', () => {
      fc.assert(
        fc.property(opSteps, fc.array(fc.nat(), { minLength: 3, maxLength: 3 }), (steps, seeds) => {
          const reps = REPLICAS.map((id) => new OpReplicator(type, id, { maxHeld: 1000 }));
          const ops: Op<S>[] = [];
          for (const s of steps) {
            if (s.kind === 'mutate') ops.push(reps[s.at]!.mutate(s.m));
            else if (ops.length > 0) reps[s.at]!.receive(ops[s.op % ops.length]!); // early or duplicate deliveries
          }
          const observer = new OpReplicator(type, 'obs', { maxHeld: 1000 });
          const all = [...reps, observer];
          all.forEach((rep, i) => {
            const seed = seeds[i % 3]!;
            // reversed-ish, shuffled order with duplicates: worst case for causal delivery
            const order = ops.map((op, j) => ({ op, k: (j * 104729 + seed) % 997 })).sort((x, y) => x.k - y.k).map((x) => x.op);
            for (const op of [...order, ...order.slice(0, seed % (order.length + 1))]) rep.receive(op);
          });
          const expected = joinAll(
            type,
            ops.map((o) => o.delta),
          );
          for (const rep of all) {
            expect(rep.heldCount).toBe(0);
            expect(eq(rep.state, expected)).toBe(true);
          }
        }),
        { numRuns: 100 },
      );
    });
  });

  describe(`${name}: encoding`, () => {
    const codec = stateCodec(type);
    codecSuite(`${name} state/delta codec`, { codec, arbitrary: states, equals: eq });
    const ops = fc.tuple(fc.array(mutator, { minLength: 1, maxLength: 4 }), fc.nat(3)).map(([ms, pick]) => {
      const rep = new OpReplicator(type, 'r0');
      const out = ms.map((m) => rep.mutate(m));
      return out[pick % out.length]!;
    });
    codecSuite(`${name} op codec`, {
      codec: opCodec(type),
      arbitrary: ops,
      equals: (a, b) => a.origin === b.origin && a.seq === b.seq && a.deps.size === b.deps.size && type.equals(a.delta, b.delta),
    });

    it('decoding garbage fails with DECODE_FAILED and leaves the replica unchanged', () => {
      fc.assert(
        fc.property(states, states, fc.nat(), fc.integer({ min: 1, max: 255 }), (mine, theirs, at, delta) => {
          const replica = new Replica(type, 'victim', mine);
          const bytes = codec.encode(theirs).slice();
          const cut = bytes.subarray(0, at % bytes.length); // strictly truncated
          const flipped = bytes.slice();
          flipped[at % bytes.length] = (flipped[at % bytes.length]! + delta) & 0xff;
          for (const bad of [cut, flipped]) {
            try {
              replica.merge(codec.decode(bad));
              // a corruption can still decode to a valid state; then it merged as a whole
            } catch (e) {
              expect(hasCode(e, 'DECODE_FAILED')).toBe(true);
              expect(eq(replica.state, mine)).toBe(true);
            }
          }
          expect(() => codec.decode(cut)).toThrow(expect.objectContaining({ code: 'DECODE_FAILED' }));
        }),
        { numRuns: 100 },
      );
    });

    it('bytes of another type are refused', () => {
      const other = stateCodec({ ...type, tag: (type.tag + 1) & 0xff });
      fc.assert(
        fc.property(states, (s) => {
          expect(() => other.decode(codec.encode(s))).toThrow(expect.objectContaining({ code: 'DECODE_FAILED' }));
        }),
        { numRuns: 20 },
      );
    });
  });
}
