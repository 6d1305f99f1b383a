import type { ActorRef } from './actor.js';
import type { Clock, Rng, Timer } from './clock.js';
import type { Envelope } from './envelope.js';
import type { ShnError } from './errors.js';
import type { Logger } from './logger.js';
import type { Middleware } from './middleware.js';
import type { RuntimeEvent } from './observer.js';
import type { ActorKindDefinition, Checkpoints, RunQueueFactory } from './system-definition.js';

/**
 * Answers an ask exactly once: `(undefined, result, env)` on success, `(error, undefined, env)` on
 * failure. Hosts never call it synchronously from inside `deliver`.
 */
export type ReplyFn = (error: ShnError | undefined, result: unknown, env: Envelope) => void;

/** What a host reports for one `deliver`: queued, the actor's mailbox was full, or the host is stopping. */
export type DeliverResult = 'accepted' | 'full' | 'closed';

/**
 * Options of an in-thread actor host: everything a runtime (the worker-thread runtime, or the
 * simulator) hands it. The host owns activation, turns, supervision, passivation and shutdown.
 */
export interface ActorHostOptions {
  /** This node's name. */
  readonly node: string;
  /** This shard's index, an integer in [0, 65535]. */
  readonly shard: number;
  /** The actor kinds this shard can host, by kind name. */
  readonly kinds: Readonly<Record<string, ActorKindDefinition>>;
  /** Makes a ref for any kind/id (local or remote); its tell/ask already run send/ask middleware. */
  refFor(kind: string, id: string): ActorRef;
  /** Receive hooks around `actor.receive`, outermost first (send/ask hooks apply to `ctx.spawn` refs). */
  readonly middleware?: readonly Middleware[];
  readonly clock?: Clock;
  readonly timer?: Timer;
  readonly rng?: Rng;
  /** The thread's logger; the host binds `shard` and `actor` with `child`. Default: silent. */
  readonly log?: Logger;
  /** The run-queue slot (default FIFO). */
  readonly runQueue?: RunQueueFactory;
  /** The checkpoint slot, already built for this shard (default none). */
  readonly checkpoints?: Checkpoints;
  /**
   * Called once for every envelope delivered without a reply callback of its own, when it is done
   * (handled, failed or lost), exactly as its reply would be. Lets a runtime use one shared
   * completion callback for every message without the host wrapping each one. Default: none
   * (such envelopes are tells; a lost one is reported as `message-lost`).
   */
  readonly onDone?: ReplyFn;
  /** `actor-restarted`, `actor-stopped` and `message-lost` events. Must not throw. */
  onEvent?(event: RuntimeEvent): void;
  /** Called when the guardian gives up on a top-level actor (its kind's intensity was exceeded). */
  onEscalate?(actor: string, error: ShnError): void;
  /** Most messages one actor handles before the next ready actor gets a turn; default 64. */
  readonly batchSize?: number;
  /** Most messages handled per event-loop turn before yielding; default 1024. */
  readonly turnBudget?: number;
  /** How the host yields to the event loop when a turn's budget ran out (default `timer.setTimeout(fn, 0)`). */
  yieldTurn?(fn: () => void): void;
}

/**
 * The shape of an in-thread actor host, so that a runtime, the simulator or a test drives the same
 * host: `@shn/core-mailbox`'s `ActorHost` implements it, and `@shn/sim` hosts its actors through it.
 */
export interface ActorHostContract {
  /** Envelopes queued across all local actors. */
  readonly queued: number;
  /** Envelopes handled so far. */
  readonly processed: number;
  /** Milliseconds spent running actor code (for the busy-ratio gauge). */
  readonly busyMs: number;
  /** Ids (`kind/id`) of live actors. */
  actors(): string[];
  /** A ref to `kind/id` on this very host, bypassing the router. */
  localRef(kind: string, id: string): ActorRef;
  /**
   * Delivers one envelope to its local actor, activating it if needed. `reply`, given for an ask,
   * is called exactly once, never synchronously inside this call.
   */
  deliver(env: Envelope, reply?: ReplyFn): DeliverResult;
  /** {@link deliver}, then runs ready actors before returning. */
  deliverNow(env: Envelope, reply?: ReplyFn): DeliverResult;
  /** Graceful shutdown: stop accepting, drain (bounded by `timeoutMs`), run stop hooks. Idempotent. */
  shutdown(options?: { timeoutMs?: number }): Promise<void>;
}

/** Makes a host; what a simulator or test takes so it can run the production host without depending on it. */
export type ActorHostFactory = (options: ActorHostOptions) => ActorHostContract;
