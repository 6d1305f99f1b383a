import type { CrdtReader } from '../encoding/crdt-reader.js';
import type { CrdtWriter } from '../encoding/crdt-writer.js';

/**
 * The description of one CRDT type: a join-semilattice of states `S` with a read-out value `V`.
 *
 * Deltas are states too (delta-state CRDTs, Almeida et al.): a mutator returns a small
 * state that, joined into the full state, applies the change. So `join` serves three
 * replication modes at once: merging full states, joining deltas into a state, and
 * batching deltas (`join(d1, d2)` is a delta covering both).
 *
 * States are immutable values: `join` never mutates its arguments.
 */
export interface CrdtType<S, V> {
  /** A stable name, e.g. `pn-counter` or `or-map<g-counter>`. */
  readonly name: string;
  /** A one-byte tag written into encodings, so bytes of one type are not decoded as another. */
  readonly tag: number;
  /** The bottom state (nothing happened yet). */
  bottom(): S;
  /** The least upper bound: commutative, associative and idempotent. */
  join(a: S, b: S): S;
  /** Structural equality of two states. */
  equals(a: S, b: S): boolean;
  /** The user-visible value of a state. */
  value(state: S): V;
  /** Writes a state's payload (no header). */
  write(w: CrdtWriter, state: S): void;
  /** Reads and validates a payload; throws ShnError `DECODE_FAILED` on bad bytes. */
  read(r: CrdtReader): S;
}

/** The state type of a {@link CrdtType}. */
export type StateOf<T> = T extends CrdtType<infer S, unknown> ? S : never;
/** The value type of a {@link CrdtType}. */
export type ValueOf<T> = T extends CrdtType<unknown, infer V> ? V : never;
