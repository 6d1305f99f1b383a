import type { CrdtReader } from '../encoding/crdt-reader.js';
import { decodeFailed } from '../encoding/crdt-reader.js';
import type { CrdtWriter } from '../encoding/crdt-writer.js';
import type { Dot } from './dot.js';
import { readVv, writeVv } from './version-vector.js';

/**
 * The set of dots a state has seen, stored compactly: a version vector for each replica's
 * contiguous prefix plus a "cloud" of dots seen out of order. {@link ccCompact} folds cloud
 * dots into the vector as soon as they become contiguous, which is this package's
 * garbage collection of causal metadata: a replica that has seen everything carries one
 * number per replica id, not one entry per add or remove (no tombstones).
 * Treated as immutable.
 */
export interface CausalContext {
  readonly vv: ReadonlyMap<string, number>;
  readonly cloud: ReadonlyMap<string, ReadonlySet<number>>;
}

const EMPTY: CausalContext = Object.freeze({ vv: new Map(), cloud: new Map() });

/** The empty causal context. */
export function ccEmpty(): CausalContext {
  return EMPTY;
}

/** True if the context has seen dot `d`. */
export function ccContains(cc: CausalContext, d: Dot): boolean {
  if (d.n <= (cc.vv.get(d.r) ?? 0)) return true;
  return cc.cloud.get(d.r)?.has(d.n) ?? false;
}

/** The next unused dot for `replica` in this context. */
export function ccNextDot(cc: CausalContext, replica: string): Dot {
  let max = cc.vv.get(replica) ?? 0;
  const cloud = cc.cloud.get(replica);
  if (cloud !== undefined) for (const n of cloud) if (n > max) max = n;
  return { r: replica, n: max + 1 };
}

/** Folds contiguous cloud dots into the version vector (mutates the given maps). */
function compactInto(vv: Map<string, number>, cloud: Map<string, Set<number>>): CausalContext {
  for (const [r, set] of cloud) {
    let top = vv.get(r) ?? 0;
    for (const n of set) if (n <= top) set.delete(n);
    while (set.has(top + 1)) {
      top++;
      set.delete(top);
    }
    if (top > 0) vv.set(r, top);
    if (set.size === 0) cloud.delete(r);
  }
  return { vv, cloud };
}

/** Returns a compacted copy of the context (cloud dots made contiguous move into the vector). */
export function ccCompact(cc: CausalContext): CausalContext {
  const cloud = new Map<string, Set<number>>();
  for (const [r, s] of cc.cloud) cloud.set(r, new Set(s));
  return compactInto(new Map(cc.vv), cloud);
}

/** The union of two contexts, compacted. */
export function ccJoin(a: CausalContext, b: CausalContext): CausalContext {
  if (b.vv.size === 0 && b.cloud.size === 0) return a;
  if (a.vv.size === 0 && a.cloud.size === 0) return b;
  const vv = new Map(a.vv);
  for (const [r, n] of b.vv) if (n > (vv.get(r) ?? 0)) vv.set(r, n);
  const cloud = new Map<string, Set<number>>();
  for (const src of [a.cloud, b.cloud]) {
    for (const [r, s] of src) {
      let set = cloud.get(r);
      if (set === undefined) cloud.set(r, (set = new Set()));
      for (const n of s) set.add(n);
    }
  }
  return compactInto(vv, cloud);
}

/** A context holding exactly `dots`, compacted. */
export function ccFromDots(dots: readonly Dot[]): CausalContext {
  const cloud = new Map<string, Set<number>>();
  for (const d of dots) {
    let set = cloud.get(d.r);
    if (set === undefined) cloud.set(d.r, (set = new Set()));
    set.add(d.n);
  }
  return compactInto(new Map(), cloud);
}

/** Structural equality of two (compacted) contexts. */
export function ccEquals(a: CausalContext, b: CausalContext): boolean {
  if (a.vv.size !== b.vv.size || a.cloud.size !== b.cloud.size) return false;
  for (const [r, n] of a.vv) if (b.vv.get(r) !== n) return false;
  for (const [r, s] of a.cloud) {
    const t = b.cloud.get(r);
    if (t === undefined || t.size !== s.size) return false;
    for (const n of s) if (!t.has(n)) return false;
  }
  return true;
}

/** Writes a context: its vector, then its cloud as (replica, sorted seqs). */
export function writeCc(w: CrdtWriter, cc: CausalContext): void {
  writeVv(w, cc.vv);
  const rs = [...cc.cloud.keys()].sort();
  w.varint(rs.length);
  for (const r of rs) {
    const ns = [...cc.cloud.get(r)!].sort((x, y) => x - y);
    w.replica(r);
    w.varint(ns.length);
    let prev = 0;
    for (const n of ns) {
      w.varint(n - prev); // delta-coded, strictly increasing
      prev = n;
    }
  }
}

/** Reads a context written by {@link writeCc} and compacts it. @throws ShnError `DECODE_FAILED`. */
export function readCc(rd: CrdtReader): CausalContext {
  const vv = readVv(rd, decodeFailed);
  const nr = rd.count(2);
  const cloud = new Map<string, Set<number>>();
  for (let i = 0; i < nr; i++) {
    const r = rd.replica();
    if (cloud.has(r)) decodeFailed(`duplicate cloud entry for ${r}`);
    const k = rd.count(1);
    const set = new Set<number>();
    let prev = 0;
    for (let j = 0; j < k; j++) {
      const n = prev + rd.positive();
      if (!Number.isSafeInteger(n)) decodeFailed('dot out of range');
      set.add(n);
      prev = n;
    }
    cloud.set(r, set);
  }
  return compactInto(vv, cloud);
}
