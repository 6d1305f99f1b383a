import { ShnError, actorName, assertActorId } from '@shn/core';
import type { ActorHostContract, ActorHostFactory, ActorHostOptions as CoreActorHostOptions, ActorRef, Envelope } from '@shn/core';
import { Checkpointing } from './checkpointing.js';
import { HostShutdown } from './host-shutdown.js';
import { DEFAULT_SHUTDOWN_TIMEOUT_MS, HostState } from './host-state.js';
import { LocalActorRef } from './local-actor-ref.js';
import { Passivation } from './passivation.js';
import type { ReplyFn } from './queued-ask.js';
import { ReadyQueue } from './ready-queue.js';
import { Supervisor } from './supervisor.js';

export { MAX_TOMBSTONES } from './host-state.js';

/**
 * Options of an {@link ActorHost}: `@shn/core`'s `ActorHostOptions` (node, shard, kinds, refFor,
 * middleware, clock/timer/rng, log, the `runQueue` and `checkpoints` slots, onEvent, onEscalate,
 * batchSize, turnBudget, yieldTurn).
 */
export type ActorHostOptions = CoreActorHostOptions;

/**
 * The in-thread actor system of one shard, with OTP/Akka-style supervision.
 *
 * The runtime creates one host per shard thread and feeds it envelopes with {@link deliver}. Each
 * actor handles one message at a time, in arrival order (an async `receive` holds the actor until
 * it settles); different actors are interleaved in bounded batches. Top-level actors (activated by
 * messages) are supervised one-for-one by the shard guardian; actors created with `ctx.spawn` are
 * children of the spawning actor and supervised with its kind's strategy and intensity.
 */
export class ActorHost implements ActorHostContract {
  readonly #h: HostState;

  /**
   * @throws ShnError `INVALID_ARGUMENT` on a bad node, shard, kind definition, `refFor`, batch
   * size, turn budget, run-queue factory or checkpoints.
   */
  constructor(options: ActorHostOptions) {
    const h = new HostState(options);
    h.turns = new ReadyQueue(h);
    h.supervisor = new Supervisor(h);
    h.passivation = new Passivation(h);
    h.drain = new HostShutdown(h);
    h.checkpointing = new Checkpointing(h);
    this.#h = h;
  }

  /** Number of envelopes queued across all local actors (a gauge). */
  get queued(): number {
    return this.#h.queued;
  }

  /** Envelopes handled so far: receive ran to completion, successfully or not (a gauge). */
  get processed(): number {
    return this.#h.processed;
  }

  /**
   * Milliseconds (from `clock.monotonic()`) spent running actor code synchronously: start hooks,
   * receive calls and middleware, summed per scheduling turn (for the busy-ratio gauge), plus the
   * whole of every {@link beginTurn} turn. Time an async receive spends awaiting I/O is not counted.
   */
  get busyMs(): number {
    return this.#h.busyMs;
  }

