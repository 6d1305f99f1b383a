import { ShnError } from '@shn/core';
import { decodeWithHeader, encodeWithHeader, PayloadKind } from '../codec/crdt-codec.js';
import type { CrdtType } from '../types/crdt-type.js';
import { checkReplicaId } from './replica-id.js';

/**
 * One replica of a CRDT: its id, its state, and the deltas produced since they were last
 * taken for shipping (a "delta group": several mutations joined into one delta).
 *
 * - State-based: send `state` (or `encodeState()`), the peer calls `merge`.
 * - Delta-state: send `takeDelta()`, the peer calls `merge` with it (a delta is a state).
 * - Op-based: see `OpReplicator`, which wraps the same mutators with causal delivery.
 */
export class Replica<S, V> {
  private current: S;
  private pending: S | undefined;

  /**
   * @param type the CRDT type.
   * @param id this replica's id (see `incarnationId` for the restore rule).
   * @param state initial state (bottom by default).
   * @throws ShnError `INVALID_ARGUMENT` for a bad id.
   */
  constructor(
    readonly type: CrdtType<S, V>,
    readonly id: string,
    state?: S,
  ) {
    checkReplicaId(id);
    this.current = state ?? type.bottom();
  }

  /** The full current state. */
  get state(): S {
    return this.current;
  }

  /** The current value. */
  get value(): V {
    return this.type.value(this.current);
  }

  /**
   * Applies a local mutation: `mutator(state, replicaId)` returns a delta (e.g.
   * `(s, r) => pnCounter.add(s, r, 5)`), which is joined into the state and into the
   * pending delta group. Returns the delta. If the mutator throws, nothing changes.
   */
  mutate(mutator: (state: S, replicaId: string) => S): S {
    const delta = mutator(this.current, this.id);
    this.current = this.type.join(this.current, delta);
    this.pending = this.pending === undefined ? delta : this.type.join(this.pending, delta);
    return delta;
  }

  /** Joins a remote full state or delta into this replica (state-based and delta-state merge). */
  merge(other: S): void {
    this.current = this.type.join(this.current, other);
  }

  /** The joined deltas of all local mutations since the last call (undefined if none), and clears them. */
  takeDelta(): S | undefined {
    const d = this.pending;
    this.pending = undefined;
    return d;
  }

  /** A checkpoint: the replica id and the full state, in the binary format. */
  checkpoint(): Uint8Array {
    return encodeWithHeader(PayloadKind.Checkpoint, this.type.tag, (w) => {
      w.string(this.id);
      this.type.write(w, this.current);
    });
  }

  /** Reads the replica id recorded in a checkpoint. @throws ShnError `DECODE_FAILED`. */
  static checkpointId<S, V>(type: CrdtType<S, V>, bytes: Uint8Array): string {
    return decodeWithHeader(bytes, PayloadKind.Checkpoint, type.tag, (r) => {
      const id = r.string();
      type.read(r);
      return id;
    });
  }

  /**
   * Restores a checkpoint under a NEW replica id (the checkpoint may be older than events
   * this replica already issued and others saw; reusing the id would collide with them).
   * @throws ShnError `DECODE_FAILED` for bad bytes, `INVALID_ARGUMENT` if `newId` equals
   * the checkpoint's id or is malformed.
   */
  static restore<S, V>(type: CrdtType<S, V>, bytes: Uint8Array, newId: string): Replica<S, V> {
    checkReplicaId(newId);
    const { id, state } = decodeWithHeader(bytes, PayloadKind.Checkpoint, type.tag, (r) => ({ id: r.string(), state: type.read(r) }));
    if (id === newId) {
      throw new ShnError('INVALID_ARGUMENT', `restoring replica ${JSON.stringify(id)} under its old id would reuse its dots; use a new incarnation id`);
    }
    return new Replica(type, newId, state);
  }
}
