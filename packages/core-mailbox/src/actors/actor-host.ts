import { RestartWindow, ShnError, actorName, address, assertActorId, childLogger, compose, isThenable, silentLogger, systemClock, systemRng, systemTimer } from '@shn/core';
import type {
  ActorBehavior,
  ActorHostContract,
  ActorHostFactory,
  ActorHostOptions as CoreActorHostOptions,
  ActorRef,
  Checkpoints,
  Clock,
  Envelope,
  Logger,
  Middleware,
  Next,
  RunQueue,
  RuntimeEvent,
  Timer,
} from '@shn/core';
import { ActorCell } from './actor-cell.js';
import { ActorCellContext } from './actor-context.js';
import type { ContextHost } from './actor-context.js';
import { resolveActorKind } from './actor-kind.js';
import type { ActorKindDefinition, ResolvedActorKind } from './actor-kind.js';
import { LocalActorRef } from './local-actor-ref.js';
import type { LocalRefTarget } from './local-actor-ref.js';
import { QueuedAsk } from './queued-ask.js';
import type { MailboxItem, ReplyFn } from './queued-ask.js';
import { restartGroup, shouldRestart } from './supervision-plan.js';
import type { ExitReason } from './supervision-plan.js';

/**
 * Options of an {@link ActorHost}: `@shn/core`'s `ActorHostOptions` (node, shard, kinds, refFor,
 * middleware, clock/timer/rng, log, the `runQueue` and `checkpoints` slots, onEvent, onEscalate,
 * batchSize, turnBudget, yieldTurn).
 */
export type ActorHostOptions = CoreActorHostOptions;

/** Most actors a host remembers as removed for good (oldest forgotten first). */
export const MAX_TOMBSTONES = 4096;

