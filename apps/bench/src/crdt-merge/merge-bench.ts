import { performance } from 'node:perf_hooks';
import { orSet, pnCounter, Replica, stateCodec } from '@shn/crdt';
import type { OrSetState, PnCounterState } from '@shn/crdt';
import type { ResultBuilder } from '../harness/result-builder.js';
import { naiveOrSetJsonBytes, naiveOrSetMerge, naiveOrSetValue, naivePnMerge, naivePnValue } from './naive-baselines.js';
import type { NaiveOrSet, NaivePnCounter } from './naive-baselines.js';

/** Options of {@link runCrdtMergeFigures}. */
export interface CrdtMergeOptions {
  /** Smoke mode: 100 replicas, 2 repeats (checks shape, not speed). */
  readonly quick: boolean;
}

/** Builds N OR-Set replicas (each adds 5 elements of a shared universe and removes one it saw) and the same history for the naive baseline. */
function orSetReplicas(n: number): { ours: OrSetState[]; naive: NaiveOrSet[] } {
  const ours: OrSetState[] = [];
  const naive: NaiveOrSet[] = [];
  for (let i = 0; i < n; i++) {
    const r = new Replica(orSet, `replica-${i}`);
    const adds = new Map<string, Set<string>>();
    const removed = new Set<string>();
    for (let k = 0; k < 5; k++) {
      const e = `element-${(i * 37 + k * 101) % (2 * n)}`;
      r.mutate((s, id) => orSet.add(s, id, e));
      adds.set(e, new Set([...(adds.get(e) ?? []), `replica-${i}:${k}`]));
    }
    const gone = `element-${(i * 37) % (2 * n)}`;
    r.mutate((s) => orSet.remove(s, gone));
    for (const t of adds.get(gone) ?? []) removed.add(t);
    ours.push(r.state);
    naive.push({ adds, removed });
  }
  return { ours, naive };
}

function pnReplicas(n: number): { ours: PnCounterState[]; naive: NaivePnCounter[] } {
  const ours: PnCounterState[] = [];
  const naive: NaivePnCounter[] = [];
  for (let i = 0; i < n; i++) {
    const r = new Replica(pnCounter, `replica-${i}`);
    r.mutate((s, id) => pnCounter.add(s, id, 10 + i));
    r.mutate((s, id) => pnCounter.add(s, id, -3));
    ours.push(r.state);
    naive.push({ p: { [`replica-${i}`]: 10 + i }, n: { [`replica-${i}`]: 3 } });
  }
  return { ours, naive };
}

/** Merges every replica state into one accumulator; returns merges per second and the result. */
function timeMerges<S>(states: readonly S[], bottom: S, join: (a: S, b: S) => S): { rate: number; result: S } {
  const t0 = performance.now();
  let acc = bottom;
  for (const s of states) acc = join(acc, s);
  const ms = performance.now() - t0;
  return { rate: states.length / (ms / 1000), result: acc };
}

/**
 * Adds OR-Set and PN-Counter merge-throughput figures with 1,000 replicas (100 in quick
 * mode) to `result`, each next to a straightforward baseline measured in the same run:
 * merges/s folding every replica's full state into one, plus the merged state's encoded
 * size (in the figure note). Throws if a contender disagrees with the other on the value.
 */
export async function runCrdtMergeFigures(result: ResultBuilder, options: CrdtMergeOptions): Promise<void> {
  const n = options.quick ? 100 : 1000;
  const repeats = options.quick ? 2 : 7;
  const sets = orSetReplicas(n);
  const counters = pnReplicas(n);
  const samples = { set: [] as number[], naiveSet: [] as number[], pn: [] as number[], naivePn: [] as number[] };
  let setBytes = 0;
  let naiveSetBytes = 0;
  let pnBytes = 0;
  let naivePnBytes = 0;
  for (let i = 0; i < repeats; i++) {
    const a = timeMerges(sets.ours, orSet.bottom(), orSet.join);
    const b = timeMerges<NaiveOrSet>(sets.naive, { adds: new Map(), removed: new Set<string>() }, naiveOrSetMerge);
    const c = timeMerges(counters.ours, pnCounter.bottom(), pnCounter.join);
    const d = timeMerges(counters.naive, { p: {}, n: {} }, naivePnMerge);
    samples.set.push(a.rate);
    samples.naiveSet.push(b.rate);
    samples.pn.push(c.rate);
    samples.naivePn.push(d.rate);
    const ourSet = [...orSet.value(a.result)].sort().join();
    if (ourSet !== [...naiveOrSetValue(b.result)].sort().join()) throw new Error('OR-Set contenders disagree');
    if (pnCounter.value(c.result) !== naivePnValue(d.result)) throw new Error('PN-Counter contenders disagree');
    setBytes = stateCodec(orSet).encode(a.result).length;
    naiveSetBytes = naiveOrSetJsonBytes(b.result);
    pnBytes = stateCodec(pnCounter).encode(c.result).length;
    naivePnBytes = Buffer.byteLength(JSON.stringify(d.result));
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  const per = `${n} replicas, full-state merges folded into one accumulator`;
  result.addFigure('crdt.orset.merge', '@shn/crdt OR-Set (ORSWOT)', `merges/s (${n} replicas)`, 'ops/s', samples.set, `${per}; merged state ${setBytes} B encoded`);
  result.addFigure('naive.orset.merge', 'naive tombstone OR-Set (Map of Sets)', `merges/s (${n} replicas)`, 'ops/s', samples.naiveSet, `${per}; merged state ${naiveSetBytes} B as JSON`);
  result.addFigure('crdt.pncounter.merge', '@shn/crdt PN-Counter', `merges/s (${n} replicas)`, 'ops/s', samples.pn, `${per}; merged state ${pnBytes} B encoded`);
  result.addFigure('naive.pncounter.merge', 'naive PN-Counter (plain objects)', `merges/s (${n} replicas)`, 'ops/s', samples.naivePn, `${per}; merged state ${naivePnBytes} B as JSON`);
  result.addRatio('orset.merge.vs.naive', 'OR-Set merges/s, @shn/crdt / naive', 'crdt.orset.merge', 'naive.orset.merge');
  result.addRatio('pncounter.merge.vs.naive', 'PN-Counter merges/s, @shn/crdt / naive', 'crdt.pncounter.merge', 'naive.pncounter.merge');
  result.note(
    `Merge state sizes (${n} replicas): OR-Set ${setBytes} B (@shn/crdt binary) vs ${naiveSetBytes} B (naive JSON with tombstones); PN-Counter ${pnBytes} B vs ${naivePnBytes} B.`,
  );
}
