/**
 * @packageDocumentation
 * `@shn/crdt`: conflict-free replicated data types for shn. Counters, registers, sets and
 * maps (and a text CRDT), each replicable three ways: state-based merge, delta-state
 * (joinable, batchable deltas) and op-based with a causal-delivery buffer; a compact
 * versioned binary encoding; garbage collection of causal metadata; and a transport-agnostic
 * anti-entropy protocol with an actor behaviour. Depends only on `@shn/core`.
 */
export type { CrdtType, StateOf, ValueOf } from './types/crdt-type.js';
export { gCounter, checkAmount } from './types/g-counter.js';
export type { GCounterState } from './types/g-counter.js';
export { pnCounter } from './types/pn-counter.js';
export type { PnCounterState } from './types/pn-counter.js';
export { HybridLogicalClock, compareHlc } from './types/hybrid-logical-clock.js';
export type { HlcTimestamp } from './types/hybrid-logical-clock.js';
export { lwwRegister } from './types/lww-register.js';
export type { LwwRegisterState, LwwWrite } from './types/lww-register.js';
export { mvRegister } from './types/mv-register.js';
export type { MvRegisterState } from './types/mv-register.js';
export type { Json } from './types/json-value.js';
export { gSet } from './types/g-set.js';
export type { GSetState } from './types/g-set.js';
export { twoPhaseSet } from './types/two-phase-set.js';
export type { TwoPhaseSetState } from './types/two-phase-set.js';
export { orSet } from './types/or-set.js';
export type { OrSetState } from './types/or-set.js';
export { orMap } from './types/or-map.js';
export type { OrMapState, OrMapType } from './types/or-map.js';

export type { Dot } from './causal/dot.js';
export type { CausalContext } from './causal/causal-context.js';
export { ccContains, ccJoin, ccCompact, ccEmpty, ccFromDots, ccNextDot } from './causal/causal-context.js';
export type { DotKernel } from './causal/dot-kernel.js';
export type { VersionVector } from './causal/version-vector.js';
export { vvGet, vvJoin, vvMeet, vvDominates, vvEquals } from './causal/version-vector.js';

export { stateCodec, CRDT_FORMAT_VERSION } from './codec/crdt-codec.js';
export { CrdtWriter, ByteWriter } from './encoding/crdt-writer.js';
export { CrdtReader, ByteReader } from './encoding/crdt-reader.js';

export { Replica } from './replica/replica.js';
export { incarnationId, checkReplicaId, MAX_REPLICA_ID_LENGTH } from './replica/replica-id.js';

export { opCodec } from './replication/op.js';
export type { Op } from './replication/op.js';
export { OpReplicator } from './replication/op-replicator.js';
export type { OpReceipt, DroppedOp, OpReplicatorOptions } from './replication/op-replicator.js';

export { AntiEntropyNode } from './sync/anti-entropy-node.js';
export type { AntiEntropyEvent, AntiEntropyOptions, Outgoing } from './sync/anti-entropy-node.js';
export { antiEntropyBehavior, sendSyncMessages, SYNC_TICK_ENVELOPE_TYPE } from './sync/anti-entropy-behavior.js';
export type { AntiEntropyBehaviorOptions } from './sync/anti-entropy-behavior.js';
export { parseSyncMessage, SYNC_ENVELOPE_TYPE } from './sync/sync-message.js';
export type { SyncMessage, DigestMessage, ChunkMessage } from './sync/sync-message.js';
export * from './text/index.js';
