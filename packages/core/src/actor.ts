import type { Address } from './address.js';
import type { Clock, Rng, Timer } from './clock.js';
import type { AskOptions, Envelope, SendOptions } from './envelope.js';
import type { Logger } from './logger.js';

export type { Logger } from './logger.js';

/** A handle to an actor, wherever it lives. */
export interface ActorRef {
  /** Where the actor lives (shard resolved by the router). */
  readonly address: Address;
  /**
   * Fire-and-forget send. Resolves to `accepted`, or `full` when the target mailbox had no
   * room (nothing was queued; the caller decides), or `closed` when the runtime is stopping.
   */
  tell(type: string, body?: unknown, options?: SendOptions): 'accepted' | 'full' | 'closed';
  /**
   * Request/reply. Resolves with the actor's return value; rejects with a ShnError:
   * `TIMEOUT`, `DEADLINE_EXCEEDED`, `ACTOR_FAILED`, `ACTOR_NOT_FOUND`, `MAILBOX_FULL`,
   * `SHARD_CRASHED` or `RUNTIME_CLOSED`.
   */
  ask<R = unknown>(type: string, body?: unknown, options?: AskOptions): Promise<R>;
}

/** What an actor sees while it runs. */
export interface ActorContext {
  /** This actor's address. */
  readonly self: Address;
  /** The id part of `kind/id`. */
  readonly id: string;
  /** A reference to any actor by kind and id. */
  ref(kind: string, id: string): ActorRef;
  /** Sends to another actor (shorthand for `ref(kind,id).tell(...)`). */
  tell(to: ActorRef, type: string, body?: unknown, options?: SendOptions): 'accepted' | 'full' | 'closed';
  /** Asks another actor. */
  ask<R = unknown>(to: ActorRef, type: string, body?: unknown, options?: AskOptions): Promise<R>;
  /** Starts (or returns) a child actor supervised by this one. */
  spawn(kind: string, id: string): ActorRef;
  /** Stops an actor (this one when omitted). */
  stop(ref?: ActorRef): void;
  readonly clock: Clock;
  readonly timer: Timer;
  readonly rng: Rng;
  readonly log: Logger;
}

/**
 * An actor's behaviour. `receive` handles one envelope at a time; for an ask, its return
 * value (awaited) is the reply and a throw becomes an `ACTOR_FAILED` rejection.
 */
export interface ActorBehavior {
  receive(env: Envelope, ctx: ActorContext): unknown;
  /** Called once before the first message (and after every restart). */
  start?(ctx: ActorContext): void | Promise<void>;
  /** Called once when the actor stops (not after a crash). */
  stop?(ctx: ActorContext): void | Promise<void>;
  /** Serialises state for checkpoints. */
  snapshot?(): Uint8Array;
  /** Restores state produced by `snapshot`. */
  restore?(bytes: Uint8Array): void;
}

/** Creates a fresh behaviour for the actor `kind/id` (called again on every restart). */
export type ActorFactory = (id: string) => ActorBehavior;
