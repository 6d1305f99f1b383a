/** A node's id in a Raft group: a non-empty string of at most 128 characters. */
export type NodeId = string;

/** `none`: no node (no leader known, no vote cast). */
export const NONE: NodeId = '';

/** What an entry carries: application data, or a configuration change. */
export type EntryType = 'normal' | 'conf';

/** One log entry. `index` starts at 1; `term` at 1 for the first leader's entries. */
export interface Entry {
  readonly term: number;
  readonly index: number;
  readonly type: EntryType;
  /** For `normal`: application bytes (empty for a leader's no-op). For `conf`: an encoded {@link ConfChange}. */
  readonly data: Uint8Array;
}

/** What must survive a crash besides the log: the current term, the vote cast in it, and the commit index. */
export interface HardState {
  readonly term: number;
  readonly vote: NodeId;
  readonly commit: number;
}

/**
 * A group configuration. Outside joint consensus `votersOutgoing` is empty. During a joint
 * configuration both `voters` (incoming) and `votersOutgoing` must agree (two majorities).
 * `learnersNext` holds nodes that become learners when the joint configuration is left (they are
 * voters of the outgoing configuration until then).
 */
export interface ConfState {
  readonly voters: readonly NodeId[];
  readonly votersOutgoing: readonly NodeId[];
  readonly learners: readonly NodeId[];
  readonly learnersNext: readonly NodeId[];
  /** Leave the joint configuration automatically once it is applied (default for joint changes). */
  readonly autoLeave: boolean;
}

/** A snapshot's metadata: the last index and term it covers and the configuration at that index. */
export interface SnapshotMeta {
  readonly index: number;
  readonly term: number;
  readonly conf: ConfState;
}

/** An application snapshot: state-machine bytes as of `meta.index`. */
export interface Snapshot {
  readonly meta: SnapshotMeta;
  readonly data: Uint8Array;
}

/** One change of a configuration change. */
export interface ConfChangeItem {
  readonly type: 'add-voter' | 'add-learner' | 'remove';
  readonly node: NodeId;
}

/**
 * A configuration change. One voter change (or learner changes only) is applied directly; several
 * voter changes (or `transition: 'joint-explicit' | 'joint-auto'`) enter joint consensus. An empty
 * `changes` list leaves a joint configuration.
 */
export interface ConfChange {
  readonly changes: readonly ConfChangeItem[];
  /** `auto` (default): simple when possible, else joint and left automatically. */
  readonly transition?: 'auto' | 'joint-auto' | 'joint-explicit';
}

/** Message types between Raft nodes (and the local ones the node steps itself). */
export type MessageType =
  | 'hup'
  | 'beat'
  | 'prop'
  | 'app'
  | 'app-resp'
  | 'vote'
  | 'vote-resp'
  | 'pre-vote'
  | 'pre-vote-resp'
  | 'snap'
  | 'heartbeat'
  | 'heartbeat-resp'
  | 'unreachable'
  | 'snap-status'
  | 'check-quorum'
  | 'transfer-leader'
  | 'timeout-now'
  | 'read-index'
  | 'read-index-resp';

/** One chunk of a snapshot in transit (InstallSnapshot). */
export interface SnapshotChunk {
  readonly meta: SnapshotMeta;
  /** Byte offset of `data` in the whole snapshot. */
  readonly offset: number;
  /** Total snapshot size in bytes. */
  readonly total: number;
  readonly data: Uint8Array;
}

/** A Raft message. Only the fields its type uses are set. */
export interface Message {
  readonly type: MessageType;
  readonly from: NodeId;
  readonly to: NodeId;
  /** 0 for local messages. */
  readonly term: number;
  /** The log term of `index` (app: the previous entry; vote: the last entry; reject hint term for app-resp). */
  readonly logTerm?: number;
  /** app: the index before `entries`; app-resp: the last index now matched (or the rejected index); vote: last index. */
  readonly index?: number;
  readonly entries?: readonly Entry[];
  readonly commit?: number;
  readonly reject?: boolean;
  readonly rejectHint?: number;
  readonly snapshot?: SnapshotChunk;
  /** Read-index and heartbeat context; `transfer` on a vote forced by leadership transfer. */
  readonly context?: string;
}

/** A linearizable read that is ready: the state machine may serve it once it has applied `index`. */
export interface ReadState {
  readonly index: number;
  readonly context: string;
}

/** A node's role. */
export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

/** Volatile state worth reporting: who leads and in what role this node is. */
export interface SoftState {
  readonly lead: NodeId;
  readonly role: Role;
}

/**
 * What the application must do next, returned by `RawNode.ready()`:
 * 1. persist `hardState` (if set), `entries` and `snapshot` (if set) atomically, fsyncing when `mustSync`;
 * 2. send `messages`;
 * 3. apply `snapshot` then `committedEntries` to the state machine (call `applyConfChange` for `conf` entries);
 * 4. serve `readStates` once their index is applied;
 * 5. call `advance()`.
 */
export interface Ready {
  readonly softState?: SoftState;
  readonly hardState?: HardState;
  readonly entries: readonly Entry[];
  readonly snapshot?: Snapshot;
  readonly committedEntries: readonly Entry[];
  readonly messages: readonly Message[];
  readonly readStates: readonly ReadState[];
  /** True when `hardState` or `entries` changed durable state: the write must be fsynced before messages go out. */
  readonly mustSync: boolean;
}

/** An empty configuration. */
export const EMPTY_CONF: ConfState = Object.freeze({
  voters: Object.freeze([]),
  votersOutgoing: Object.freeze([]),
  learners: Object.freeze([]),
  learnersNext: Object.freeze([]),
  autoLeave: false,
});

/** The empty hard state of a fresh node. */
export const EMPTY_HARD_STATE: HardState = Object.freeze({ term: 0, vote: NONE, commit: 0 });
