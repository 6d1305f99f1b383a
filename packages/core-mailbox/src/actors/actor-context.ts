import { childLogger } from '@shn/core';
import type { ActorContext, ActorRef, Address, AskOptions, Clock, Logger, Rng, SendOptions, Timer } from '@shn/core';

/** The host operations an {@link ActorCellContext} delegates to. */
export interface ContextHost {
  readonly clock: Clock;
  readonly timer: Timer;
  readonly rng: Rng;
  readonly log: Logger;
  refFor(kind: string, id: string): ActorRef;
  /** Spawns (or returns) a child of the actor `parentName`. */
  spawnChild(parentName: string, kind: string, id: string): ActorRef;
  /** Stops `target` (or the actor `selfName` when omitted) normally. */
  stopActor(selfName: string, target: ActorRef | undefined): void;
}

/** The {@link ActorContext} of one local actor; one object per actor, shared by its incarnations. */
export class ActorCellContext implements ActorContext {
  readonly self: Address;
  readonly id: string;
  readonly #host: ContextHost;
  #log: Logger | undefined;

  constructor(self: Address, id: string, host: ContextHost) {
    this.self = self;
    this.id = id;
    this.#host = host;
  }

  get clock(): Clock {
    return this.#host.clock;
  }
  get timer(): Timer {
    return this.#host.timer;
  }
  get rng(): Rng {
    return this.#host.rng;
  }
  /** The thread's logger with `actor` bound (made on first use, then kept). */
  get log(): Logger {
    return (this.#log ??= childLogger(this.#host.log, { actor: this.self.actor }));
  }

  /** A ref to any actor (local or remote), as made by the runtime's `refFor`. */
  ref(kind: string, id: string): ActorRef {
    return this.#host.refFor(kind, id);
  }

  /** `to.tell(type, body, options)`. */
  tell(to: ActorRef, type: string, body?: unknown, options?: SendOptions): 'accepted' | 'full' | 'closed' {
    return to.tell(type, body, options);
  }

  /** `to.ask(type, body, options)`. */
  ask<R = unknown>(to: ActorRef, type: string, body?: unknown, options?: AskOptions): Promise<R> {
    return to.ask<R>(type, body, options);
  }

  /**
   * Starts a child of this actor on this shard (or returns a ref to the live actor of that name).
   * @throws ShnError `ACTOR_NOT_FOUND` (unknown kind), `INVALID_ARGUMENT` (bad kind/id or a
   * per-shard kind), `RUNTIME_CLOSED` (host past its shutdown drain).
   */
  spawn(kind: string, id: string): ActorRef {
    return this.#host.spawnChild(this.self.actor, kind, id);
  }

  /**
   * Stops an actor of this shard normally (this one when omitted), after its current message.
   * @throws ShnError `UNSUPPORTED` if `ref` points to another shard or node.
   */
  stop(ref?: ActorRef): void {
    this.#host.stopActor(this.self.actor, ref);
  }
}
