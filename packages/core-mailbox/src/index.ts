/**
 * @packageDocumentation
 * `@shn/core-mailbox`: mailboxes, SharedArrayBuffer rings, shards on worker_threads, actors,
 * ask/reply and supervision.
 */
export { BoundedMailbox } from './mailbox/bounded-mailbox.js';
export * from './ring/index.js';
export * from './actors/index.js';
export { createRuntime } from './runtime/runtime.js';
export type { Runtime, RuntimeOptions } from './runtime/runtime.js';
export type { RuntimeRef } from './runtime/messenger.js';
export type { ShardRestartOptions } from './runtime/restart-limiter.js';
export { defineSystem } from './runtime/system-definition.js';
export type { SystemDefinition } from './runtime/system-definition.js';
export { jumpHashRouter, jumpHash, fnv1a32 } from './runtime/jump-hash-router.js';
export { writeValue, readValue } from './runtime/value-codec.js';
export { ByteWriter } from './runtime/byte-writer.js';
export { ByteReader } from './runtime/byte-reader.js';
export { FRAME_VERSION } from './runtime/frame.js';
