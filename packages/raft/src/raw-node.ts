import { ShnError } from '@shn/core';
import { checkConfChange, decodeConfChange, encodeConfChange } from './conf-change.js';
import { Raft } from './raft.js';
import type { RaftOptions } from './raft.js';
import type { ConfChange, ConfState, Entry, HardState, Message, NodeId, Ready, Role, SoftState } from './types.js';
import { NONE } from './types.js';

const LOCAL_TYPES = new Set(['hup', 'beat', 'check-quorum', 'unreachable', 'snap-status']);

/** A summary of a node for status pages and tests. */
export interface RaftStatus {
  readonly id: NodeId;
  readonly term: number;
  readonly vote: NodeId;
  readonly role: Role;
  readonly lead: NodeId;
  readonly commit: number;
  readonly applied: number;
  readonly lastIndex: number;
  readonly conf: ConfState;
  /** Per-peer replication state (leader only). */
  readonly progress: Readonly<Record<NodeId, { match: number; next: number; state: string }>>;
}

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

/**
 * The application's handle on a Raft node, in the shape of etcd-io/raft's RawNode: call
 * {@link tick} at a fixed interval, {@link step} every message that arrives, and whenever
 * {@link hasReady} is true take {@link ready}, do what it says (see {@link Ready}), then call
 * {@link advance}. No I/O, no timers, no threads: everything is deterministic given the Rng.
 */
export class RawNode {
  readonly raft: Raft;
  #prevHard: HardState;
  #prevSoft: SoftState;
  #pending: Ready | undefined;
  readonly #maxApplyBytes: number;

  /** @throws ShnError `INVALID_ARGUMENT` for bad options, `DATA_CORRUPT` for an inconsistent storage. */
  constructor(options: RaftOptions & { readonly maxApplyBytes?: number }) {
    this.raft = new Raft(options);
    this.#prevHard = this.raft.hardState();
    this.#prevSoft = { lead: this.raft.lead, role: this.raft.role };
    this.#maxApplyBytes = options.maxApplyBytes ?? 64 << 20;
  }

  /** Advances logical time by one tick (elections, heartbeats, check-quorum). */
  tick(): void {
    this.raft.tick();
  }

  /** Starts an election now (if this node may). */
  campaign(): void {
    this.raft.step({ type: 'hup', from: this.raft.id, to: this.raft.id, term: 0 });
  }

  /**
   * Proposes application data. A follower forwards it to the leader.
   * @throws ShnError `NOT_LEADER` when no leader is known or leadership is moving, `OVERLOADED`
   *   past the uncommitted limit, `INVALID_ARGUMENT` for non-bytes.
   */
  propose(data: Uint8Array): void {
    if (!(data instanceof Uint8Array)) throw new ShnError('INVALID_ARGUMENT', 'raft: a proposal must be a Uint8Array');
    this.raft.step({ type: 'prop', from: this.raft.id, to: this.raft.id, term: 0, entries: [{ term: 0, index: 0, type: 'normal', data }] });
  }

  /**
   * Proposes a configuration change (see {@link ConfChange}); it takes effect when the application
   * applies the committed entry with {@link applyConfChange}.
   * @throws ShnError `INVALID_ARGUMENT` for a malformed or disallowed change, `NOT_LEADER` as for {@link propose}.
   */
  proposeConfChange(cc: ConfChange): void {
    const data = encodeConfChange(checkConfChange(cc));
    this.raft.step({ type: 'prop', from: this.raft.id, to: this.raft.id, term: 0, entries: [{ term: 0, index: 0, type: 'conf', data }] });
  }

  /** Applies a committed `conf` entry's change; returns the new configuration. */
  applyConfChange(entryOrChange: Entry | ConfChange): ConfState {
    const cc = 'data' in entryOrChange ? decodeConfChange(entryOrChange.data) : checkConfChange(entryOrChange);
    return this.raft.applyConfChange(cc);
  }

  /**
   * Requests a linearizable read. A later Ready carries a ReadState with `context` and the index
   * the state machine must have applied before it answers.
   * @throws ShnError `NOT_LEADER` when no leader is known.
   */
  readIndex(context: string): void {
    if (typeof context !== 'string' || context.length === 0) throw new ShnError('INVALID_ARGUMENT', 'raft: a read context must be a non-empty string');
    this.raft.step({ type: 'read-index', from: this.raft.id, to: this.raft.id, term: 0, context });
  }

  /** Asks the leader to hand leadership to `to` (which must be a voter). */
  transferLeader(to: NodeId): void {
    this.raft.step({ type: 'transfer-leader', from: this.raft.id, to: this.raft.id, term: 0, context: to });
  }

