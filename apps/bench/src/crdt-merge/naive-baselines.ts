/**
 * Straightforward baselines, the way one would write them without a CRDT library:
 * a tombstone OR-Set (Shapiro et al.'s original: every add tag and every removed tag kept
 * forever, merge = union) and a PN-Counter as plain objects (merge = pointwise max).
 */

/** A tombstone OR-Set as plain JS collections. */
export interface NaiveOrSet {
  readonly adds: Map<string, Set<string>>;
  readonly removed: Set<string>;
}

/** Merges `b` into a fresh copy of `a` (union of add tags and of tombstones). */
export function naiveOrSetMerge(a: NaiveOrSet, b: NaiveOrSet): NaiveOrSet {
  const adds = new Map<string, Set<string>>();
  for (const [e, tags] of a.adds) adds.set(e, new Set(tags));
  for (const [e, tags] of b.adds) {
    let t = adds.get(e);
    if (t === undefined) adds.set(e, (t = new Set()));
    for (const x of tags) t.add(x);
  }
  const removed = new Set(a.removed);
  for (const x of b.removed) removed.add(x);
  return { adds, removed };
}

/** The elements with at least one add tag not removed. */
export function naiveOrSetValue(s: NaiveOrSet): Set<string> {
  const out = new Set<string>();
  for (const [e, tags] of s.adds) for (const t of tags) if (!s.removed.has(t)) out.add(e);
  return out;
}

/** JSON size of a naive OR-Set, bytes (how such a state is usually shipped). */
export function naiveOrSetJsonBytes(s: NaiveOrSet): number {
  return Buffer.byteLength(JSON.stringify({ adds: [...s.adds].map(([e, t]) => [e, [...t]]), removed: [...s.removed] }));
}

/** A PN-Counter as two plain records. */
export interface NaivePnCounter {
  readonly p: Record<string, number>;
  readonly n: Record<string, number>;
}

/** Pointwise max into a fresh copy of `a`. */
export function naivePnMerge(a: NaivePnCounter, b: NaivePnCounter): NaivePnCounter {
  const p = { ...a.p };
  const n = { ...a.n };
  for (const [k, v] of Object.entries(b.p)) if (v > (p[k] ?? 0)) p[k] = v;
  for (const [k, v] of Object.entries(b.n)) if (v > (n[k] ?? 0)) n[k] = v;
  return { p, n };
}

/** Increments minus decrements. */
export function naivePnValue(s: NaivePnCounter): number {
  let t = 0;
  for (const v of Object.values(s.p)) t += v;
  for (const v of Object.values(s.n)) t -= v;
  return t;
}