const DEFAULT_SHUTDOWN_TIMEOUT_MS = 5_000;
const PUMP_IDLE = 0;
const PUMP_QUEUED = 1;
const PUMP_RUNNING = 2;

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ShnError('INVALID_ARGUMENT', `${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

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
  readonly #node: string;
  readonly #shard: number;
  readonly #kinds = new Map<string, ResolvedActorKind>();
  /** Cell name of each per-shard kind on this shard. */
  readonly #shardNames = new Map<string, string>();
  readonly #refFor: (kind: string, id: string) => ActorRef;
  readonly #middleware: readonly Middleware[];
  readonly #clock: Clock;
  readonly #timer: Timer;
  readonly #log: Logger;
  readonly #onEvent: ((event: RuntimeEvent) => void) | undefined;
  readonly #onEscalate: ((actor: string, error: ShnError) => void) | undefined;
  readonly #batchSize: number;
  readonly #turnBudget: number;
  readonly #yieldTurn: (fn: () => void) => void;
  readonly #contextHost: ContextHost;
  readonly #refTarget: LocalRefTarget;
  /** The run-queue slot; `undefined` for the default FIFO, which needs no queue of its own. */
  readonly #runQueue: RunQueue<Envelope> | undefined;
  /** Reply callbacks of asks waiting in {@link #runQueue}. */
  readonly #runQueueReplies = new Map<Envelope, ReplyFn>();
  readonly #checkpoints: Checkpoints | undefined;
  /** Actors removed for good after an escalation: later messages are refused with this error. */
  readonly #tombstones = new Map<string, ShnError>();

  /** Live and stopping cells by name (dead cells are removed). */
  readonly #cells = new Map<string, ActorCell>();
  /** Guardian restart windows, one per kind. */
  readonly #guardianWindows = new Map<string, RestartWindow>();
  #readyHead: ActorCell | undefined;
  #readyTail: ActorCell | undefined;
  #pumpState = PUMP_IDLE;
  /** True inside {@link deliverNow}: the caller runs the pump itself, so no microtask is queued. */
  #driving = false;

  #queued = 0;
  #processed = 0;
  #busyMs = 0;
  /** Open {@link beginTurn} calls; while above 0, pumps do not read the clock. */
  #turnDepth = 0;
  /** `clock.monotonic()` when the outermost open turn began. */
  #turnStart = 0;
  /** Cells awaiting an async start/receive. */
  #inflight = 0;
  /** Graceful stops in progress. */
  #stopping = 0;
  #envelopeSeq = 0;

  /** No longer accepting deliveries (shutdown began). */
  #closed = false;
  /** Drain phase over: nothing runs any more except stop hooks. */
  #final = false;
  #drainWaiter: (() => void) | undefined;
  #shutdownPromise: Promise<void> | undefined;

  /**
   * @throws ShnError `INVALID_ARGUMENT` on a bad node, shard, kind definition, `refFor`, batch
   * size or turn budget.
   */
  constructor(options: ActorHostOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new ShnError('INVALID_ARGUMENT', 'ActorHost options must be an object');
    }
    address(options.node, options.shard, 'guardian/0'); // validates node and shard
    if (options.shard < 0) throw new ShnError('INVALID_ARGUMENT', `shard must be >= 0, got ${options.shard}`);
    if (typeof options.refFor !== 'function') throw new ShnError('INVALID_ARGUMENT', 'refFor must be a function');
    if (typeof options.kinds !== 'object' || options.kinds === null) {
      throw new ShnError('INVALID_ARGUMENT', 'kinds must be an object of kind definitions');
    }
    this.#node = options.node;
    this.#shard = options.shard;
    for (const name of Object.keys(options.kinds)) {
      const kind = resolveActorKind(name, options.kinds[name] as ActorKindDefinition);
      this.#kinds.set(name, kind);
      if (kind.mode === 'per-shard') this.#shardNames.set(name, `${name}/${this.#shard}`);
    }
    this.#refFor = options.refFor;
    this.#middleware = options.middleware ?? [];
    if (!Array.isArray(this.#middleware)) throw new ShnError('INVALID_ARGUMENT', 'middleware must be an array');
    this.#clock = options.clock ?? systemClock;
    this.#timer = options.timer ?? systemTimer;
    this.#log = childLogger(options.log ?? silentLogger, { shard: options.shard });
    this.#onEvent = options.onEvent;
    this.#onEscalate = options.onEscalate;
    this.#batchSize = positiveInt('batchSize', options.batchSize, 64);
    this.#turnBudget = positiveInt('turnBudget', options.turnBudget, 1024);
    const timer = this.#timer;
    this.#yieldTurn = options.yieldTurn ?? ((fn) => void timer.setTimeout(fn, 0));

    const rng = options.rng ?? systemRng;
    if (options.runQueue !== undefined && typeof options.runQueue !== 'function') {
      throw new ShnError('INVALID_ARGUMENT', `runQueue must be a factory function (ctx) => RunQueue, got ${typeof options.runQueue}`);
    }
    this.#runQueue = options.runQueue?.({
      node: this.#node,
      shard: this.#shard,
      clock: this.#clock,
      timer: this.#timer,
      rng,
      dropped: (env, error) => this.#dropped(env, error),
    });
    if (this.#runQueue !== undefined && (typeof this.#runQueue.push !== 'function' || typeof this.#runQueue.pop !== 'function')) {
      throw new ShnError('INVALID_ARGUMENT', 'the runQueue factory must return a RunQueue { push, pop, size }');
    }
    const cp = options.checkpoints;
    if (cp !== undefined && (typeof cp !== 'object' || cp === null || typeof cp.load !== 'function' || typeof cp.save !== 'function')) {
      throw new ShnError('INVALID_ARGUMENT', 'checkpoints must be { load(actor), save(actor, bytes), shouldSave? }');
    }
    this.#checkpoints = cp;
    this.#contextHost = {
      clock: this.#clock,
      timer: this.#timer,
      rng,
      log: this.#log,
      refFor: this.#refFor,
      spawnChild: (parentName, kind, id) => this.#spawnChild(parentName, kind, id),
      stopActor: (selfName, target) => this.#stopActor(selfName, target),
    };
    const deliverAsk: Next<Promise<unknown>> = (env) =>
      new Promise<unknown>((resolve, reject) => {
        const result = this.deliver(env, (error, value) => (error === undefined ? resolve(value) : reject(error)));
        if (result === 'full') reject(new ShnError('MAILBOX_FULL', `mailbox of ${env.to.actor} is full`));
        else if (result === 'closed') reject(new ShnError('RUNTIME_CLOSED', `shard ${this.#shard} is shutting down`));
      });
    this.#refTarget = {
      nextEnvelopeId: () => `${this.#node}#${this.#shard}:${++this.#envelopeSeq}`,
      sendChain: compose(this.#middleware, 'send', (env) => this.deliver(env)),
      askChain: compose(this.#middleware, 'ask', deliverAsk),
      timer: this.#timer,
    };
  }

  /** Number of envelopes queued across all local actors (a gauge). */
  get queued(): number {
    return this.#queued;
  }

  /** Envelopes handled so far: receive ran to completion, successfully or not (a gauge). */
  get processed(): number {
    return this.#processed;
  }

  /**
   * Milliseconds (from `clock.monotonic()`) spent running actor code synchronously: start hooks,
   * receive calls and middleware, summed per scheduling turn (for the busy-ratio gauge), plus the
   * whole of every {@link beginTurn} turn. Time an async receive spends awaiting I/O is not counted.
   */
  get busyMs(): number {
    return this.#busyMs;
  }

  /**
   * Opens a busy turn that is timed as a whole: until the matching {@link endTurn}, pumps inside it
   * do not read the clock, and the turn's whole time (the caller's work between the two calls
   * included) counts towards {@link busyMs}. A shard thread opens one per batch of inbound frames,
   * so it reads the clock twice per batch instead of twice per message (a clock read costs about
   * 55 ns on the development machine). Turns nest; only the outermost one is timed.
   */
  beginTurn(): void {
    if (this.#turnDepth++ === 0) this.#turnStart = this.#clock.monotonic();
  }

  /**
   * Closes the turn opened by {@link beginTurn}.
   * @throws ShnError `INVALID_ARGUMENT` if no turn is open.
   */
  endTurn(): void {
    if (this.#turnDepth === 0) throw new ShnError('INVALID_ARGUMENT', 'ActorHost.endTurn: no turn is open');
    if (--this.#turnDepth === 0) this.#busyMs += this.#clock.monotonic() - this.#turnStart;
  }

  /** Ids of live actors (kind/id), for tests and admin. Per-shard kinds appear as `kind/<shard>`. */
  actors(): string[] {
    return [...this.#cells.keys()];
  }

  /**
   * A local ref to `kind/id` on this shard (what `ctx.spawn` returns), bypassing the router.
   * Its tell/ask run the send/ask hooks of `options.middleware`.
   * @throws ShnError `INVALID_ARGUMENT` on a bad kind or id.
   */
  localRef(kind: string, id: string): ActorRef {
    const name = actorName(kind, id);
    assertActorId(kind, id);
    return new LocalActorRef({ node: this.#node, shard: this.#shard, actor: name }, this.#refTarget);
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
    if (reply !== undefined && typeof reply !== 'function') {
      throw new ShnError('INVALID_ARGUMENT', 'reply must be a function');
    }
    if (this.#closed) return 'closed';
    const actor = (env as Partial<Envelope> | null | undefined)?.to?.actor;
    let cell = typeof actor === 'string' ? this.#cells.get(actor) : undefined;
    if (cell === undefined) {
      const target = this.#resolveTarget(actor);
      if (!(target instanceof ActorCell)) {
        this.#refuse(env, reply, target);
        return 'accepted';
      }
      cell = target;
    }
    const rq = this.#runQueue;
    if (rq !== undefined) return this.#enqueue(rq, cell, env, reply);
    const result = cell.mailbox.offer(reply === undefined ? env : new QueuedAsk(env, reply));
    if (result !== 'accepted') return result;
    this.#queued++;
    if (!cell.scheduled) this.#schedule(cell);
    return 'accepted';
  }

  /** Queues `env` in the run queue, reserving room in its actor's mailbox. */
  #enqueue(rq: RunQueue<Envelope>, cell: ActorCell, env: Envelope, reply: ReplyFn | undefined): 'accepted' | 'full' | 'closed' {
    if (cell.mailbox.closed) return 'closed';
    if (cell.mailbox.size + cell.reserved >= cell.mailbox.capacity) return 'full';
    cell.reserved++;
    this.#queued++;
    if (reply !== undefined) this.#runQueueReplies.set(env, reply);
    rq.push(env, env.priority ?? 0);
    if (this.#pumpState === PUMP_IDLE) {
      this.#pumpState = PUMP_QUEUED;
      queueMicrotask(this.#pump);
    }
    return 'accepted';
  }

  /** The live cell that `env` was reserved in (per-shard kinds share one cell). */
  #cellOf(env: Envelope): ActorCell | undefined {
    const actor = env.to.actor;
    const cell = this.#cells.get(actor);
    if (cell !== undefined) return cell;
    const kindName = actor.slice(0, actor.indexOf('/'));
    const shardName = this.#shardNames.get(kindName);
    return shardName === undefined ? undefined : this.#cells.get(shardName);
  }

  /** Moves up to `max` envelopes from the run queue into their actors' mailboxes, in the queue's order. */
  #admit(rq: RunQueue<Envelope>, max: number): void {
    for (let i = 0; i < max; i++) {
      const env = rq.pop();
      if (env === undefined) return;
      const reply = this.#runQueueReplies.size === 0 ? undefined : this.#runQueueReplies.get(env);
      if (reply !== undefined) this.#runQueueReplies.delete(env);
      let cell = this.#cellOf(env);
      if (cell !== undefined && cell.reserved > 0) cell.reserved--;
      if (cell === undefined || cell.status === 'dead') {
        // Its actor was removed while the envelope waited: activate it afresh (or refuse, like deliver).
        const target = this.#resolveTarget(env.to.actor);
        if (!(target instanceof ActorCell)) {
          this.#queued--;
          this.#refuse(env, reply, target);
          continue;
        }
        cell = target;
      }
      const result = cell.mailbox.offer(reply === undefined ? env : new QueuedAsk(env, reply));
      if (result !== 'accepted') {
        this.#queued--;
        this.#lose(env, reply, new ShnError('MAILBOX_FULL', `mailbox of ${cell.name} filled while ${env.type} waited in the run queue`, { details: { actor: cell.name, capacity: cell.mailbox.capacity } }));
        continue;
      }
      if (!cell.scheduled) this.#schedule(cell);
    }
  }

  /** The run queue discarded `env` (RunQueueContext.dropped). */
  #dropped(env: Envelope, error: ShnError): void {
    const reply = this.#runQueueReplies.get(env);
    if (reply !== undefined) this.#runQueueReplies.delete(env);
    const cell = this.#cellOf(env);
    if (cell !== undefined && cell.reserved > 0) cell.reserved--;
    this.#queued--;
    this.#lose(env, reply, error instanceof ShnError ? error : new ShnError('MESSAGE_LOST', `the run queue dropped ${env.type} to ${env.to.actor}`), true);
    if (this.#drainWaiter !== undefined) this.#checkDrained();
  }

  /**
   * {@link deliver}, then runs ready actors right away instead of in a later microtask, so a
   * synchronous `receive` has finished when this returns. The shard loop uses it to hand over one
   * frame at a time without an `await` per frame. Same results and reply rules as `deliver`
   * (`reply` is still never called synchronously from inside the `deliver` step itself).
   */
  deliverNow(env: Envelope, reply?: ReplyFn): 'accepted' | 'full' | 'closed' {
    // With a run queue, envelopes accumulate so the queue can order them; the pump runs next microtask.
    if (this.#pumpState === PUMP_RUNNING || this.#runQueue !== undefined) return this.deliver(env, reply);
    this.#driving = true;
    let result: 'accepted' | 'full' | 'closed';
    try {
      result = this.deliver(env, reply);
    } finally {
      this.#driving = false;
    }
    if (this.#readyHead !== undefined) this.#pump();
    return result;
  }

  /**
   * Graceful shutdown: stop accepting, let every mailbox drain (bounded by timeoutMs; leftovers rejected with
   * RUNTIME_CLOSED and reported as 'message-lost'), then call stop hooks children-before-parents.
   * Idempotent: later calls return the first call's promise. Stop hooks that throw are logged.
   * @param options.timeoutMs - drain bound in ms (default 5000).
   * @throws ShnError `INVALID_ARGUMENT` (as a rejection) if timeoutMs is not a finite number >= 0.
   */
  shutdown(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.#shutdownPromise !== undefined) return this.#shutdownPromise;
    const timeoutMs = options.timeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs < 0) {
      return Promise.reject(new ShnError('INVALID_ARGUMENT', `timeoutMs must be a finite number >= 0, got ${String(timeoutMs)}`));
    }
    this.#shutdownPromise = this.#runShutdown(timeoutMs);
    return this.#shutdownPromise;
  }

  // ---------------------------------------------------------------- activation

  #resolveTarget(actor: unknown): ActorCell | ShnError {
    const slash = typeof actor === 'string' ? actor.indexOf('/') : -1;
    if (slash <= 0) {
      return new ShnError('INVALID_ARGUMENT', `envelope to.actor must look like kind/id, got ${JSON.stringify(actor)}`);
    }
    const name = actor as string;
    const kindName = name.slice(0, slash);
    const kind = this.#kinds.get(kindName);
    if (kind === undefined) {
      return new ShnError('ACTOR_NOT_FOUND', `no actor kind ${JSON.stringify(kindName)} on shard ${this.#shard}`, {
        details: { actor: name },
      });
    }
    const cellName = kind.mode === 'per-shard' ? (this.#shardNames.get(kindName) as string) : name;
    const existing = this.#cells.get(cellName);
    if (existing !== undefined) return existing;
    if (this.#tombstones.size > 0) {
      const gone = this.#tombstones.get(cellName);
      if (gone !== undefined) {
        return new ShnError('ACTOR_FAILED', `${cellName} was removed for good on shard ${this.#shard} (${gone.message}); it is not activated again`, {
          cause: gone,
          details: { actor: cellName },
        });
      }
    }
    return kind.mode === 'per-shard'
      ? this.#createCell(kind, cellName, String(this.#shard), undefined)
      : this.#createCell(kind, name, name.slice(slash + 1), undefined);
  }

  #createCell(kind: ResolvedActorKind, name: string, id: string, parent: ActorCell | undefined): ActorCell {
    const self = { node: this.#node, shard: this.#shard, actor: name };
    const cell = new ActorCell(name, kind, id, self, parent);
    cell.ctx = new ActorCellContext(self, id, this.#contextHost);
    const final: Next<unknown> = (env) => {
      const behavior = cell.behavior;
      if (behavior === undefined) throw new ShnError('INTERNAL', `actor ${name} has no behaviour`);
      return behavior.receive(env, cell.ctx);
    };
    cell.invoke = this.#middleware.length === 0 ? final : compose(this.#middleware, 'receive', final);
    this.#bindHandlers(cell);
    this.#cells.set(name, cell);
    if (parent !== undefined) parent.children.push(cell);
    this.#schedule(cell);
    return cell;
  }

  #bindHandlers(cell: ActorCell): void {
    const incarnation = cell.incarnation;
    cell.onResolved = (value) => this.#settled(cell, incarnation, false, value);
    cell.onRejected = (error) => this.#settled(cell, incarnation, true, error);
  }

  #spawnChild(parentName: string, kindName: string, id: string): ActorRef {
    if (this.#final) throw new ShnError('RUNTIME_CLOSED', `shard ${this.#shard} is shutting down`);
    const name = actorName(kindName, id);
    const kind = this.#kinds.get(kindName);
    if (kind === undefined) {
      throw new ShnError('ACTOR_NOT_FOUND', `no actor kind ${JSON.stringify(kindName)} on shard ${this.#shard}`);
    }
    if (kind.mode === 'per-shard') {
      throw new ShnError('INVALID_ARGUMENT', `kind ${kindName} is per-shard and cannot be spawned as a child`);
    }
    const parent = this.#cells.get(parentName);
    if (parent === undefined || parent.status !== 'live') {
      throw new ShnError('ACTOR_NOT_FOUND', `parent ${parentName} is not running`);
    }
    const existing = this.#cells.get(name);
    const cell = existing ?? this.#createCell(kind, name, id, parent);
    return new LocalActorRef(cell.address, this.#refTarget);
  }

  #stopActor(selfName: string, target: ActorRef | undefined): void {
    let name = selfName;
    if (target !== undefined) {
      const a = target.address;
      if (a.node !== this.#node || (a.shard !== this.#shard && a.shard !== -1)) {
        throw new ShnError('UNSUPPORTED', `ctx.stop can only stop actors of this shard, got ${a.node}#${a.shard}/${a.actor}`);
      }
      name = a.actor;
    }
    const cell = this.#cells.get(name);
    if (cell === undefined || cell.status !== 'live') return;
    if (cell.running || cell.busy) cell.stopRequested = true;
    else void this.#gracefulStop(cell, 'supervise');
  }

  // ---------------------------------------------------------------- scheduling

  #schedule(cell: ActorCell): void {
    if (cell.scheduled || cell.busy || cell.status !== 'live' || this.#final) return;
    if (!cell.needsStart && cell.mailbox.size === 0) return;
    cell.scheduled = true;
    cell.nextReady = undefined;
    if (this.#readyTail === undefined) this.#readyHead = cell;
    else this.#readyTail.nextReady = cell;
    this.#readyTail = cell;
    if (this.#pumpState === PUMP_IDLE && !this.#driving) {
      this.#pumpState = PUMP_QUEUED;
      queueMicrotask(this.#pump);
    }
  }

  readonly #pump = (): void => {
    this.#pumpState = PUMP_RUNNING;
    // Inside a turn the caller times the whole turn: no clock read per pump.
    const timed = this.#turnDepth === 0;
    const t0 = timed ? this.#clock.monotonic() : this.#turnStart;
    try {
      let budget = this.#turnBudget;
      let cell: ActorCell | undefined;
      if (this.#runQueue !== undefined) this.#admit(this.#runQueue, budget);
      while (budget > 0 && (cell = this.#readyHead) !== undefined) {
        this.#readyHead = cell.nextReady;
        if (this.#readyHead === undefined) this.#readyTail = undefined;
        cell.nextReady = undefined;
        cell.scheduled = false;
        budget -= this.#runBatch(cell, budget < this.#batchSize ? budget : this.#batchSize, t0);
        this.#schedule(cell);
      }
    } finally {
      if (timed) this.#busyMs += this.#clock.monotonic() - t0;
      if ((this.#readyHead !== undefined || (this.#runQueue !== undefined && this.#runQueue.size > 0)) && !this.#final) {
        this.#pumpState = PUMP_QUEUED;
        this.#yieldTurn(this.#pump);
      } else {
        this.#pumpState = PUMP_IDLE;
      }
      if (this.#drainWaiter !== undefined) this.#checkDrained();
    }
  };

  #runBatch(cell: ActorCell, max: number, now: number): number {
    if (cell.status !== 'live' || cell.busy) return 0;
    let n = 0;
    if (cell.needsStart) {
      n = 1;
      this.#runStart(cell);
    }
    while (n < max && cell.status === 'live' && !cell.busy && !cell.needsStart) {
      const item = cell.mailbox.poll();
      if (item === undefined) break;
      this.#queued--;
      n++;
      this.#handle(cell, item);
    }
    cell.lastActive = now;
    const idleMs = cell.kind.idleTimeoutMs;
    if (idleMs !== undefined && cell.idleTimer === undefined && cell.parent === undefined && cell.kind.mode === 'per-id') {
      this.#armIdle(cell, idleMs);
    }
    return n;
  }

  #runStart(cell: ActorCell): void {
    cell.needsStart = false;
    cell.running = true;
    cell.inStart = true;
    let result: unknown;
    try {
      const behavior = cell.kind.factory(cell.id);
      if (typeof behavior !== 'object' || behavior === null || typeof behavior.receive !== 'function') {
        throw new ShnError('INVALID_ARGUMENT', `factory of kind ${cell.kind.name} returned no behaviour with receive()`);
      }
      cell.behavior = behavior;
      const cp = this.#checkpoints;
      result = cp !== undefined && typeof behavior.restore === 'function' ? this.#restoreThenStart(cell, cp) : behavior.start?.(cell.ctx);
    } catch (e) {
      cell.running = false;
      cell.inStart = false;
      this.#crashed(cell, this.#failure(cell, e, 'start'));
      return;
    }
    cell.running = false;
    if (isThenable(result)) {
      cell.busy = true;
      this.#inflight++;
      result.then(cell.onResolved, cell.onRejected);
      return;
    }
    cell.inStart = false;
    if (cell.stopRequested) void this.#gracefulStop(cell, 'supervise');
  }

  // ---------------------------------------------------------------- checkpoints

  /**
   * Loads `cell`'s latest snapshot and restores it into the fresh behaviour, then runs its start
   * hook. A load that throws or rejects, or bytes that are not a Uint8Array, are logged at `error`
   * and the actor starts empty; a `restore` that throws is logged too, and the actor starts from a
   * fresh behaviour instead of a half-restored one.
   */
  #restoreThenStart(cell: ActorCell, cp: Checkpoints): unknown {
    const incarnation = cell.incarnation;
    const startWith = (bytes: unknown): unknown => {
      if (incarnation !== cell.incarnation) return undefined; // terminated while loading
      const b = this.#applySnapshot(cell, bytes);
      if (cp.shouldSave !== undefined) cell.lastSaveAt = this.#clock.monotonic();
      return b.start?.(cell.ctx);
    };
    let loaded: unknown;
    try {
      loaded = cp.load(cell.name);
    } catch (e) {
      this.#log.error('checkpoint load failed; the actor starts empty', { actor: cell.name, error: errorText(e) });
      return startWith(undefined);
    }
    if (!isThenable(loaded)) return startWith(loaded);
    return Promise.resolve(loaded).then(startWith, (e: unknown) => {
      this.#log.error('checkpoint load failed; the actor starts empty', { actor: cell.name, error: errorText(e) });
      return startWith(undefined);
    });
  }

  /** Restores `bytes` into `cell`'s behaviour; returns the behaviour to start. */
  #applySnapshot(cell: ActorCell, bytes: unknown): ActorBehavior {
    const behavior = cell.behavior as ActorBehavior;
    if (bytes === undefined) return behavior;
    if (!(bytes instanceof Uint8Array)) {
      this.#log.error('checkpoint load returned no Uint8Array; the actor starts empty', { actor: cell.name, got: typeof bytes });
      return behavior;
    }
    try {
      behavior.restore?.(bytes);
      cell.restoredBytes = bytes.length;
      return behavior;
    } catch (e) {
      this.#log.error('actor restore failed; the actor starts empty', { actor: cell.name, bytes: bytes.length, error: errorText(e) });
      const fresh = cell.kind.factory(cell.id);
      cell.behavior = fresh;
      return fresh;
    }
  }

  /** After a message was handled successfully: ask the policy, snapshot, save. */
  #afterHandled(cell: ActorCell, cp: Checkpoints): void {
    const behavior = cell.behavior;
    if (behavior === undefined || typeof behavior.snapshot !== 'function') return;
    cell.sinceSave++;
    if (cp.shouldSave !== undefined) {
      let save: boolean;
      try {
        save = cp.shouldSave(cell.name, cell.sinceSave, this.#clock.monotonic() - cell.lastSaveAt);
      } catch (e) {
        this.#log.error('checkpoint shouldSave threw; not saving', { actor: cell.name, error: errorText(e) });
        return;
      }
      if (!save) return;
    }
    this.#snapshotNow(cell, cp, behavior);
  }

  #snapshotNow(cell: ActorCell, cp: Checkpoints, behavior: ActorBehavior): void {
    let bytes: unknown;
    try {
      bytes = behavior.snapshot?.();
    } catch (e) {
      this.#log.error('actor snapshot threw; not saved', { actor: cell.name, error: errorText(e) });
      return;
    }
    if (!(bytes instanceof Uint8Array)) {
      this.#log.error('actor snapshot returned no Uint8Array; not saved', { actor: cell.name, got: typeof bytes });
      return;
    }
    cell.sinceSave = 0;
    if (cp.shouldSave !== undefined) cell.lastSaveAt = this.#clock.monotonic();
    this.#save(cell, cp, bytes);
  }

  /** Saves one snapshot at a time per actor; a newer one taken meanwhile is saved next (older ones are skipped). */
  #save(cell: ActorCell, cp: Checkpoints, bytes: Uint8Array): void {
    if (cell.saving) {
      cell.pendingSnapshot = bytes;
      return;
    }
    cell.saving = true;
    const done = (): void => {
      cell.saving = false;
      const next = cell.pendingSnapshot;
      if (next !== undefined) {
        cell.pendingSnapshot = undefined;
        this.#save(cell, cp, next);
      }
    };
    let r: unknown;
    try {
      r = cp.save(cell.name, bytes);
    } catch (e) {
      this.#log.error('checkpoint save failed', { actor: cell.name, bytes: bytes.length, error: errorText(e) });
      done();
      return;
    }
    if (!isThenable(r)) {
      done();
      return;
    }
    r.then(done, (e: unknown) => {
      this.#log.error('checkpoint save failed', { actor: cell.name, bytes: bytes.length, error: errorText(e) });
      done();
    });
  }

  #handle(cell: ActorCell, item: MailboxItem): void {
    let env: Envelope;
    let reply: ReplyFn | undefined;
    if (item instanceof QueuedAsk) {
      env = item.env;
      reply = item.reply;
    } else {
      env = item;
    }
    const deadline = env.deadline;
    if (deadline !== undefined && this.#clock.now() > deadline) {
      this.#lose(
        env,
        reply,
        new ShnError('DEADLINE_EXCEEDED', `deadline of ${env.type} to ${cell.name} passed before it ran`, {
          details: { actor: cell.name, deadline },
        }),
      );
      return;
    }
    const incarnation = cell.incarnation;
    cell.currentEnv = env;
    cell.currentReply = reply;
    cell.running = true;
    let result: unknown;
    try {
      result = cell.invoke(env);
    } catch (e) {
      cell.running = false;
      cell.currentEnv = undefined;
      cell.currentReply = undefined;
      if (incarnation === cell.incarnation) this.#receiveFailed(cell, env, reply, e);
      return;
    }
    cell.running = false;
    if (incarnation !== cell.incarnation) return; // restarted while running; the reply was already given
    if (isThenable(result)) {
      cell.busy = true;
      this.#inflight++;
      result.then(cell.onResolved, cell.onRejected);
      return;
    }
    cell.currentEnv = undefined;
    cell.currentReply = undefined;
    this.#processed++;
    if (this.#checkpoints !== undefined) this.#afterHandled(cell, this.#checkpoints);
    if (reply !== undefined) this.#reply(reply, undefined, result, env);
    if (cell.stopRequested) void this.#gracefulStop(cell, 'supervise');
  }

  #settled(cell: ActorCell, incarnation: number, failed: boolean, value: unknown): void {
    if (incarnation !== cell.incarnation || !cell.busy) return; // an abandoned instance
    cell.busy = false;
    this.#inflight--;
    if (cell.idleTimer !== undefined) cell.lastActive = this.#clock.monotonic();
    if (cell.inStart) {
      cell.inStart = false;
      if (failed) this.#crashed(cell, this.#failure(cell, value, 'start'));
      else if (cell.stopRequested) void this.#gracefulStop(cell, 'supervise');
    } else {
      const env = cell.currentEnv as Envelope;
      const reply = cell.currentReply;
      cell.currentEnv = undefined;
      cell.currentReply = undefined;
      if (failed) {
        this.#receiveFailed(cell, env, reply, value);
      } else {
        this.#processed++;
        if (this.#checkpoints !== undefined) this.#afterHandled(cell, this.#checkpoints);
        if (reply !== undefined) this.#reply(reply, undefined, value, env);
        if (cell.stopRequested) void this.#gracefulStop(cell, 'supervise');
      }
    }
    this.#wakeIdleWaiters(cell);
    this.#schedule(cell);
    if (this.#drainWaiter !== undefined) this.#checkDrained();
  }

  // ---------------------------------------------------------------- failure and supervision

  #failure(cell: ActorCell, e: unknown, during: string): ShnError {
    return new ShnError('ACTOR_FAILED', errorText(e), { cause: e, details: { actor: cell.name, during } });
  }

  #receiveFailed(cell: ActorCell, env: Envelope, reply: ReplyFn | undefined, e: unknown): void {
    this.#processed++;
    const error = this.#failure(cell, e, env.type);
    if (reply !== undefined) this.#reply(reply, error, undefined, env);
    this.#crashed(cell, error);
  }

  /** The current instance of `cell` crashed; let its supervisor decide. */
  #crashed(cell: ActorCell, error: ShnError): void {
    if (this.#final) return;
    if (cell.status !== 'live') {
      cell.behavior = undefined; // failed while stopping: its stop continues, without a stop hook
      return;
    }
    this.#log.warn('actor crashed', { actor: cell.name, error: error.message });
    this.#exited(cell, 'crash', error);
  }

  /**
   * The supervisor's decision after `cell` ended for `reason` (its instance is dead or stopped):
   * restart it (and, per the parent's strategy, its siblings), remove it for good, or escalate.
   */
  #exited(cell: ActorCell, reason: ExitReason, error: ShnError | undefined): void {
    const parent = cell.parent;
    if (!shouldRestart(cell.kind.restart, reason) || (parent !== undefined && parent.status !== 'live')) {
      this.#remove(cell, reason, error);
      return;
    }
    const intensity = parent === undefined ? cell.kind.intensity : parent.kind.intensity;
    const window = parent === undefined ? this.#guardianWindow(cell.kind) : (parent.childWindow ??= new RestartWindow(intensity));
    if (!window.record(this.#clock.monotonic())) {
      const supervisor = parent === undefined ? `guardian of shard ${this.#shard}` : parent.name;
      const escalation = new ShnError(
        'RUNTIME_FAILED',
        `${supervisor}: more than ${intensity.maxRestarts} restarts in ${intensity.periodMs} ms; last: ${cell.name} (${error?.message ?? 'stopped'})`,
        { cause: error, details: { actor: cell.name } },
      );
      if (parent !== undefined) {
        this.#crashed(parent, escalation);
        return;
      }
      this.#remove(cell, 'crash', error ?? escalation);
      this.#tombstone(cell.name, escalation);
      this.#log.error('restart intensity exceeded, escalating', { actor: cell.name, error: escalation.message });
      if (this.#onEscalate !== undefined) {
        try {
          this.#onEscalate(cell.name, escalation);
        } catch (e) {
          this.#log.error('onEscalate threw', { error: errorText(e) });
        }
      }
      return;
    }
    const why = error ?? new ShnError('ACTOR_FAILED', `${cell.name} stopped normally`);
    const group = parent === undefined ? [cell] : restartGroup(parent.kind.strategy, parent.children, parent.children.indexOf(cell));
    for (let i = group.length - 1; i >= 0; i--) {
      const s = group[i] as ActorCell;
      if (s === cell || s.status === 'live') this.#terminateInstance(s, why);
    }
    for (const s of group) {
      if (s === cell) this.#restartInstance(s, why.message);
      else if (s.status !== 'live') continue;
      else if (s.kind.restart === 'temporary') this.#remove(s, 'crash', why);
      else this.#restartInstance(s, `sibling ${cell.name} failed: ${why.message}`);
    }
  }

  /** Remembers `name` as removed for good (bounded: the oldest of {@link MAX_TOMBSTONES} is forgotten). */
  #tombstone(name: string, why: ShnError): void {
    this.#tombstones.delete(name);
    this.#tombstones.set(name, why);
    if (this.#tombstones.size > MAX_TOMBSTONES) {
      const oldest = this.#tombstones.keys().next().value as string;
      this.#tombstones.delete(oldest);
    }
  }

  #guardianWindow(kind: ResolvedActorKind): RestartWindow {
    let window = this.#guardianWindows.get(kind.name);
    if (window === undefined) {
      window = new RestartWindow(kind.intensity);
      this.#guardianWindows.set(kind.name, window);
    }
    return window;
  }

  /**
   * Kills the current instance without stop hooks: its children are removed for good, an
   * in-flight message is answered with ACTOR_FAILED, and late settlements are ignored.
   */
  #terminateInstance(cell: ActorCell, why: ShnError): void {
    const children = cell.children.splice(0);
    cell.childWindow = undefined; // a fresh supervisor instance starts with a fresh restart budget
    for (let i = children.length - 1; i >= 0; i--) {
      const child = children[i] as ActorCell;
      if (child.status !== 'dead') this.#remove(child, 'crash', why);
    }
    if (cell.busy) {
      cell.busy = false;
      this.#inflight--;
    }
    const reply = cell.currentReply;
    const current = cell.currentEnv;
    cell.currentEnv = undefined;
    cell.currentReply = undefined;
    cell.inStart = false;
    if (reply !== undefined && current !== undefined) {
      this.#reply(
        reply,
        new ShnError('ACTOR_FAILED', `${cell.name} was terminated while handling the message: ${why.message}`, { cause: why }),
        undefined,
        current,
      );
    }
    cell.behavior = undefined;
    cell.stopRequested = false;
    cell.incarnation++;
    this.#bindHandlers(cell);
    this.#wakeIdleWaiters(cell);
  }

  #restartInstance(cell: ActorCell, reason: string): void {
    cell.status = 'live';
    cell.needsStart = true;
    this.#emit({ type: 'actor-restarted', shard: this.#shard, at: this.#clock.now(), actor: cell.name, error: reason });
    this.#schedule(cell);
  }

  /**
   * Removes `cell` for good: terminates its instance and children, rejects its queued messages
   * (asks with ACTOR_FAILED, tells as 'message-lost') and emits 'actor-stopped'. A top-level actor
   * that stopped normally with messages still queued is instead activated afresh for them
   * (virtual-actor semantics), so passivation never loses messages.
   */
  #remove(cell: ActorCell, reason: ExitReason, why: ShnError | undefined): void {
    const cause = why ?? new ShnError('ACTOR_FAILED', `${cell.name} stopped`);
    this.#terminateInstance(cell, cause);
    this.#clearIdle(cell);
    this.#emit({ type: 'actor-stopped', shard: this.#shard, at: this.#clock.now(), actor: cell.name });
    if (reason === 'normal' && cell.parent === undefined && cell.mailbox.size > 0 && !this.#final) {
      cell.status = 'live';
      cell.needsStart = true;
      this.#schedule(cell);
      return;
    }
    cell.status = 'dead';
    if (this.#cells.get(cell.name) === cell) this.#cells.delete(cell.name);
    const siblings = cell.parent?.children;
    if (siblings !== undefined) {
      const i = siblings.indexOf(cell);
      if (i >= 0) siblings.splice(i, 1);
    }
    for (let item = cell.mailbox.poll(); item !== undefined; item = cell.mailbox.poll()) {
      this.#queued--;
      const env = item instanceof QueuedAsk ? item.env : item;
      const reply = item instanceof QueuedAsk ? item.reply : undefined;
      this.#lose(env, reply, new ShnError('ACTOR_FAILED', `${cell.name} stopped before handling ${env.type}: ${cause.message}`, { cause }));
    }
  }

  // ---------------------------------------------------------------- graceful stop and passivation

  /**
   * Stops `cell` gracefully: waits for its current message, stops its children (reverse start
   * order, for good), runs its stop hook, then lets its supervisor decide ('supervise') or removes
   * it ('remove': passivation and children of a stopping parent).
   */
  async #gracefulStop(cell: ActorCell, after: 'supervise' | 'remove'): Promise<void> {
    if (cell.status !== 'live') return;
    cell.status = 'stopping';
    cell.stopRequested = false;
    this.#clearIdle(cell);
    this.#stopping++;
    try {
      if (cell.busy) await new Promise<void>((resolve) => (cell.idleWaiters ??= []).push(resolve));
      const children = cell.children.slice();
      for (let i = children.length - 1; i >= 0; i--) await this.#gracefulStop(children[i] as ActorCell, 'remove');
      const cp = this.#checkpoints;
      if (cp !== undefined && cell.sinceSave > 0 && cell.behavior !== undefined && !cell.needsStart) this.#snapshotNow(cell, cp, cell.behavior);
      await this.#runStopHook(cell);
    } finally {
      this.#stopping--;
    }
    if (cell.status === 'stopping' && !this.#final) {
      if (after === 'supervise') this.#exited(cell, 'normal', undefined);
      else this.#remove(cell, 'normal', undefined);
    }
    if (this.#drainWaiter !== undefined) this.#checkDrained();
  }

  async #runStopHook(cell: ActorCell): Promise<void> {
    const behavior = cell.behavior;
    if (behavior?.stop === undefined || cell.needsStart) return;
    try {
      await behavior.stop(cell.ctx);
    } catch (e) {
      this.#log.warn('actor stop hook failed', { actor: cell.name, error: errorText(e) });
    }
  }

  #wakeIdleWaiters(cell: ActorCell): void {
    const waiters = cell.idleWaiters;
    if (waiters === undefined) return;
    cell.idleWaiters = undefined;
    for (const wake of waiters) wake();
  }

  #armIdle(cell: ActorCell, ms: number): void {
    const handle = this.#timer.setTimeout(() => this.#idleCheck(cell), ms);
    handle.unref?.();
    cell.idleTimer = handle;
  }

  #clearIdle(cell: ActorCell): void {
    if (cell.idleTimer === undefined) return;
    this.#timer.clearTimeout(cell.idleTimer);
    cell.idleTimer = undefined;
  }

  #idleCheck(cell: ActorCell): void {
    cell.idleTimer = undefined;
    if (cell.status !== 'live' || this.#closed) return;
    const timeout = cell.kind.idleTimeoutMs as number;
    if (!cell.idle || cell.scheduled || cell.running) {
      this.#armIdle(cell, timeout);
      return;
    }
    const idleFor = this.#clock.monotonic() - cell.lastActive;
    if (idleFor < timeout) {
      this.#armIdle(cell, timeout - idleFor);
      return;
    }
    void this.#gracefulStop(cell, 'remove');
  }

  // ---------------------------------------------------------------- shutdown

  #checkDrained(): void {
    const waiter = this.#drainWaiter;
    if (waiter === undefined) return;
    if (this.#queued === 0 && this.#inflight === 0 && this.#stopping === 0 && this.#readyHead === undefined) {
      this.#drainWaiter = undefined;
      waiter();
    }
  }

  async #runShutdown(timeoutMs: number): Promise<void> {
    this.#closed = true;
    for (const cell of this.#cells.values()) this.#clearIdle(cell);
    let handle: ReturnType<Timer['setTimeout']> | undefined;
    await new Promise<void>((resolve) => {
      this.#drainWaiter = resolve;
      this.#checkDrained();
      if (this.#drainWaiter !== undefined) handle = this.#timer.setTimeout(resolve, timeoutMs);
    });
    this.#drainWaiter = undefined;
    if (handle !== undefined) this.#timer.clearTimeout(handle);
    this.#final = true;

    // Leftovers past the timeout: in-flight and queued messages are rejected and reported.
    for (let c = this.#readyHead; c !== undefined; c = c.nextReady) c.scheduled = false;
    this.#readyHead = undefined;
    this.#readyTail = undefined;
    const closed = (env: Envelope): ShnError =>
      new ShnError('RUNTIME_CLOSED', `shard ${this.#shard} shut down before ${env.type} to ${env.to.actor} ran`);
    const rq = this.#runQueue;
    if (rq !== undefined) {
      for (let env = rq.pop(); env !== undefined; env = rq.pop()) {
        this.#queued--;
        const reply = this.#runQueueReplies.get(env);
        this.#runQueueReplies.delete(env);
        this.#lose(env, reply, closed(env), true);
      }
    }
    for (const cell of this.#cells.values()) {
      if (cell.busy || cell.running) {
        const env = cell.currentEnv;
        const reply = cell.currentReply;
        if (cell.inStart) cell.behavior = undefined; // never finished starting: no stop hook
        if (cell.busy) this.#inflight--;
        cell.busy = false;
        cell.inStart = false;
        cell.currentEnv = undefined;
        cell.currentReply = undefined;
        cell.incarnation++;
        this.#bindHandlers(cell);
        this.#wakeIdleWaiters(cell);
        if (env !== undefined) this.#lose(env, reply, closed(env), true);
      }
      for (let item = cell.mailbox.poll(); item !== undefined; item = cell.mailbox.poll()) {
        this.#queued--;
        const env = item instanceof QueuedAsk ? item.env : item;
        this.#lose(env, item instanceof QueuedAsk ? item.reply : undefined, closed(env), true);
      }
    }

    // Stop hooks, children before parents.
    const roots = [...this.#cells.values()].filter((c) => c.parent === undefined);
    for (const root of roots) await this.#finalStop(root);
    this.#cells.clear();
  }

  async #finalStop(cell: ActorCell): Promise<void> {
    const children = cell.children.slice();
    for (let i = children.length - 1; i >= 0; i--) await this.#finalStop(children[i] as ActorCell);
    if (cell.status === 'dead') return;
    const wasLive = cell.status === 'live';
    cell.status = 'dead';
    if (!wasLive) return; // a graceful stop already ran (or is running) its hook
    await this.#runStopHook(cell);
    cell.behavior = undefined;
    this.#emit({ type: 'actor-stopped', shard: this.#shard, at: this.#clock.now(), actor: cell.name });
  }

  // ---------------------------------------------------------------- reporting

  /** Rejects an ask with `error`, or reports a tell as lost; `always` also reports lost asks. */
  #lose(env: Envelope, reply: ReplyFn | undefined, error: ShnError, always = false): void {
    if (reply !== undefined) this.#reply(reply, error, undefined, env);
    if (reply === undefined || always) {
      this.#emit({
        type: 'message-lost',
        shard: this.#shard,
        at: this.#clock.now(),
        reason: error.message,
        envelope: { to: env.to, type: env.type, correlationId: env.correlationId },
      });
    }
  }

  /** An envelope that cannot be queued anywhere (unknown kind, malformed address). */
  #refuse(env: Envelope, reply: ReplyFn | undefined, error: ShnError): void {
    if (reply !== undefined) {
      queueMicrotask(() => this.#reply(reply, error, undefined, env));
      return;
    }
    const e = env as Partial<Envelope> | null | undefined;
    this.#emit({
      type: 'message-lost',
      shard: this.#shard,
      at: this.#clock.now(),
      reason: error.message,
      ...(e?.to !== undefined && typeof e.type === 'string' ? { envelope: { to: e.to, type: e.type, correlationId: e.correlationId } } : {}),
    });
  }

  #reply(reply: ReplyFn, error: ShnError | undefined, result: unknown, env: Envelope): void {
    try {
      reply(error, result, env);
    } catch (e) {
      this.#log.error('reply callback threw', { error: errorText(e) });
    }
  }

  #emit(event: RuntimeEvent): void {
    if (this.#onEvent === undefined) return;
    try {
      this.#onEvent(event);
    } catch (e) {
      this.#log.error('onEvent threw', { error: errorText(e) });
    }
  }
}

/** An {@link ActorHostFactory} for the production host: what `@shn/sim` and tests take to run the real host. */
export const createActorHost: ActorHostFactory = (options) => new ActorHost(options as ActorHostOptions);
