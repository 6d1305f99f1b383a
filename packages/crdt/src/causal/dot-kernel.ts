import type { CrdtReader } from '../encoding/crdt-reader.js';
import { decodeFailed } from '../encoding/crdt-reader.js';
import type { CrdtWriter } from '../encoding/crdt-writer.js';
import type { CausalContext } from './causal-context.js';
import { ccContains, ccEmpty, ccEquals, ccFromDots, ccJoin, ccNextDot, readCc, writeCc } from './causal-context.js';
import type { Dot } from './dot.js';
import { compareDots, hasDot } from './dot.js';
import { checkReplicaId } from '../replica/replica-id.js';

/**
 * A dot kernel (Almeida et al.'s "dot store + causal context"): string keys, each live
 * under one or more dots, plus the context of every dot ever seen. A dot seen in the
 * context but absent from the entries has been removed; that is how removes are
 * represented without tombstones. OR-Set, MV-Register and OR-Map keys are built on it.
 */
export interface DotKernel {
  /** Live keys and the dots that keep them alive (each list sorted, non-empty). */
  readonly entries: ReadonlyMap<string, readonly Dot[]>;
  /** Every dot this state has seen. */
  readonly ctx: CausalContext;
}

/** The empty kernel. */
export function kernelBottom(): DotKernel {
  return { entries: new Map(), ctx: ccEmpty() };
}

/**
 * The join: a dot survives if both sides have it, or if one side has it and the other has
 * never seen it. Concurrent add and remove of the same key therefore keep the add (add-wins).
 */
export function kernelJoin(a: DotKernel, b: DotKernel): DotKernel {
  const entries = new Map<string, readonly Dot[]>();
  for (const [key, da] of a.entries) {
    const db = b.entries.get(key);
    const keep: Dot[] = [];
    for (const d of da) if ((db !== undefined && hasDot(db, d)) || !ccContains(b.ctx, d)) keep.push(d);
    if (db !== undefined) for (const d of db) if (!hasDot(da, d) && !ccContains(a.ctx, d)) keep.push(d);
    if (keep.length > 0) {
      if (db !== undefined && keep.length > 1) keep.sort(compareDots);
      entries.set(key, keep.length === da.length && keep.every((d, i) => d === da[i]) ? da : keep);
    }
  }
  for (const [key, db] of b.entries) {
    if (a.entries.has(key)) continue;
    const keep = db.filter((d) => !ccContains(a.ctx, d));
    if (keep.length > 0) entries.set(key, keep.length === db.length ? db : keep);
  }
  return { entries, ctx: ccJoin(a.ctx, b.ctx) };
}

/** Structural equality. */
export function kernelEquals(a: DotKernel, b: DotKernel): boolean {
  if (a.entries.size !== b.entries.size || !ccEquals(a.ctx, b.ctx)) return false;
  for (const [key, da] of a.entries) {
    const db = b.entries.get(key);
    if (db === undefined || db.length !== da.length) return false;
    for (let i = 0; i < da.length; i++) if (compareDots(da[i]!, db[i]!) !== 0) return false;
  }
  return true;
}

/** The delta that makes `key` live under a fresh dot of `replica`, superseding its old dots. */
export function kernelAdd(k: DotKernel, replica: string, key: string): DotKernel {
  checkReplicaId(replica);
  const dot = ccNextDot(k.ctx, replica);
  const old = k.entries.get(key) ?? [];
  return { entries: new Map([[key, [dot]]]), ctx: ccFromDots([...old, dot]) };
}

/** The delta that removes `key` (only the adds this replica has seen: add-wins). */
export function kernelRemove(k: DotKernel, key: string): DotKernel {
  return { entries: new Map(), ctx: ccFromDots(k.entries.get(key) ?? []) };
}

/** The delta that removes every live key this replica has seen. */
export function kernelClear(k: DotKernel): DotKernel {
  const dots: Dot[] = [];
  for (const ds of k.entries.values()) dots.push(...ds);
  return { entries: new Map(), ctx: ccFromDots(dots) };
}

/** Writes a kernel: context, then keys (sorted) with their dots. */
export function writeKernel(w: CrdtWriter, k: DotKernel): void {
  writeCc(w, k.ctx);
  const keys = [...k.entries.keys()].sort();
  w.varint(keys.length);
  for (const key of keys) {
    const dots = k.entries.get(key)!;
    w.string(key);
    w.varint(dots.length);
    for (const d of dots) {
      w.replica(d.r);
      w.varint(d.n);
    }
  }
}

/**
 * Reads a kernel and validates it: keys unique, dot lists non-empty, sorted and unique,
 * and every live dot inside the context. @throws ShnError `DECODE_FAILED`.
 */
export function readKernel(rd: CrdtReader): DotKernel {
  const ctx = readCc(rd);
  const nk = rd.count(2);
  const entries = new Map<string, readonly Dot[]>();
  for (let i = 0; i < nk; i++) {
    const key = rd.string();
    if (entries.has(key)) decodeFailed('duplicate key in dot kernel');
    const nd = rd.count(2);
    if (nd === 0) decodeFailed('key without dots');
    const dots: Dot[] = [];
    for (let j = 0; j < nd; j++) {
      const d = { r: rd.replica(), n: rd.positive() };
      if (j > 0 && compareDots(dots[j - 1]!, d) >= 0) decodeFailed('dots not strictly sorted');
      if (!ccContains(ctx, d)) decodeFailed('live dot outside the causal context');
      dots.push(d);
    }
    entries.set(key, dots);
  }
  return { entries, ctx };
}
