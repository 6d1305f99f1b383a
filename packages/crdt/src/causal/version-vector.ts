import { ShnError } from '@shn/core';
import type { CrdtReader } from '../encoding/crdt-reader.js';
import type { CrdtWriter } from '../encoding/crdt-writer.js';

/**
 * A version vector: for each replica id, how many of its events (a contiguous prefix
 * 1..n) have been seen. Missing entries mean 0. Treated as immutable.
 */
export type VersionVector = ReadonlyMap<string, number>;

/** The entry for `replica` (0 when absent). */
export function vvGet(vv: VersionVector, replica: string): number {
  return vv.get(replica) ?? 0;
}

/** Pointwise maximum of two version vectors (the join). */
export function vvJoin(a: VersionVector, b: VersionVector): Map<string, number> {
  const out = new Map(a);
  for (const [r, n] of b) if (n > (out.get(r) ?? 0)) out.set(r, n);
  return out;
}

/**
 * Pointwise minimum over several vectors: the events every one of them has seen (the
 * "stable" vector used for garbage collection). A replica missing from any vector counts as 0.
 * @throws ShnError `INVALID_ARGUMENT` for an empty list.
 */
export function vvMeet(vectors: readonly VersionVector[]): Map<string, number> {
  if (vectors.length === 0) throw new ShnError('INVALID_ARGUMENT', 'vvMeet needs at least one vector');
  const out = new Map<string, number>();
  const [first, ...rest] = vectors;
  for (const [r, n] of first!) {
    let m = n;
    for (const v of rest) m = Math.min(m, v.get(r) ?? 0);
    if (m > 0) out.set(r, m);
  }
  return out;
}

/** True if `a` has seen everything `b` has (a >= b pointwise). */
export function vvDominates(a: VersionVector, b: VersionVector): boolean {
  for (const [r, n] of b) if ((a.get(r) ?? 0) < n) return false;
  return true;
}

/** Structural equality ignoring zero entries. */
export function vvEquals(a: VersionVector, b: VersionVector): boolean {
  return vvDominates(a, b) && vvDominates(b, a);
}

/** Writes a version vector (zero entries are skipped, replicas sorted for a canonical form). */
export function writeVv(w: CrdtWriter, vv: VersionVector): void {
  const entries = [...vv].filter(([, n]) => n > 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  w.varint(entries.length);
  for (const [r, n] of entries) {
    w.replica(r);
    w.varint(n);
  }
}

/** Reads a version vector written by {@link writeVv}; duplicate or zero entries fail with `DECODE_FAILED`. */
export function readVv(rd: CrdtReader, fail: (m: string) => never): Map<string, number> {
  const n = rd.count(2);
  const out = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const r = rd.replica();
    const v = rd.positive();
    if (out.has(r)) fail(`duplicate version-vector entry for ${r}`);
    out.set(r, v);
  }
  return out;
}
