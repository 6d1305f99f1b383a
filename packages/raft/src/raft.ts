import { ShnError, systemRng } from '@shn/core';
import type { Rng } from '@shn/core';
import { applyConfChange, assertNodeId, decodeConfChange, encodeConfChange, isLeaveJoint } from './conf-change.js';
import { RaftLog } from './raft-log.js';
import type { RaftStorage } from './storage.js';
import { entrySize } from './storage.js';
import { Progress, allMembers, allVoters, isVoter, jointCommitted, jointVote } from './tracker.js';
import type { VoteResult } from './tracker.js';
import type { ConfChange, ConfState, Entry, HardState, Message, MessageType, NodeId, ReadState, Role, Snapshot, SnapshotChunk } from './types.js';
import { NONE } from './types.js';

/** Options of a Raft node. Times are in ticks: the application calls `tick()` at a fixed interval. */
export interface RaftOptions {
  /** This node's id. */
  readonly id: NodeId;
  /** The durable log (read side). */
  readonly storage: RaftStorage;
  /** Ticks without hearing from a leader before campaigning (randomised in [electionTick, 2·electionTick)); default 10. */
  readonly electionTick?: number;
  /** Ticks between leader heartbeats; default 1; must be < electionTick. */
  readonly heartbeatTick?: number;
  /** Ask peers whether they would vote before starting an election (avoids disruption by a partitioned node); default true. */
  readonly preVote?: boolean;
  /** A leader that has not heard from a quorum within an election timeout steps down; default true. */
  readonly checkQuorum?: boolean;
  /** `safe` (ReadIndex, confirmed by a heartbeat round) or `lease` (needs checkQuorum; relies on bounded clock drift); default `safe`. */
  readonly readOnly?: 'safe' | 'lease';
  /** Most bytes of entries in one append message; default 1 MiB. */
  readonly maxSizePerMsg?: number;
  /** Most append messages in flight to one peer in replicate state; default 256. */
  readonly maxInflightMsgs?: number;
  /** Most bytes in flight to one peer; 0 = unlimited; default 0. */
  readonly maxInflightBytes?: number;
  /** Most uncommitted bytes a leader accepts before refusing proposals; 0 = unlimited; default 0. */
  readonly maxUncommittedBytes?: number;
  /** Snapshot bytes per InstallSnapshot chunk; default 1 MiB. */
  readonly snapshotChunkBytes?: number;
  /** A leader removed from the configuration steps down once the removal is applied; default true. */
  readonly stepDownOnRemoval?: boolean;
  /** Randomness for election timeouts; default systemRng. */
  readonly rng?: Rng;
  /** The last applied index on restart (entries up to it are not handed out again); default the snapshot index. */
  readonly applied?: number;
}

function positiveInt(name: string, v: number | undefined, fallback: number, min = 1): number {
  if (v === undefined) return fallback;
  if (!Number.isSafeInteger(v) || v < min) throw new ShnError('INVALID_ARGUMENT', `raft option ${name} must be an integer >= ${min}, got ${String(v)}`);
  return v;
}

const RESP_OF: Partial<Record<MessageType, MessageType>> = { vote: 'vote-resp', 'pre-vote': 'pre-vote-resp' };
const TRANSFER = 'transfer';

interface PendingRead {
  readonly index: number;
  readonly from: NodeId;
  readonly context: string;
  readonly acks: Set<NodeId>;
}

/**
 * The Raft state machine of one node (after etcd-io/raft): no I/O and no timers of its own.
 * Drive it through {@link RawNode}: `tick`, `step`, `ready`, `advance`.
 */
export class Raft {
  readonly id: NodeId;
  term = 0;
  vote: NodeId = NONE;
  role: Role = 'follower';
  lead: NodeId = NONE;
  readonly log: RaftLog;
  conf: ConfState;
  readonly progress = new Map<NodeId, Progress>();
  msgs: Message[] = [];
  readStates: ReadState[] = [];
  leadTransferee: NodeId = NONE;
  /** Index of the last conf entry appended by this leader; a new one waits until it is applied. */
  pendingConfIndex = 0;
  uncommittedBytes = 0;

