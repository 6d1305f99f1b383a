import { ShnError } from '@shn/core';
import type { ConfState, Entry, HardState, Snapshot } from './types.js';
import { EMPTY_CONF, EMPTY_HARD_STATE } from './types.js';

/**
 * The read side of a node's durable log, as the Raft core sees it. The application owns the
 * write side (it persists what `Ready` hands it); the core only reads through this.
 */
export interface RaftStorage {
  /** The hard state and configuration at start-up. */
  initialState(): { hardState: HardState; conf: ConfState };
  /** Entries `[lo, hi)`, at most `maxBytes` of data (always at least one); `undefined` if `lo` was compacted. */
  entries(lo: number, hi: number, maxBytes: number): Entry[] | undefined;
  /** The term of entry `i`; `undefined` if compacted away or beyond the last index. */
  term(i: number): number | undefined;
  /** The first index still available (snapshot index + 1). */
  firstIndex(): number;
  /** The last index in the log (the snapshot index when the log is empty). */
  lastIndex(): number;
  /** The latest snapshot. */
  snapshot(): Snapshot;
}

/** The approximate size of an entry, for byte limits. */
export function entrySize(e: Entry): number {
  return e.data.length + 24;
}

/**
 * An in-memory {@link RaftStorage} with the write side the application needs: `append`,
 * `setHardState`, `applySnapshot`, `createSnapshot` and `compact`. Tests and simulations use it
 * directly; the on-disk harness keeps one as its cache in front of the write-ahead log.
 */
export class MemoryRaftStorage implements RaftStorage {
  #hard: HardState = EMPTY_HARD_STATE;
  #snap: Snapshot = { meta: { index: 0, term: 0, conf: EMPTY_CONF }, data: new Uint8Array(0) };
  /** `#ents[0]` is a dummy at the snapshot's index and term. */
  #ents: Entry[] = [{ index: 0, term: 0, type: 'normal', data: new Uint8Array(0) }];

  /** @param conf - the initial configuration of a brand-new group (empty for a joining node). */
  constructor(conf: ConfState = EMPTY_CONF) {
    this.#snap = { meta: { index: 0, term: 0, conf }, data: new Uint8Array(0) };
  }

  /**
   * Makes this storage the durable state of an initial member of a brand-new group: a snapshot at
   * index 1, term 1, holding `conf` and the state machine's initial `data`, and term 1. A node that
   * joins later starts from an empty storage and receives this configuration with the leader's
   * snapshot, so every node agrees on the membership history.
   * @throws ShnError `INVALID_ARGUMENT` if the storage is not empty or `conf` has no voter.
   */
  bootstrap(conf: ConfState, data: Uint8Array = new Uint8Array(0)): void {
    if (this.lastIndex() !== 0 || this.#hard.term !== 0) throw new ShnError('INVALID_ARGUMENT', 'raft storage: bootstrap needs an empty storage');
    if (conf.voters.length === 0) throw new ShnError('INVALID_ARGUMENT', 'raft storage: bootstrap needs at least one voter');
    this.applySnapshot({ meta: { index: 1, term: 1, conf }, data });
    this.#hard = { term: 1, vote: '', commit: 1 };
  }

  initialState(): { hardState: HardState; conf: ConfState } {
    return { hardState: this.#hard, conf: this.#snap.meta.conf };
  }

  /** The persisted hard state. */
  get hardState(): HardState {
    return this.#hard;
  }

  /** The latest configuration recorded (snapshot's, updated by {@link setConf}). */
  setConf(conf: ConfState): void {
    this.#snap = { meta: { ...this.#snap.meta, conf }, data: this.#snap.data };
  }

  #offset(): number {
    return (this.#ents[0] as Entry).index;
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] | undefined {
    const off = this.#offset();
    if (lo <= off) return undefined;
    if (hi > this.lastIndex() + 1) {
      throw new ShnError('INTERNAL', `raft storage: entries hi ${hi} is past lastIndex ${this.lastIndex()}`);
    }
    const out: Entry[] = [];
    let bytes = 0;
    for (let i = lo; i < hi; i++) {
      const e = this.#ents[i - off] as Entry;
      bytes += entrySize(e);
      if (out.length > 0 && bytes > maxBytes) break;
      out.push(e);
    }
    return out;
  }

  term(i: number): number | undefined {
    const off = this.#offset();
    if (i < off || i > this.lastIndex()) return undefined;
    return (this.#ents[i - off] as Entry).term;
  }

  firstIndex(): number {
    return this.#offset() + 1;
  }

  lastIndex(): number {
    return this.#offset() + this.#ents.length - 1;
  }

  snapshot(): Snapshot {
    return this.#snap;
  }

  /** Persists the hard state. */
  setHardState(hs: HardState): void {
    this.#hard = hs;
  }

  /**
   * Appends entries, truncating any conflicting suffix first.
   * @throws ShnError `INVALID_ARGUMENT` if the entries leave a gap after the last index.
   */
  append(entries: readonly Entry[]): void {
    if (entries.length === 0) return;
    const first = this.firstIndex();
    const firstNew = (entries[0] as Entry).index;
    let ents = entries;
    if (firstNew + ents.length - 1 < first) return; // all compacted
    if (first > firstNew) ents = ents.slice(first - firstNew);
    const start = (ents[0] as Entry).index;
    const off = this.#offset();
    if (start > this.lastIndex() + 1) {
      throw new ShnError('INVALID_ARGUMENT', `raft storage: append at ${start} leaves a gap after ${this.lastIndex()}`);
    }
    this.#ents = this.#ents.slice(0, start - off).concat(ents);
  }

  /** Replaces the whole log with a snapshot (a follower installing one). Older snapshots are refused. */
  applySnapshot(snap: Snapshot): void {
    if (snap.meta.index < this.#snap.meta.index) {
      throw new ShnError('INVALID_ARGUMENT', `raft storage: snapshot ${snap.meta.index} is older than ${this.#snap.meta.index}`);
    }
    this.#snap = snap;
    this.#ents = [{ index: snap.meta.index, term: snap.meta.term, type: 'normal', data: new Uint8Array(0) }];
  }

  /** Records a snapshot of the state machine as of applied index `i` (does not compact). */
  createSnapshot(i: number, conf: ConfState, data: Uint8Array): Snapshot {
    if (i <= this.#snap.meta.index) return this.#snap;
    const term = this.term(i);
    if (term === undefined) throw new ShnError('INVALID_ARGUMENT', `raft storage: no entry ${i} to snapshot at`);
    this.#snap = { meta: { index: i, term, conf }, data };
    return this.#snap;
  }

  /** Drops every entry up to and including `i` (which must be covered by the snapshot or the log). */
  compact(i: number): void {
    const off = this.#offset();
    if (i <= off) return;
    if (i > this.lastIndex()) throw new ShnError('INVALID_ARGUMENT', `raft storage: compact ${i} is past lastIndex ${this.lastIndex()}`);
    const dummy = this.#ents[i - off] as Entry;
    this.#ents = [{ index: dummy.index, term: dummy.term, type: 'normal', data: new Uint8Array(0) }, ...this.#ents.slice(i - off + 1)];
  }
}