  /**
   * Opens a busy turn that is timed as a whole: until the matching {@link endTurn}, pumps inside it
   * do not read the clock, and the turn's whole time (the caller's work between the two calls
   * included) counts towards {@link busyMs}. A shard thread opens one per batch of inbound frames,
   * so it reads the clock twice per batch instead of twice per message (a clock read costs about
   * 55 ns on the development machine). Turns nest; only the outermost one is timed.
   */
  beginTurn(): void {
    if (this.#h.turnDepth++ === 0) this.#h.turnStart = this.#h.clock.monotonic();
  }

  /**
   * Closes the turn opened by {@link beginTurn}.
   * @throws ShnError `INVALID_ARGUMENT` if no turn is open.
   */
  endTurn(): void {
    if (this.#h.turnDepth === 0) throw new ShnError('INVALID_ARGUMENT', 'ActorHost.endTurn: no turn is open');
    if (--this.#h.turnDepth === 0) this.#h.busyMs += this.#h.clock.monotonic() - this.#h.turnStart;
  }

  /** Ids of live actors (kind/id), for tests and admin. Per-shard kinds appear as `kind/<shard>`. */
  actors(): string[] {
    return [...this.#h.cells.keys()];
  }

  /**
   * A local ref to `kind/id` on this shard (what `ctx.spawn` returns), bypassing the router.
   * Its tell/ask run the send/ask hooks of `options.middleware`.
   * @throws ShnError `INVALID_ARGUMENT` on a bad kind or id.
   */
  localRef(kind: string, id: string): ActorRef {
    const name = actorName(kind, id);
    assertActorId(kind, id);
    return new LocalActorRef({ node: this.#h.node, shard: this.#h.shard, actor: name }, this.#h.refTarget);
  }

  /**
   * Graceful shutdown: stop accepting, let every mailbox drain (bounded by timeoutMs; leftovers rejected with
   * RUNTIME_CLOSED and reported as 'message-lost'), then call stop hooks children-before-parents.
   * Idempotent: later calls return the first call's promise. Stop hooks that throw are logged.
   * @param options.timeoutMs - drain bound in ms (default 5000).
   * @throws ShnError `INVALID_ARGUMENT` (as a rejection) if timeoutMs is not a finite number >= 0.
   */
  shutdown(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.#h.shutdownPromise !== undefined) return this.#h.shutdownPromise;
    const timeoutMs = options.timeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
      return Promise.reject(new ShnError('INVALID_ARGUMENT', `timeoutMs must be a finite number >= 0, got ${String(timeoutMs)}`));
    }
    const done = this.#h.drain.runShutdown(timeoutMs);
    this.#h.shutdownPromise = done;
    return done;
  }

  /**
   * Delivers one envelope to the local actor `env.to.actor` (kind/id), activating it if needed.
   * Returns 'accepted' (queued), 'full' (that actor's mailbox is full; nothing queued) or 'closed' (host stopping).
   * Unknown kind: returns 'accepted' but the reply (if any) rejects with ACTOR_NOT_FOUND — see `reply` below
   * (runtimes refuse unknown kinds at the call, before an envelope is built). An actor removed for
   * good after an escalation is refused the same way, with ACTOR_FAILED.
   * With a `runQueue` slot, an accepted envelope first waits in the run queue, which decides the
   * order in which envelopes reach their actors' mailboxes; `full` still means that actor's mailbox
   * (plus what the run queue holds for it) is at capacity.
   * If `reply` is given (an ask), it is called exactly once with (undefined, result) or (error, undefined), where
   * error is a ShnError: ACTOR_FAILED (receive threw; original message kept in .message, cause chained),
   * DEADLINE_EXCEEDED (env.deadline passed before receive started: the actor is NOT run),
   * ACTOR_NOT_FOUND, or RUNTIME_CLOSED (host stopped before the message ran).
   *
   * `reply` is called only when 'accepted' is returned, and never synchronously inside `deliver`.
   * A malformed envelope (no `kind/id` in `to.actor`) is treated like an unknown kind but with
   * `INVALID_ARGUMENT`. A tell that can never run (unknown kind, deadline passed, actor stopped
   * for good) is reported as a 'message-lost' event.
   * @throws ShnError `INVALID_ARGUMENT` if `reply` is neither undefined nor a function.
   */
  deliver(env: Envelope, reply?: ReplyFn): 'accepted' | 'full' | 'closed' {
    return this.#h.turns.deliver(env, reply);
  }

  /**
   * {@link deliver}, then runs ready actors right away instead of in a later microtask, so a
   * synchronous `receive` has finished when this returns. The shard loop uses it to hand over one
   * frame at a time without an `await` per frame. Same results and reply rules as `deliver`
   * (`reply` is still never called synchronously from inside the `deliver` step itself).
   */
  deliverNow(env: Envelope, reply?: ReplyFn): 'accepted' | 'full' | 'closed' {
    return this.#h.turns.deliverNow(env, reply);
  }
}

/** An {@link ActorHostFactory} for the production host: what `@shn/sim` and tests take to run the real host. */
export const createActorHost: ActorHostFactory = (options) => new ActorHost(options as ActorHostOptions);
