/**
 * @packageDocumentation
 * The in-thread actor system of one shard: virtual (per-id) and per-shard actors, per-actor
 * bounded mailboxes, ask/reply, passivation and OTP/Akka-style supervision.
 */
export type { RestartPolicy, SupervisionStrategy, RestartIntensity, ActorKindDefinition, ResolvedActorKind } from './actor-kind.js';
export { DEFAULT_RESTART_INTENSITY, DEFAULT_MAILBOX_CAPACITY, resolveActorKind } from './actor-kind.js';
export type { ActorHostOptions } from './actor-host.js';
export { ActorHost, createActorHost } from './actor-host.js';
export type { LocalRefTarget } from './local-actor-ref.js';
export { LocalActorRef } from './local-actor-ref.js';
export { RestartWindow } from '@shn/core';
export type { ExitReason } from './supervision-plan.js';
export { shouldRestart, restartGroup } from './supervision-plan.js';
export { silentLogger } from '@shn/core';
