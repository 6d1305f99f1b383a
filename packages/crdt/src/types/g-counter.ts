import { ShnError } from '@shn/core';
import type { CrdtReader } from '../encoding/crdt-reader.js';
import { decodeFailed } from '../encoding/crdt-reader.js';
import type { CrdtWriter } from '../encoding/crdt-writer.js';
import type { CrdtType } from './crdt-type.js';
import { checkReplicaId } from '../replica/replica-id.js';

/** G-Counter state: each replica's own running total (join = pointwise max). */
export type GCounterState = ReadonlyMap<string, number>;

/** Checks an increment amount. @throws ShnError `INVALID_ARGUMENT` unless a non-negative safe integer. */
export function checkAmount(n: number): void {
  if (!Number.isSafeInteger(n) || n < 0) {
    throw new ShnError('INVALID_ARGUMENT', `counter amounts must be non-negative safe integers, got ${n}`);
  }
}

function join(a: GCounterState, b: GCounterState): GCounterState {
  if (b.size === 0) return a;
  if (a.size === 0) return b;
  const out = new Map(a);
  for (const [r, n] of b) if (n > (out.get(r) ?? 0)) out.set(r, n);
  return out;
}

function sum(s: GCounterState): number {
  let total = 0;
  for (const n of s.values()) total += n;
  return total;
}

/** Writes a G-Counter payload (replica-sorted entries). */
export function writeGCounter(w: CrdtWriter, s: GCounterState): void {
  const entries = [...s].filter(([, n]) => n > 0).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  w.varint(entries.length);
  for (const [r, n] of entries) {
    w.replica(r);
    w.varint(n);
  }
}

/** Reads a G-Counter payload; duplicate replicas and totals above 2^53 - 1 fail. */
export function readGCounter(rd: CrdtReader): GCounterState {
  const k = rd.count(2);
  const out = new Map<string, number>();
  let total = 0;
  for (let i = 0; i < k; i++) {
    const r = rd.replica();
    const n = rd.positive();
    if (out.has(r)) decodeFailed(`duplicate counter entry for ${r}`);
    total += n;
    if (!Number.isSafeInteger(total)) decodeFailed('counter total exceeds 2^53 - 1');
    out.set(r, n);
  }
  return out;
}

function equals(a: GCounterState, b: GCounterState): boolean {
  let na = 0;
  for (const [r, n] of a) {
    if (n === 0) continue;
    na++;
    if (b.get(r) !== n) return false;
  }
  let nb = 0;
  for (const n of b.values()) if (n !== 0) nb++;
  return na === nb;
}

/**
 * G-Counter: a grow-only counter. Each replica increments its own slot; the value is the
 * sum. State size: one entry per replica that ever incremented.
 */
export const gCounter = Object.freeze({
  name: 'g-counter',
  tag: 1,
  bottom: (): GCounterState => new Map(),
  join,
  equals,
  value: sum,
  write: writeGCounter,
  read: readGCounter,
  /**
   * The delta that adds `n` (a non-negative safe integer) on behalf of `replica`.
   * @throws ShnError `INVALID_ARGUMENT` for a bad replica id or amount, or an overflowing slot.
   */
  increment(state: GCounterState, replica: string, n = 1): GCounterState {
    checkReplicaId(replica);
    checkAmount(n);
    const next = (state.get(replica) ?? 0) + n;
    if (!Number.isSafeInteger(next)) throw new ShnError('INVALID_ARGUMENT', 'counter would exceed 2^53 - 1');
    return new Map([[replica, next]]);
  },
} satisfies CrdtType<GCounterState, number> & Record<string, unknown>);