  /**
   * Handles a message from a peer.
   * @throws ShnError `INVALID_ARGUMENT` for a local message type or a message from a node outside
   *   the configuration that is not a vote or an append from a leader.
   */
  step(m: Message): void {
    if (typeof m !== 'object' || m === null || typeof m.type !== 'string') throw new ShnError('INVALID_ARGUMENT', 'raft: malformed message');
    if (LOCAL_TYPES.has(m.type)) throw new ShnError('INVALID_ARGUMENT', `raft: ${m.type} is a local message and cannot come from a peer`);
    if (m.to !== this.raft.id) throw new ShnError('INVALID_ARGUMENT', `raft: message for ${JSON.stringify(m.to)} delivered to ${this.raft.id}`);
    const known = this.raft.progress.has(m.from);
    const fromLeaderish = m.type === 'app' || m.type === 'heartbeat' || m.type === 'snap' || m.type === 'vote' || m.type === 'pre-vote' || m.type === 'timeout-now';
    if (!known && !fromLeaderish && this.raft.role === 'leader') {
      throw new ShnError('INVALID_ARGUMENT', `raft ${this.raft.id}: message ${m.type} from unknown node ${JSON.stringify(m.from)}`);
    }
    this.raft.step(m);
  }

  /** Tells the leader that `id` could not be reached (its progress falls back to probing). */
  reportUnreachable(id: NodeId): void {
    this.raft.step({ type: 'unreachable', from: id, to: this.raft.id, term: 0 });
  }

  /** Tells the leader whether a snapshot to `id` was delivered. */
  reportSnapshot(id: NodeId, ok: boolean): void {
    this.raft.step({ type: 'snap-status', from: id, to: this.raft.id, term: 0, reject: !ok });
  }

  /** True if there is something to persist, send or apply. */
  hasReady(): boolean {
    const r = this.raft;
    if (r.lead !== this.#prevSoft.lead || r.role !== this.#prevSoft.role) return true;
    if (!sameHardState(r.hardState(), this.#prevHard)) return true;
    return (
      r.log.unstableEntries().length > 0 ||
      r.log.unstableSnapshot() !== undefined ||
      r.msgs.length > 0 ||
      r.readStates.length > 0 ||
      r.log.hasNextCommittedEntries()
    );
  }

  /**
   * What to do next (see {@link Ready}). Call {@link advance} after doing it, before the next `ready`.
   * @throws ShnError `INVALID_ARGUMENT` if the previous Ready was not advanced.
   */
  ready(): Ready {
    if (this.#pending !== undefined) throw new ShnError('INVALID_ARGUMENT', 'raft: advance() the previous Ready first');
    const r = this.raft;
    const hs = r.hardState();
    const soft = { lead: r.lead, role: r.role };
    const entries = [...r.log.unstableEntries()];
    const snapshot = r.log.unstableSnapshot();
    const hardChanged = !sameHardState(hs, this.#prevHard);
    const rd: Ready = {
      ...(soft.lead !== this.#prevSoft.lead || soft.role !== this.#prevSoft.role ? { softState: soft } : {}),
      ...(hardChanged ? { hardState: hs } : {}),
      entries,
      ...(snapshot === undefined ? {} : { snapshot }),
      committedEntries: r.log.nextCommittedEntries(this.#maxApplyBytes),
      messages: r.msgs,
      readStates: r.readStates,
      mustSync: entries.length > 0 || (hardChanged && (hs.term !== this.#prevHard.term || hs.vote !== this.#prevHard.vote)),
    };
    r.msgs = [];
    r.readStates = [];
    this.#pending = rd;
    return rd;
  }

  /**
   * Confirms that the last Ready was handled: its entries and snapshot are stable and its committed
   * entries applied.
   * @throws ShnError `INVALID_ARGUMENT` if there is no Ready to advance.
   */
  advance(): void {
    const rd = this.#pending;
    if (rd === undefined) throw new ShnError('INVALID_ARGUMENT', 'raft: advance() without a Ready');
    this.#pending = undefined;
    const r = this.raft;
    if (rd.softState !== undefined) this.#prevSoft = rd.softState;
    if (rd.hardState !== undefined) this.#prevHard = rd.hardState;
    if (rd.snapshot !== undefined) {
      r.log.stableSnapTo(rd.snapshot.meta.index);
      if (rd.snapshot.meta.index > r.log.applied) r.log.applied = rd.snapshot.meta.index;
    }
    const last = rd.entries[rd.entries.length - 1];
    if (last !== undefined) {
      r.log.stableTo(last.index, last.term);
      r.onStable(r.log.stableLastIndex());
    }
    const applied = rd.committedEntries[rd.committedEntries.length - 1];
    if (applied !== undefined) r.log.appliedTo(applied.index);
    r.maybeAutoLeave();
  }

  /** A summary of this node. */
  status(): RaftStatus {
    const r = this.raft;
    const progress: Record<NodeId, { match: number; next: number; state: string }> = {};
    if (r.role === 'leader') for (const [id, pr] of r.progress) progress[id] = { match: pr.match, next: pr.next, state: pr.state };
    return {
      id: r.id,
      term: r.term,
      vote: r.vote,
      role: r.role,
      lead: r.lead === NONE ? NONE : r.lead,
      commit: r.log.committed,
      applied: r.log.applied,
      lastIndex: r.log.lastIndex(),
      conf: r.conf,
      progress,
    };
  }
}