  readonly #electionTick: number;
  readonly #heartbeatTick: number;
  readonly #preVote: boolean;
  readonly #checkQuorum: boolean;
  readonly #readOnly: 'safe' | 'lease';
  readonly #maxSizePerMsg: number;
  readonly #maxInflight: number;
  readonly #maxInflightBytes: number;
  readonly #maxUncommitted: number;
  readonly #chunkBytes: number;
  readonly #stepDownOnRemoval: boolean;
  readonly #rng: Rng;
  #electionElapsed = 0;
  #heartbeatElapsed = 0;
  #randomizedTimeout: number;
  #votes = new Map<NodeId, boolean>();
  #pendingReads = new Map<string, PendingRead>();
  #readQueue: string[] = [];
  /** Read requests that arrived before the leader committed an entry of its term. */
  #readsBeforeCommit: Message[] = [];
  /** A follower assembling a chunked snapshot. */
  #incoming: { meta: SnapshotChunk['meta']; parts: Uint8Array[]; received: number; total: number } | undefined;

  constructor(options: RaftOptions) {
    if (typeof options !== 'object' || options === null) throw new ShnError('INVALID_ARGUMENT', 'raft options must be an object');
    assertNodeId(options.id);
    this.id = options.id;
    this.#electionTick = positiveInt('electionTick', options.electionTick, 10, 2);
    this.#heartbeatTick = positiveInt('heartbeatTick', options.heartbeatTick, 1);
    if (this.#heartbeatTick >= this.#electionTick) {
      throw new ShnError('INVALID_ARGUMENT', `raft option heartbeatTick (${this.#heartbeatTick}) must be < electionTick (${this.#electionTick})`);
    }
    this.#preVote = options.preVote ?? true;
    this.#checkQuorum = options.checkQuorum ?? true;
    this.#readOnly = options.readOnly ?? 'safe';
    if (this.#readOnly !== 'safe' && this.#readOnly !== 'lease') throw new ShnError('INVALID_ARGUMENT', "raft option readOnly must be 'safe' or 'lease'");
    if (this.#readOnly === 'lease' && !this.#checkQuorum) throw new ShnError('INVALID_ARGUMENT', 'raft option readOnly: lease needs checkQuorum');
    this.#maxSizePerMsg = positiveInt('maxSizePerMsg', options.maxSizePerMsg, 1 << 20);
    this.#maxInflight = positiveInt('maxInflightMsgs', options.maxInflightMsgs, 256);
    this.#maxInflightBytes = positiveInt('maxInflightBytes', options.maxInflightBytes, 0, 0);
    this.#maxUncommitted = positiveInt('maxUncommittedBytes', options.maxUncommittedBytes, 0, 0);
    this.#chunkBytes = positiveInt('snapshotChunkBytes', options.snapshotChunkBytes, 1 << 20);
    this.#stepDownOnRemoval = options.stepDownOnRemoval ?? true;
    this.#rng = options.rng ?? systemRng;
    this.log = new RaftLog(options.storage);
    const { hardState, conf } = options.storage.initialState();
    this.conf = conf;
    if (hardState.commit < this.log.committed || hardState.commit > this.log.lastIndex()) {
      if (hardState.commit > this.log.lastIndex()) {
        throw new ShnError('DATA_CORRUPT', `raft: hard state commit ${hardState.commit} is past the last index ${this.log.lastIndex()}`);
      }
    }
    this.log.commitTo(hardState.commit);
    this.term = hardState.term;
    this.vote = hardState.vote;
    if (options.applied !== undefined) this.log.appliedTo(Math.max(options.applied, this.log.applied));
    this.#resetProgress();
    this.#randomizedTimeout = this.#electionTick;
    this.becomeFollower(this.term, NONE);
  }

  // ------------------------------------------------------------------ state

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  /** True if this node may campaign: a voter of the current configuration with no pending snapshot. */
  promotable(): boolean {
    return isVoter(this.conf, this.id) && this.log.unstableSnapshot() === undefined;
  }

  #resetProgress(): void {
    const last = this.log.lastIndex();
    const keep = new Map(this.progress);
    this.progress.clear();
    for (const id of allMembers(this.conf)) {
      const learner = !isVoter(this.conf, id);
      const old = keep.get(id);
      const pr = old ?? new Progress(last + 1, learner, this.#maxInflight, this.#maxInflightBytes);
      pr.isLearner = learner;
      if (id === this.id) pr.match = this.log.stableLastIndex();
      this.progress.set(id, pr);
    }
  }

  #reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = NONE;
    }
    this.lead = NONE;
    this.#electionElapsed = 0;
    this.#heartbeatElapsed = 0;
    this.#randomizedTimeout = this.#electionTick + this.#rng.int(this.#electionTick);
    this.#votes = new Map();
    this.leadTransferee = NONE;
    this.#pendingReads = new Map();
    this.#readQueue = [];
    this.#readsBeforeCommit = [];
    const last = this.log.lastIndex();
    for (const [id, pr] of this.progress) {
      const fresh = new Progress(last + 1, pr.isLearner, this.#maxInflight, this.#maxInflightBytes);
      if (id === this.id) fresh.match = this.log.stableLastIndex();
      this.progress.set(id, fresh);
    }
    this.pendingConfIndex = 0;
    this.uncommittedBytes = 0;
  }

  becomeFollower(term: number, lead: NodeId): void {
    this.#reset(term);
    this.lead = lead;
    this.role = 'follower';
  }

  #becomePreCandidate(): void {
    if (this.role === 'leader') throw new ShnError('INTERNAL', 'raft: leader cannot become pre-candidate');
    this.#votes = new Map();
    this.lead = NONE;
    this.role = 'pre-candidate';
  }

