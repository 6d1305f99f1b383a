import type { ConfState, NodeId } from './types.js';

/** How the leader replicates to one peer. */
export type ProgressState = 'probe' | 'replicate' | 'snapshot';

/** A bounded window of in-flight appends (by count and by bytes), freed as the peer acknowledges. */
export class Inflights {
  readonly #maxCount: number;
  readonly #maxBytes: number;
  #items: { index: number; bytes: number }[] = [];
  #bytes = 0;

  constructor(maxCount: number, maxBytes: number) {
    this.#maxCount = maxCount;
    this.#maxBytes = maxBytes;
  }

  add(index: number, bytes: number): void {
    this.#items.push({ index, bytes });
    this.#bytes += bytes;
  }

  /** Frees every in-flight append up to and including `index`. */
  freeLE(index: number): void {
    let n = 0;
    while (n < this.#items.length && (this.#items[n] as { index: number }).index <= index) {
      this.#bytes -= (this.#items[n] as { bytes: number }).bytes;
      n++;
    }
    if (n > 0) this.#items = this.#items.slice(n);
  }

  /** Frees the oldest in-flight append. */
  freeFirst(): void {
    const first = this.#items[0];
    if (first === undefined) return;
    this.#bytes -= first.bytes;
    this.#items = this.#items.slice(1);
  }

  full(): boolean {
    return this.#items.length >= this.#maxCount || (this.#maxBytes > 0 && this.#bytes >= this.#maxBytes);
  }

  get count(): number {
    return this.#items.length;
  }

  get bytes(): number {
    return this.#bytes;
  }

  reset(): void {
    this.#items = [];
    this.#bytes = 0;
  }
}

/** The leader's view of one peer's log. */
export class Progress {
  match = 0;
  next: number;
  state: ProgressState = 'probe';
  /** In probe state: an append is out and unanswered, so wait (one probe per heartbeat). */
  probeSent = false;
  pendingSnapshot = 0;
  /** Ticks spent in snapshot state without an answer; past a limit the leader probes again. */
  snapshotTicks = 0;
  /** Heard from since the last check-quorum round. */
  recentActive = true;
  isLearner: boolean;
  readonly inflights: Inflights;

  constructor(next: number, isLearner: boolean, maxInflight: number, maxInflightBytes: number) {
    this.next = next;
    this.isLearner = isLearner;
    this.inflights = new Inflights(maxInflight, maxInflightBytes);
  }

  #reset(state: ProgressState): void {
    this.state = state;
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.snapshotTicks = 0;
    this.inflights.reset();
  }

  becomeProbe(): void {
    if (this.state === 'snapshot') {
      const p = this.pendingSnapshot;
      this.#reset('probe');
      this.next = Math.max(this.match + 1, p + 1);
    } else {
      this.#reset('probe');
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.#reset('replicate');
    this.next = this.match + 1;
  }

  becomeSnapshot(index: number): void {
    this.#reset('snapshot');
    this.pendingSnapshot = index;
  }

  /** The peer acknowledged `n`; true if that moved `match`. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.probeSent = false;
    }
    this.next = Math.max(this.next, n + 1);
    return updated;
  }

  /** The peer rejected an append after `rejected`, hinting it matches at most `matchHint`; true if `next` moved back. */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }

  /** Records an append of entries ending at `last` (of `bytes` bytes) just sent. */
  sentEntries(count: number, last: number, bytes: number): void {
    if (this.state === 'replicate') {
      if (count > 0) {
        this.next = last + 1;
        this.inflights.add(last, bytes);
      }
    } else if (this.state === 'probe') {
      this.probeSent = true;
    }
  }

  isPaused(): boolean {
    switch (this.state) {
      case 'probe':
        return this.probeSent;
      case 'replicate':
        return this.inflights.full();
      default:
        return true;
    }
  }
}

/** The outcome of an election so far. */
export type VoteResult = 'won' | 'lost' | 'pending';

/** The commit index a majority of `voters` has reached; `Infinity` for an empty set (so joint min works). */
export function majorityCommitted(voters: readonly NodeId[], match: (id: NodeId) => number): number {
  if (voters.length === 0) return Infinity;
  const m = voters.map(match).sort((a, b) => b - a);
  return m[Math.floor(voters.length / 2)] as number;
}

/** The vote outcome in one majority configuration. */
export function majorityVote(voters: readonly NodeId[], votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  if (voters.length === 0) return 'won';
  let yes = 0;
  let missing = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === undefined) missing++;
    else if (v) yes++;
  }
  const q = Math.floor(voters.length / 2) + 1;
  if (yes >= q) return 'won';
  if (yes + missing >= q) return 'pending';
  return 'lost';
}

/** Joint consensus: both configurations must agree. */
export function jointVote(conf: ConfState, votes: ReadonlyMap<NodeId, boolean>): VoteResult {
  const a = majorityVote(conf.voters, votes);
  const b = majorityVote(conf.votersOutgoing, votes);
  if (a === b) return a;
  if (a === 'lost' || b === 'lost') return 'lost';
  return 'pending';
}

/** Joint consensus: the smaller of the two majorities' commit indexes. */
export function jointCommitted(conf: ConfState, match: (id: NodeId) => number): number {
  return Math.min(majorityCommitted(conf.voters, match), majorityCommitted(conf.votersOutgoing, match));
}

/** Every voter of the (possibly joint) configuration, once each. */
export function allVoters(conf: ConfState): NodeId[] {
  return [...new Set([...conf.voters, ...conf.votersOutgoing])];
}

/** Every member (voters and learners), once each. */
export function allMembers(conf: ConfState): NodeId[] {
  return [...new Set([...conf.voters, ...conf.votersOutgoing, ...conf.learners, ...conf.learnersNext])];
}

/** True if `id` may vote (and so campaign). */
export function isVoter(conf: ConfState, id: NodeId): boolean {
  return conf.voters.includes(id) || conf.votersOutgoing.includes(id);
}
