import { ShnError } from '@shn/core';
import type { RaftStorage } from './storage.js';
import { entrySize } from './storage.js';
import type { Entry, Snapshot } from './types.js';

/**
 * The log as the core sees it: the stable part (in {@link RaftStorage}) followed by the unstable
 * part (entries and possibly a snapshot not yet persisted), plus the commit and apply indexes.
 */
export class RaftLog {
  readonly storage: RaftStorage;
  /** Unstable entries start at `#offset`. */
  #unstable: Entry[] = [];
  #offset: number;
  #unstableSnap: Snapshot | undefined;
  committed: number;
  applied: number;

  constructor(storage: RaftStorage) {
    this.storage = storage;
    this.#offset = storage.lastIndex() + 1;
    this.committed = storage.firstIndex() - 1;
    this.applied = storage.firstIndex() - 1;
  }

  firstIndex(): number {
    if (this.#unstableSnap !== undefined) return this.#unstableSnap.meta.index + 1;
    return this.storage.firstIndex();
  }

  lastIndex(): number {
    if (this.#unstable.length > 0) return this.#offset + this.#unstable.length - 1;
    if (this.#unstableSnap !== undefined) return this.#unstableSnap.meta.index;
    return this.storage.lastIndex();
  }

  /** The last index the application has persisted (entries after it are still unstable). */
  stableLastIndex(): number {
    if (this.#unstableSnap !== undefined) return this.storage.lastIndex();
    return this.#offset - 1;
  }

  lastTerm(): number {
    return this.term(this.lastIndex()) ?? 0;
  }

  /** Term of entry `i`, or undefined if compacted or beyond the last index. */
  term(i: number): number | undefined {
    if (i === 0) return 0;
    if (i > this.lastIndex()) return undefined;
    if (this.#unstableSnap !== undefined && i === this.#unstableSnap.meta.index) return this.#unstableSnap.meta.term;
    if (i >= this.#offset && this.#unstable.length > 0) return (this.#unstable[i - this.#offset] as Entry).term;
    if (this.#unstableSnap !== undefined && i < this.#unstableSnap.meta.index) return undefined;
    return this.storage.term(i);
  }

  matchTerm(i: number, term: number): boolean {
    return this.term(i) === term;
  }

  /** Entries `[lo, hi)` limited to `maxBytes`; undefined if `lo` was compacted. */
  slice(lo: number, hi: number, maxBytes: number): Entry[] | undefined {
    if (lo >= hi) return [];
    if (lo < this.firstIndex()) return undefined;
    if (hi > this.lastIndex() + 1) throw new ShnError('INTERNAL', `raft log: slice ${lo}..${hi} past last ${this.lastIndex()}`);
    const out: Entry[] = [];
    if (lo < this.#offset) {
      const stored = this.storage.entries(lo, Math.min(hi, this.#offset), maxBytes);
      if (stored === undefined) return undefined;
      out.push(...stored);
      if (stored.length < Math.min(hi, this.#offset) - lo) return out; // byte limit hit
    }
    if (hi > this.#offset) {
      let bytes = out.reduce((n, e) => n + entrySize(e), 0);
      for (let i = Math.max(lo, this.#offset); i < hi; i++) {
        const e = this.#unstable[i - this.#offset] as Entry;
        bytes += entrySize(e);
        if (out.length > 0 && bytes > maxBytes) break;
        out.push(e);
      }
    }
    return out;
  }

  /** True if a log ending at (`index`, `term`) is at least as up to date as this one (§5.4.1). */
  isUpToDate(index: number, term: number): boolean {
    const lt = this.lastTerm();
    return term > lt || (term === lt && index >= this.lastIndex());
  }

  /** The first index whose term conflicts with `entries` (or is new), 0 if all already match. */
  findConflict(entries: readonly Entry[]): number {
    for (const e of entries) if (!this.matchTerm(e.index, e.term)) return e.index;
    return 0;
  }

  /**
   * For a rejected append at (`index`, `term`): the largest index ≤ `index` whose term is ≤ `term`,
   * with that term, so the leader can skip a whole term of conflicting entries per round trip.
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    let i = Math.min(index, this.lastIndex());
    for (; i > 0; i--) {
      const t = this.term(i);
      if (t === undefined) return { index: i, term: 0 };
      if (t <= term) return { index: i, term: t };
    }
    return { index: 0, term: 0 };
  }

  /** Appends entries (truncating a conflicting unstable/stable suffix); returns the new last index. */
  append(entries: readonly Entry[]): number {
    if (entries.length === 0) return this.lastIndex();
    const after = (entries[0] as Entry).index - 1;
    if (after < this.committed) {
      throw new ShnError('INTERNAL', `raft log: append after ${after} would overwrite committed ${this.committed}`);
    }
    if (after + 1 === this.#offset + this.#unstable.length) {
      this.#unstable.push(...entries);
    } else if (after + 1 <= this.#offset) {
      // Replaces part of the stable log: the unstable part now starts at the first new entry.
      this.#offset = after + 1;
      this.#unstable = [...entries];
    } else {
      this.#unstable = this.#unstable.slice(0, after + 1 - this.#offset).concat(entries);
    }
    return this.lastIndex();
  }

  /**
   * A follower's append: if (`index`, `logTerm`) matches, appends what conflicts or is new, advances
   * the commit index to `min(commit, last new index)`, and returns the last new index; else undefined.
   */
  maybeAppend(index: number, logTerm: number, commit: number, entries: readonly Entry[]): number | undefined {
    if (!this.matchTerm(index, logTerm)) return undefined;
    const lastNew = index + entries.length;
    const ci = this.findConflict(entries);
    if (ci !== 0) {
      if (ci <= this.committed) throw new ShnError('INTERNAL', `raft log: entry ${ci} conflicts with committed ${this.committed}`);
      this.append(entries.slice(ci - (index + 1)));
    }
    this.commitTo(Math.min(commit, lastNew));
    return lastNew;
  }

  commitTo(i: number): void {
    if (i > this.committed) {
      if (i > this.lastIndex()) throw new ShnError('INTERNAL', `raft log: commit ${i} is past last index ${this.lastIndex()}`);
      this.committed = i;
    }
  }

  /** Commits `maxIndex` if it is from `term` (a leader commits only entries of its own term by counting). */
  maybeCommit(maxIndex: number, term: number): boolean {
    if (maxIndex > this.committed && this.term(maxIndex) === term) {
      this.commitTo(maxIndex);
      return true;
    }
    return false;
  }

  appliedTo(i: number): void {
    if (i === 0) return;
    if (i > this.committed || i < this.applied) {
      throw new ShnError('INTERNAL', `raft log: applied ${i} outside [${this.applied}, ${this.committed}]`);
    }
    this.applied = i;
  }

  /** Entries to persist. */
  unstableEntries(): readonly Entry[] {
    return this.#unstable;
  }

  unstableSnapshot(): Snapshot | undefined {
    return this.#unstableSnap;
  }

  /** Committed entries not yet applied (stable ones only; unstable ones wait until persisted). */
  nextCommittedEntries(maxBytes: number): Entry[] {
    const lo = Math.max(this.applied + 1, this.firstIndex());
    const hi = Math.min(this.committed, this.#offset - 1) + 1;
    if (lo >= hi) return [];
    return this.slice(lo, hi, maxBytes) ?? [];
  }

  hasNextCommittedEntries(): boolean {
    const lo = Math.max(this.applied + 1, this.firstIndex());
    return lo <= Math.min(this.committed, this.#offset - 1);
  }

  /** The application persisted unstable entries up to (`index`, `term`). */
  stableTo(index: number, term: number): void {
    const t = this.term(index);
    if (t === term && index >= this.#offset) {
      this.#unstable = this.#unstable.slice(index + 1 - this.#offset);
      this.#offset = index + 1;
    }
  }

  /** The application persisted the unstable snapshot at `index`. */
  stableSnapTo(index: number): void {
    if (this.#unstableSnap !== undefined && this.#unstableSnap.meta.index === index) this.#unstableSnap = undefined;
  }

  /** Replaces the log with a snapshot received from the leader. */
  restore(snap: Snapshot): void {
    this.committed = snap.meta.index;
    this.#unstableSnap = snap;
    this.#unstable = [];
    this.#offset = snap.meta.index + 1;
  }

  /** The latest snapshot, unstable first. */
  snapshot(): Snapshot {
    return this.#unstableSnap ?? this.storage.snapshot();
  }
}