  #becomeCandidate(): void {
    if (this.role === 'leader') throw new ShnError('INTERNAL', 'raft: leader cannot become candidate');
    this.#reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
  }

  #becomeLeader(): void {
    if (this.role === 'follower') throw new ShnError('INTERNAL', 'raft: follower cannot become leader directly');
    this.#reset(this.term);
    this.lead = this.id;
    this.role = 'leader';
    const self = this.progress.get(this.id);
    self?.becomeReplicate();
    // Conservatively treat every unapplied entry as a possible conf change.
    this.pendingConfIndex = this.log.lastIndex();
    this.#appendEntries([{ term: this.term, index: 0, type: 'normal', data: new Uint8Array(0) }]);
  }

  #send(m: Omit<Message, 'from' | 'term'> & { term?: number }): void {
    const msg = { ...m, from: this.id, term: m.term ?? 0 } as Message;
    const t = msg.type;
    if (t === 'vote' || t === 'vote-resp' || t === 'pre-vote' || t === 'pre-vote-resp') {
      if (msg.term === 0) throw new ShnError('INTERNAL', `raft: ${t} needs a term`);
    } else if (t === 'prop' || t === 'read-index' || t === 'transfer-leader') {
      // forwarded requests keep term 0 (they are local to the leader)
    } else {
      (msg as { term: number }).term = this.term;
    }
    this.msgs.push(msg);
  }

  // ------------------------------------------------------------------ ticks

  /** Advances time by one tick. */
  tick(): void {
    if (this.role === 'leader') this.#tickHeartbeat();
    else this.#tickElection();
  }

  #tickElection(): void {
    this.#electionElapsed++;
    if (this.promotable() && this.#electionElapsed >= this.#randomizedTimeout) {
      this.#electionElapsed = 0;
      this.step({ type: 'hup', from: this.id, to: this.id, term: 0 });
    }
  }

  #tickHeartbeat(): void {
    this.#heartbeatElapsed++;
    this.#electionElapsed++;
    if (this.#electionElapsed >= this.#electionTick) {
      this.#electionElapsed = 0;
      if (this.#checkQuorum) this.step({ type: 'check-quorum', from: this.id, to: this.id, term: 0 });
      if (this.role === 'leader' && this.leadTransferee !== NONE) this.leadTransferee = NONE;
    }
    if (this.role !== 'leader') return;
    for (const [id, pr] of this.progress) {
      if (id !== this.id && pr.state === 'snapshot' && ++pr.snapshotTicks > 2 * this.#electionTick) pr.becomeProbe();
    }
    if (this.#heartbeatElapsed >= this.#heartbeatTick) {
      this.#heartbeatElapsed = 0;
      this.step({ type: 'beat', from: this.id, to: this.id, term: 0 });
    }
  }

  // ------------------------------------------------------------------ elections

  #campaign(kind: 'pre-vote' | 'vote', transfer: boolean): void {
    let term: number;
    if (kind === 'pre-vote') {
      this.#becomePreCandidate();
      term = this.term + 1;
    } else {
      this.#becomeCandidate();
      term = this.term;
    }
    if (this.#poll(this.id, true) === 'won') {
      if (kind === 'pre-vote') this.#campaign('vote', transfer);
      else this.#becomeLeader();
      return;
    }
    for (const id of allVoters(this.conf)) {
      if (id === this.id) continue;
      this.#send({
        type: kind,
        to: id,
        term,
        index: this.log.lastIndex(),
        logTerm: this.log.lastTerm(),
        ...(transfer ? { context: TRANSFER } : {}),
      });
    }
  }

  #poll(id: NodeId, granted: boolean): VoteResult {
    if (!this.#votes.has(id)) this.#votes.set(id, granted);
    return jointVote(this.conf, this.#votes);
  }

  #hup(transfer: boolean): void {
    if (this.role === 'leader') return;
    if (!this.promotable()) return;
    // A pending (committed, unapplied) conf change must be applied before campaigning.
    const pending = this.log.slice(this.log.applied + 1, this.log.committed + 1, Infinity) ?? [];
    if (pending.some((e) => e.type === 'conf')) return;
    this.#campaign(this.#preVote && !transfer ? 'pre-vote' : 'vote', transfer);
  }

  // ------------------------------------------------------------------ step

  /**
   * Handles one message (remote, or local such as `hup`/`beat`/`prop`).
   * @throws ShnError `NOT_LEADER` for a proposal that cannot be accepted or forwarded
   *   (no leader known, or leadership is being transferred), `OVERLOADED` when the uncommitted
   *   limit is reached, `INVALID_ARGUMENT` for a malformed message.
   */
  step(m: Message): void {
    if (typeof m !== 'object' || m === null || typeof m.type !== 'string' || !Number.isSafeInteger(m.term) || m.term < 0) {
      throw new ShnError('INVALID_ARGUMENT', 'raft: malformed message');
    }
    if (m.term === 0) {
      // local message
    } else if (m.term > this.term) {
      if (m.type === 'vote' || m.type === 'pre-vote') {
        const force = m.context === TRANSFER;
        const inLease = this.#checkQuorum && this.lead !== NONE && this.#electionElapsed < this.#electionTick;
        if (!force && inLease) return; // a leader is alive: ignore the disruptive vote
      }
      if (m.type === 'pre-vote') {
        // never change term on a pre-vote
      } else if (m.type === 'pre-vote-resp' && m.reject !== true) {
        // a granted pre-vote carries the future term; the term changes when the election starts
      } else if (m.type === 'app' || m.type === 'heartbeat' || m.type === 'snap') {
        this.becomeFollower(m.term, m.from);
      } else {
        this.becomeFollower(m.term, NONE);
      }
    } else if (m.term < this.term) {
      if ((this.#checkQuorum || this.#preVote) && (m.type === 'heartbeat' || m.type === 'app')) {
        // tell a stale leader about the newer term (without it, pre-vote could deadlock)
        this.#send({ type: 'app-resp', to: m.from, term: this.term });
      } else if (m.type === 'pre-vote') {
        this.#send({ type: 'pre-vote-resp', to: m.from, term: this.term, reject: true });
      }
      return;
    }

    switch (m.type) {
      case 'hup':
        this.#hup(false);
        return;
      case 'vote':
      case 'pre-vote': {
        const canVote =
          this.vote === m.from || (this.vote === NONE && this.lead === NONE) || (m.type === 'pre-vote' && m.term > this.term);
        const resp = RESP_OF[m.type] as MessageType;
        if (canVote && this.log.isUpToDate(m.index ?? 0, m.logTerm ?? 0)) {
          this.#send({ type: resp, to: m.from, term: m.term });
          if (m.type === 'vote') {
            this.#electionElapsed = 0;
            this.vote = m.from;
          }
        } else {
          this.#send({ type: resp, to: m.from, term: this.term, reject: true });
        }
        return;
      }
      default:
        if (this.role === 'leader') this.#stepLeader(m);
        else if (this.role === 'follower') this.#stepFollower(m);
        else this.#stepCandidate(m);
    }
  }

  #stepLeader(m: Message): void {
    switch (m.type) {
      case 'beat':
        this.#bcastHeartbeat(undefined);
        return;
      case 'check-quorum':
        if (!this.#quorumActive()) this.becomeFollower(this.term, NONE);
        for (const [id, pr] of this.progress) if (id !== this.id) pr.recentActive = false;
        return;
      case 'prop':
        this.#propose(m);
        return;
      case 'read-index':
        this.#readIndex(m);
        return;
      case 'transfer-leader':
        this.#transferLeader(m.context ?? m.from);
        return;
      default:
        break;
    }
    const pr = this.progress.get(m.from);
    if (pr === undefined) return;
    switch (m.type) {
      case 'app-resp':
        this.#handleAppResp(m, pr);
        return;
      case 'heartbeat-resp':
        pr.recentActive = true;
        pr.probeSent = false;
        // Lost appends must not wedge a full window: free one slot per heartbeat answer (as etcd does).
        if (pr.state === 'replicate' && pr.inflights.full()) pr.inflights.freeFirst();
        if (pr.match < this.log.lastIndex()) this.#sendAppend(m.from, true);
        if (this.#readOnly === 'safe' && m.context !== undefined && m.context !== '') this.#ackRead(m.context, m.from);
        return;
      case 'snap-status':
        if (pr.state !== 'snapshot') return;
        pr.becomeProbe();
        pr.probeSent = m.reject !== true; // on success wait for the heartbeat answer before probing
        return;
      case 'unreachable':
        if (pr.state === 'replicate') pr.becomeProbe();
        return;
      default:
        return;
    }
  }

  #handleAppResp(m: Message, pr: Progress): void {
    pr.recentActive = true;
    const index = m.index ?? 0;
    if (m.reject === true) {
      let hint = m.rejectHint ?? 0;
      if ((m.logTerm ?? 0) > 0) hint = this.log.findConflictByTerm(hint, m.logTerm ?? 0).index;
      if (pr.maybeDecrTo(index, hint)) {
        if (pr.state === 'replicate') pr.becomeProbe();
        this.#sendAppend(m.from, true);
      }
      return;
    }
    const wasPaused = pr.isPaused();
    if (pr.maybeUpdate(index)) {
      if (pr.state === 'probe') pr.becomeReplicate();
      else if (pr.state === 'snapshot' && pr.match + 1 >= this.log.firstIndex()) {
        pr.becomeProbe();
        pr.becomeReplicate();
      } else if (pr.state === 'replicate') pr.inflights.freeLE(index);
      if (this.#maybeCommit()) {
        this.#releaseReadsBeforeCommit();
        this.#bcastAppend();
      } else if (wasPaused) {
        this.#sendAppend(m.from, true);
      }
      while (this.#sendAppend(m.from, false)) {
        // keep the pipeline full
      }
      if (m.from === this.leadTransferee && pr.match === this.log.lastIndex()) {
        this.#send({ type: 'timeout-now', to: m.from });
      }
    }
  }

  #stepCandidate(m: Message): void {
    const myResp: MessageType = this.role === 'pre-candidate' ? 'pre-vote-resp' : 'vote-resp';
    switch (m.type) {
      case 'prop':
        throw new ShnError('NOT_LEADER', `raft ${this.id}: no leader (campaigning in term ${this.term})`, { details: { leader: NONE } });
      case 'app':
        this.becomeFollower(m.term, m.from);
        this.#handleAppend(m);
        return;
      case 'heartbeat':
        this.becomeFollower(m.term, m.from);
        this.#handleHeartbeat(m);
        return;
      case 'snap':
        this.becomeFollower(m.term, m.from);
        this.#handleSnapshot(m);
        return;
      case 'read-index':
        throw new ShnError('NOT_LEADER', `raft ${this.id}: no leader for a read`, { details: { leader: NONE } });
      default:
        break;
    }
    if (m.type !== myResp) return;
    const res = this.#poll(m.from, m.reject !== true);
    if (res === 'won') {
      if (this.role === 'pre-candidate') this.#campaign('vote', false);
      else {
        this.#becomeLeader();
        this.#bcastAppend();
      }
    } else if (res === 'lost') {
      this.becomeFollower(this.term, NONE);
    }
  }

  #stepFollower(m: Message): void {
    switch (m.type) {
      case 'prop':
        if (this.lead === NONE) throw new ShnError('NOT_LEADER', `raft ${this.id}: no leader known`, { details: { leader: NONE } });
        this.#send({ ...m, to: this.lead, term: 0 });
        return;
      case 'app':
        this.#electionElapsed = 0;
        this.lead = m.from;
        this.#handleAppend(m);
        return;
      case 'heartbeat':
        this.#electionElapsed = 0;
        this.lead = m.from;
        this.#handleHeartbeat(m);
        return;
      case 'snap':
        this.#electionElapsed = 0;
        this.lead = m.from;
        this.#handleSnapshot(m);
        return;
      case 'transfer-leader':
        if (this.lead === NONE) return;
        this.#send({ ...m, to: this.lead, term: 0, context: m.context ?? m.from });
        // (the transferee travels in `context`, since a forwarded message carries this node as `from`)
        return;
      case 'timeout-now':
        this.#hup(true);
        return;
      case 'read-index':
        if (this.lead === NONE) throw new ShnError('NOT_LEADER', `raft ${this.id}: no leader for a read`, { details: { leader: NONE } });
        this.#send({ ...m, to: this.lead, term: 0 });
        return;
      case 'read-index-resp':
        this.readStates.push({ index: m.index ?? 0, context: m.context ?? '' });
        return;
      default:
        return;
    }
  }

  // ------------------------------------------------------------------ leader: proposals, replication

  #propose(m: Message): void {
    const entries = m.entries ?? [];
    if (entries.length === 0) throw new ShnError('INVALID_ARGUMENT', 'raft: a proposal needs at least one entry');
    if (!this.progress.has(this.id)) throw new ShnError('NOT_LEADER', `raft ${this.id}: removed from the configuration`, { details: { leader: NONE } });
    if (this.leadTransferee !== NONE) {
      throw new ShnError('NOT_LEADER', `raft ${this.id}: leadership is moving to ${this.leadTransferee}`, { details: { leader: this.leadTransferee } });
    }
    const out: Entry[] = [];
    for (const e of entries) {
      if (e.type === 'conf') {
        let refuse: string | undefined;
        let cc: ConfChange | undefined;
        try {
          cc = decodeConfChange(e.data);
        } catch (err) {
          refuse = (err as Error).message;
        }
        const joint = this.conf.votersOutgoing.length > 0;
        if (refuse === undefined && cc !== undefined) {
          if (this.pendingConfIndex > this.log.applied) refuse = 'a configuration change is still being applied';
          else if (joint && !isLeaveJoint(cc)) refuse = 'in a joint configuration: only leaving it is allowed';
          else if (!joint && isLeaveJoint(cc)) refuse = 'not in a joint configuration';
          else {
            try {
              applyConfChange(this.conf, cc);
            } catch (err) {
              refuse = (err as Error).message;
            }
          }
        }
        if (refuse !== undefined) {
          throw new ShnError('INVALID_ARGUMENT', `raft ${this.id}: configuration change refused: ${refuse}`);
        }
        out.push({ term: 0, index: 0, type: 'conf', data: e.data });
        this.pendingConfIndex = this.log.lastIndex() + out.length;
      } else {
        out.push({ term: 0, index: 0, type: 'normal', data: e.data });
      }
    }
    if (!this.#appendEntries(out)) {
      throw new ShnError('OVERLOADED', `raft ${this.id}: too many uncommitted bytes (limit ${this.#maxUncommitted})`);
    }
    this.#bcastAppend();
  }

  #appendEntries(es: Entry[]): boolean {
    const bytes = es.reduce((n, e) => n + e.data.length, 0);
    if (this.#maxUncommitted > 0 && this.uncommittedBytes > 0 && this.uncommittedBytes + bytes > this.#maxUncommitted) return false;
    this.uncommittedBytes += bytes;
    let li = this.log.lastIndex();
    const stamped = es.map((e) => ({ term: this.term, index: ++li, type: e.type, data: e.data }));
    this.log.append(stamped);
    // The leader's own copy counts towards the commit only once it is durable (see onStable), so a
    // leader that sends appends before its own write finishes never commits on a copy it may lose.
    return true;
  }

  #maybeCommit(): boolean {
    const mci = jointCommitted(this.conf, (id) => this.progress.get(id)?.match ?? 0);
    if (!Number.isFinite(mci)) return false;
    const before = this.log.committed;
    if (!this.log.maybeCommit(mci, this.term)) return false;
    // Committed entries no longer count against the uncommitted limit.
    const done = this.log.slice(before + 1, this.log.committed + 1, Infinity) ?? [];
    this.uncommittedBytes = Math.max(0, this.uncommittedBytes - done.reduce((n, e) => n + e.data.length, 0));
    return true;
  }

  #bcastAppend(): void {
    for (const id of this.progress.keys()) if (id !== this.id) this.#sendAppend(id, true);
  }

  #bcastHeartbeat(context: string | undefined): void {
    for (const [id, pr] of this.progress) {
      if (id === this.id) continue;
      this.#send({ type: 'heartbeat', to: id, commit: Math.min(pr.match, this.log.committed), ...(context === undefined ? {} : { context }) });
    }
  }

  /** Sends an append (or a snapshot) to `to` if its progress allows; true if something was sent. */
  #sendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const pr = this.progress.get(to);
    if (pr === undefined || pr.isPaused()) return false;
    const prevIndex = pr.next - 1;
    const prevTerm = this.log.term(prevIndex);
    const last = this.log.lastIndex();
    const ents = pr.next <= last ? this.log.slice(pr.next, last + 1, this.#maxSizePerMsg) : [];
    if (prevTerm === undefined || ents === undefined) return this.#sendSnapshot(to, pr);
    if (ents.length === 0 && !sendIfEmpty) return false;
    this.#send({ type: 'app', to, index: prevIndex, logTerm: prevTerm, entries: ents, commit: this.log.committed });
    const bytes = ents.reduce((n, e) => n + entrySize(e), 0);
    pr.sentEntries(ents.length, ents.length > 0 ? (ents[ents.length - 1] as Entry).index : prevIndex, bytes);
    return true;
  }

  #sendSnapshot(to: NodeId, pr: Progress): boolean {
    if (!pr.recentActive) return false;
    const snap = this.log.snapshot();
    if (snap.meta.index === 0) return false;
    pr.becomeSnapshot(snap.meta.index);
    const total = snap.data.length;
    let offset = 0;
    do {
      const data = snap.data.subarray(offset, Math.min(total, offset + this.#chunkBytes));
      this.#send({ type: 'snap', to, snapshot: { meta: snap.meta, offset, total, data } });
      offset += data.length;
    } while (offset < total);
    return true;
  }

  #quorumActive(): boolean {
    const votes = new Map<NodeId, boolean>();
    for (const [id, pr] of this.progress) {
      if (pr.isLearner) continue;
      votes.set(id, id === this.id || pr.recentActive);
    }
    return jointVote(this.conf, votes) === 'won';
  }

  #transferLeader(to: NodeId): void {
    const pr = this.progress.get(to);
    if (pr === undefined || pr.isLearner || to === this.id) return;
    if (this.leadTransferee === to) return;
    this.leadTransferee = to;
    this.#electionElapsed = 0;
    if (pr.match === this.log.lastIndex()) this.#send({ type: 'timeout-now', to });
    else this.#sendAppend(to, true);
  }

  // ------------------------------------------------------------------ reads

  #committedInTerm(): boolean {
    return this.log.term(this.log.committed) === this.term;
  }

  #readIndex(m: Message): void {
    const context = m.context ?? '';
    const voters = allVoters(this.conf);
    if (voters.length === 1 && voters[0] === this.id) {
      this.#answerRead(m.from, this.log.committed, context);
      return;
    }
    if (!this.#committedInTerm()) {
      this.#readsBeforeCommit.push(m);
      return;
    }
    if (this.#readOnly === 'lease') {
      this.#answerRead(m.from, this.log.committed, context);
      return;
    }
    const key = `${m.from}\u0000${context}`;
    if (!this.#pendingReads.has(key)) {
      this.#pendingReads.set(key, { index: this.log.committed, from: m.from, context, acks: new Set([this.id]) });
      this.#readQueue.push(key);
    }
    this.#bcastHeartbeat(key);
  }

  #releaseReadsBeforeCommit(): void {
    if (!this.#committedInTerm() || this.#readsBeforeCommit.length === 0) return;
    const pending = this.#readsBeforeCommit;
    this.#readsBeforeCommit = [];
    for (const m of pending) this.#readIndex(m);
  }

  #ackRead(key: string, from: NodeId): void {
    const read = this.#pendingReads.get(key);
    if (read === undefined) return;
    read.acks.add(from);
    const votes = new Map<NodeId, boolean>();
    for (const id of read.acks) votes.set(id, true);
    if (jointVote(this.conf, votes) !== 'won') return;
    // Every read queued up to and including this one is confirmed.
    const at = this.#readQueue.indexOf(key);
    const done = this.#readQueue.slice(0, at + 1);
    this.#readQueue = this.#readQueue.slice(at + 1);
    for (const k of done) {
      const r = this.#pendingReads.get(k) as PendingRead;
      this.#pendingReads.delete(k);
      this.#answerRead(r.from, r.index, r.context);
    }
  }

  #answerRead(from: NodeId, index: number, context: string): void {
    if (from === this.id || from === NONE) this.readStates.push({ index, context });
    else this.#send({ type: 'read-index-resp', to: from, index, context });
  }

  // ------------------------------------------------------------------ follower handlers

  #handleAppend(m: Message): void {
    const index = m.index ?? 0;
    if (index < this.log.committed) {
      this.#send({ type: 'app-resp', to: m.from, index: this.log.committed });
      return;
    }
    const lastNew = this.log.maybeAppend(index, m.logTerm ?? 0, m.commit ?? 0, m.entries ?? []);
    if (lastNew !== undefined) {
      this.#send({ type: 'app-resp', to: m.from, index: lastNew });
      return;
    }
    const hint = this.log.findConflictByTerm(Math.min(index, this.log.lastIndex()), m.logTerm ?? 0);
    this.#send({ type: 'app-resp', to: m.from, index, reject: true, rejectHint: hint.index, logTerm: hint.term });
  }

  #handleHeartbeat(m: Message): void {
    const commit = Math.min(m.commit ?? 0, this.log.lastIndex());
    this.log.commitTo(commit);
    this.#send({ type: 'heartbeat-resp', to: m.from, ...(m.context === undefined ? {} : { context: m.context }) });
  }

  #handleSnapshot(m: Message): void {
    const chunk = m.snapshot;
    if (chunk === undefined) return;
    if (chunk.offset === 0) {
      this.#incoming = { meta: chunk.meta, parts: [], received: 0, total: chunk.total };
    }
    const inc = this.#incoming;
    if (inc === undefined || inc.meta.index !== chunk.meta.index || inc.meta.term !== chunk.meta.term || chunk.offset !== inc.received) {
      this.#incoming = undefined; // a chunk went missing: the leader will retry from the start
      return;
    }
    inc.parts.push(chunk.data);
    inc.received += chunk.data.length;
    if (inc.received < inc.total) return;
    this.#incoming = undefined;
    const data = new Uint8Array(inc.total);
    let off = 0;
    for (const p of inc.parts) {
      data.set(p, off);
      off += p.length;
    }
    const snap: Snapshot = { meta: inc.meta, data };
    if (this.#restore(snap)) this.#send({ type: 'app-resp', to: m.from, index: this.log.lastIndex() });
    else this.#send({ type: 'app-resp', to: m.from, index: this.log.committed });
  }

  #restore(snap: Snapshot): boolean {
    if (snap.meta.index <= this.log.committed) return false;
    if (this.role !== 'follower') {
      this.becomeFollower(this.term + 1, NONE);
      return false;
    }
    if (this.log.matchTerm(snap.meta.index, snap.meta.term)) {
      this.log.commitTo(snap.meta.index);
      return false;
    }
    this.log.restore(snap);
    this.conf = snap.meta.conf;
    this.#resetProgress();
    return true;
  }

  // ------------------------------------------------------------------ configuration

  /** Applies a committed configuration change (the application calls this via RawNode). */
  applyConfChange(cc: ConfChange): ConfState {
    const next = applyConfChange(this.conf, cc);
    this.conf = next;
    this.#resetProgress();
    if (this.role === 'leader') {
      if (this.#stepDownOnRemoval && !isVoter(this.conf, this.id) && this.conf.votersOutgoing.length === 0) {
        this.becomeFollower(this.term, NONE);
        return next;
      }
      if (this.leadTransferee !== NONE && !isVoter(this.conf, this.leadTransferee)) this.leadTransferee = NONE;
      if (this.#maybeCommit()) this.#bcastAppend();
      else for (const id of this.progress.keys()) if (id !== this.id) this.#sendAppend(id, false);
    }
    return next;
  }

  /**
   * The application persisted the log up to `index` (RawNode.advance calls this): the leader's own
   * progress moves there, which may commit entries.
   */
  onStable(index: number): void {
    if (this.role !== 'leader') return;
    const self = this.progress.get(this.id);
    if (self === undefined || !self.maybeUpdate(index)) return;
    if (this.#maybeCommit()) {
      this.#releaseReadsBeforeCommit();
      this.#bcastAppend();
    }
  }

  /** After applying up to `index`: a leader in an auto-leave joint configuration proposes leaving it. */
  maybeAutoLeave(): void {
    if (this.role !== 'leader' || !this.conf.autoLeave || this.conf.votersOutgoing.length === 0) return;
    if (this.pendingConfIndex > this.log.applied) return;
    const data = encodeConfChange({ changes: [] });
    this.#appendEntries([{ term: 0, index: 0, type: 'conf', data }]);
    this.pendingConfIndex = this.log.lastIndex();
    this.#bcastAppend();
  }
}
