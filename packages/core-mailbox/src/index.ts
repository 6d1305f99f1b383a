/**
 * @packageDocumentation
 * `@shn/core-mailbox`: shards on worker_threads with SharedArrayBuffer rings between them, actors
 * with tell/ask/send and OTP-style supervision, and the in-thread actor host that `@shn/sim` runs
 * too. The composition vocabulary (system definitions, kinds, slots, supervision, errors) lives in
 * `@shn/core`; `defineSystem` is re-exported here for convenience.
 */
// The runtime: createRuntime and what it returns.
export { createRuntime } from './runtime/runtime.js';
export type { Runtime, RuntimeOptions } from './runtime/runtime.js';
export type { RuntimeRef } from './runtime/mesh/messenger.js';
export type { ShardRestartOptions } from './runtime/supervisor/restart-limiter.js';
export { defineSystem } from './runtime/system-definition.js';
export type { SystemDefinition } from './runtime/system-definition.js';
export { defineMessages, message, t } from '@shn/core';
export type { MessageType } from '@shn/core';
export { jumpHashRouter } from './runtime/jump-hash-router.js';

// The actor host of one shard (production and simulation).
export { ActorHost, createActorHost, MAX_TOMBSTONES } from './actors/actor-host.js';
export type { ActorHostOptions } from './actors/actor-host.js';

// Mailboxes and rings, for those who build on the primitives.
export { BoundedMailbox } from './mailbox/bounded-mailbox.js';
export { SpscRing, ringFrameBytes, RING_MIN_CAPACITY, RING_MAX_CAPACITY, RING_FRAME_HEADER_BYTES } from './ring/spsc-ring.js';
export type { ConsumerRecovery } from './ring/spsc-ring.js';
export { Doorbell, DOORBELL_DEFAULT_SPINS, DOORBELL_DEFAULT_SPIN_MICROS } from './ring/doorbell.js';
export type { DoorbellWaitOptions, DoorbellOptions, DoorbellWakeReason } from './ring/doorbell.js';
export { RingMailbox, ringCapacityFor } from './ring/ring-mailbox.js';
export type { RingMailboxOptions } from './ring/ring-mailbox.js';
