/**
 * @packageDocumentation
 * `@shn/core`: the shn contract. Types, interfaces, errors, the wire format and small
 * reference implementations (system clock/timer/rng, seeded rng, in-memory store, JSON and
 * raw codecs). No I/O and no global state.
 */
export * from './errors.js';
export * from './address.js';
export type * from './envelope.js';
export type * from './mailbox.js';
export type * from './clock.js';
export { systemClock, systemTimer, systemRng } from './system.js';
export { seededRng } from './seeded-rng.js';
export type * from './actor.js';
export * from './logger.js';
export * from './supervision.js';
export * from './system-definition.js';
export * from './message-schema.js';
export type * from './actor-host-contract.js';
export type * from './runtime-handle.js';
export { isThenable } from './is-thenable.js';
export { builtModuleUrl } from './built-module-url.js';
export { HEADERS } from './well-known-headers.js';
export { crc32c } from './crc32c.js';
export { fnv1a32, jumpHash } from './jump-hash.js';
export { invalidOption, checkInt, checkPositive, checkFunction } from './option-checks.js';
export * from './middleware.js';
export type * from './observer.js';
export type { ShardLoad, Router, RunQueue } from './routing.js';
export { FifoRunQueue } from './routing.js';
export type * from './transport.js';
export * from './codec.js';
export * from './store.js';
export type * from './sealer.js';
export * from './wire/index.js';
