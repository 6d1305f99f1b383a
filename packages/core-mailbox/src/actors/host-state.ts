import { ShnError, actorName, address, childLogger, compose, composeReceive, silentLogger, systemClock, systemRng, systemTimer } from '@shn/core';
import type {
  ActorBehavior,
  ActorHostOptions,
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
 RestartWindow} from '@shn/core';
import { ActorCell } from './actor-cell.js';
import { ActorCellContext } from './actor-context.js';
import type { ContextHost } from './actor-context.js';
import { resolveActorKind } from './actor-kind.js';
import type { ActorKindDefinition, ResolvedActorKind } from './actor-kind.js';
import { LocalActorRef } from './local-actor-ref.js';
import type { LocalRefTarget } from './local-actor-ref.js';
import type { MailboxItem, ReplyFn } from './queued-ask.js';
import type { ExitReason } from './supervision-plan.js';

/** Most actors a host remembers as removed for good (oldest forgotten first). */
export const MAX_TOMBSTONES = 4096;
/** Default drain bound of a host's shutdown, ms. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 5_000;
/** Pump states: idle, queued (a microtask or turn is scheduled), running. */
export const PUMP_IDLE = 0;
export const PUMP_QUEUED = 1;
export const PUMP_RUNNING = 2;

/** The message of an error, or its text. */
export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function positiveInt(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ShnError('INVALID_ARGUMENT', `${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

/** What the host state calls on its turns part. */
export interface ReadyQueuePart {
  deliver(env: Envelope, reply?: ReplyFn): 'accepted' | 'full' | 'closed';
  enqueue(rq: RunQueue<Envelope>, cell: ActorCell, env: Envelope, reply: ReplyFn | undefined): 'accepted' | 'full' | 'closed';
  admit(rq: RunQueue<Envelope>, max: number): void;
  dropped(env: Envelope, error: ShnError): void;
  deliverNow(env: Envelope, reply?: ReplyFn): 'accepted' | 'full' | 'closed';
  schedule(cell: ActorCell): void;
  runBatch(cell: ActorCell, max: number, now: number): number;
  runStart(cell: ActorCell): void;
  handle(cell: ActorCell, item: MailboxItem): void;
  settled(cell: ActorCell, incarnation: number, failed: boolean, value: unknown): void;
  readonly pump: () => void;
}

/** What the host state calls on its supervisor part. */
export interface SupervisorPart {
  failure(cell: ActorCell, e: unknown, during: string): ShnError;
  receiveFailed(cell: ActorCell, env: Envelope, reply: ReplyFn | undefined, e: unknown): void;
  crashed(cell: ActorCell, error: ShnError): void;
  exited(cell: ActorCell, reason: ExitReason, error: ShnError | undefined): void;
  tombstone(name: string, why: ShnError): void;
  guardianWindow(kind: ResolvedActorKind): RestartWindow;
  terminateInstance(cell: ActorCell, why: ShnError): void;
  restartInstance(cell: ActorCell, reason: string): void;
  remove(cell: ActorCell, reason: ExitReason, why: ShnError | undefined): void;
}

/** What the host state calls on its passivation part. */
export interface PassivationPart {
  gracefulStop(cell: ActorCell, after: 'supervise' | 'remove'): Promise<void>;
  runStopHook(cell: ActorCell): Promise<void>;
  wakeIdleWaiters(cell: ActorCell): void;
  armIdle(cell: ActorCell, ms: number): void;
  clearIdle(cell: ActorCell): void;
  idleCheck(cell: ActorCell): void;
}

/** What the host state calls on its drain part. */
export interface DrainPart {
  checkDrained(): void;
  runShutdown(timeoutMs: number): Promise<void>;
  finalStop(cell: ActorCell): Promise<void>;
}

/** What the host state calls on its checkpointing part. */
export interface CheckpointPart {
  restoreThenStart(cell: ActorCell, cp: Checkpoints): unknown;
  applySnapshot(cell: ActorCell, bytes: unknown): ActorBehavior;
  afterHandled(cell: ActorCell, cp: Checkpoints): void;
  snapshotNow(cell: ActorCell, cp: Checkpoints, behavior: ActorBehavior): void;
  save(cell: ActorCell, cp: Checkpoints, bytes: Uint8Array): void;
}

/**
 * The state of one actor host, shared by its parts: the ready queue with its turns
 * (`ready-queue.ts`), the supervisor (`supervisor.ts`), passivation (`passivation.ts`), shutdown
 * (`host-shutdown.ts`) and checkpointing (`checkpointing.ts`). It also owns activation (cells by
 * name) and reporting (events, replies, lost messages). Internal: `ActorHost` is the facade.
 */
export class HostState {
  readonly node: string;
  readonly shard: number;
  readonly kinds = new Map<string, ResolvedActorKind>();
  /** Cell name of each per-shard kind on this shard. */
  readonly shardNames = new Map<string, string>();
  readonly refFor: (kind: string, id: string) => ActorRef;
  readonly middleware: readonly Middleware[];
  readonly clock: Clock;
  readonly timer: Timer;
  readonly log: Logger;
  readonly onEvent: ((event: RuntimeEvent) => void) | undefined;
  readonly onEscalate: ((actor: string, error: ShnError) => void) | undefined;
  readonly batchSize: number;
  readonly turnBudget: number;
  readonly yieldTurn: (fn: () => void) => void;
  readonly contextHost: ContextHost;
  readonly refTarget: LocalRefTarget;
  /** The run-queue slot; `undefined` for the default FIFO, which needs no queue of its own. */
  readonly runQueue: RunQueue<Envelope> | undefined;
  /** Reply callbacks of asks waiting in {@link #runQueue}. */
  readonly runQueueReplies = new Map<Envelope, ReplyFn>();
  readonly checkpoints: Checkpoints | undefined;
  /** Actors removed for good after an escalation: later messages are refused with this error. */
  readonly tombstones = new Map<string, ShnError>();

  /** Live and stopping cells by name (dead cells are removed). */
  readonly cells = new Map<string, ActorCell>();
  /** Guardian restart windows, one per kind. */
  readonly guardianWindows = new Map<string, RestartWindow>();
  readyHead: ActorCell | undefined;
  readyTail: ActorCell | undefined;
  pumpState = PUMP_IDLE;
  /** True inside {@link deliverNow}: the caller runs the pump itself, so no microtask is queued. */
  driving = false;

  queued = 0;
  processed = 0;
  busyMs = 0;
  /** Open {@link beginTurn} calls; while above 0, pumps do not read the clock. */
  turnDepth = 0;
  /** `clock.monotonic()` when the outermost open turn began. */
  turnStart = 0;
  /** Cells awaiting an async start/receive. */
  inflight = 0;
  /** Graceful stops in progress. */
  stopping = 0;
  envelopeSeq = 0;

  /** No longer accepting deliveries (shutdown began). */
  closed = false;
  /** Drain phase over: nothing runs any more except stop hooks. */
  final = false;
  drainWaiter: (() => void) | undefined;
  shutdownPromise: Promise<void> | undefined;

  /** The last per-shard cell addressed, and its kind's `kind/` prefix (see the ready queue's deliver). */
  lastShardCell: ActorCell | undefined;
  lastShardPrefix = '';
  /** The completion callback of envelopes delivered without a reply of their own (see ActorHostOptions.onDone). */
  readonly onDone: ReplyFn | undefined;
  /** The parts, wired by the facade right after construction. */
  turns!: ReadyQueuePart;
  supervisor!: SupervisorPart;
  passivation!: PassivationPart;
  drain!: DrainPart;
  checkpointing!: CheckpointPart;

  /**
   * @throws ShnError `INVALID_ARGUMENT` on a bad node, shard, kind definition, `refFor`, batch
   * size, turn budget, run-queue factory or checkpoints.
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
    this.node = options.node;
    this.shard = options.shard;
    for (const name of Object.keys(options.kinds)) {
      const kind = resolveActorKind(name, options.kinds[name] as ActorKindDefinition);
      this.kinds.set(name, kind);
      if (kind.mode === 'per-shard') this.shardNames.set(name, `${name}/${this.shard}`);
    }
    this.refFor = options.refFor;
    this.middleware = options.middleware ?? [];
    if (!Array.isArray(this.middleware)) throw new ShnError('INVALID_ARGUMENT', 'middleware must be an array');
    this.clock = options.clock ?? systemClock;
    this.timer = options.timer ?? systemTimer;
    this.log = childLogger(options.log ?? silentLogger, { shard: options.shard });
    this.onEvent = options.onEvent;
    this.onEscalate = options.onEscalate;
    this.batchSize = positiveInt('batchSize', options.batchSize, 64);
    this.turnBudget = positiveInt('turnBudget', options.turnBudget, 1024);
    const timer = this.timer;
    this.yieldTurn = options.yieldTurn ?? ((fn) => void timer.setTimeout(fn, 0));

    const rng = options.rng ?? systemRng;
    if (options.runQueue !== undefined && typeof options.runQueue !== 'function') {
      throw new ShnError('INVALID_ARGUMENT', `runQueue must be a factory function (ctx) => RunQueue, got ${typeof options.runQueue}`);
    }
    this.runQueue = options.runQueue?.({
      node: this.node,
      shard: this.shard,
      clock: this.clock,
      timer: this.timer,
      rng,
      dropped: (env, error) => this.turns.dropped(env, error),
    });
    if (this.runQueue !== undefined && (typeof this.runQueue.push !== 'function' || typeof this.runQueue.pop !== 'function')) {
      throw new ShnError('INVALID_ARGUMENT', 'the runQueue factory must return a RunQueue { push, pop, size }');
    }
    const cp = options.checkpoints;
    if (cp !== undefined && (typeof cp !== 'object' || cp === null || typeof cp.load !== 'function' || typeof cp.save !== 'function')) {
      throw new ShnError('INVALID_ARGUMENT', 'checkpoints must be { load(actor), save(actor, bytes), shouldSave? }');
    }
    this.checkpoints = cp;
    if (options.onDone !== undefined && typeof options.onDone !== 'function') throw new ShnError('INVALID_ARGUMENT', 'onDone must be a function');
    this.onDone = options.onDone;
    this.contextHost = {
      clock: this.clock,
      timer: this.timer,
      rng,
      log: this.log,
      refFor: this.refFor,
      spawnChild: (parentName, kind, id) => this.spawnChild(parentName, kind, id),
      stopActor: (selfName, target) => this.stopActor(selfName, target),
    };
    const deliverAsk: Next<Promise<unknown>> = (env) =>
      new Promise<unknown>((resolve, reject) => {
        const result = this.turns.deliver(env, (error, value) => (error === undefined ? resolve(value) : reject(error)));
        if (result === 'full') reject(new ShnError('MAILBOX_FULL', `mailbox of ${env.to.actor} is full`));
        else if (result === 'closed') reject(new ShnError('RUNTIME_CLOSED', `shard ${this.shard} is shutting down`));
      });
    this.refTarget = {
      nextEnvelopeId: () => `${this.node}#${this.shard}:${++this.envelopeSeq}`,
      sendChain: compose(this.middleware, 'send', (env) => this.turns.deliver(env)),
      askChain: compose(this.middleware, 'ask', deliverAsk),
      timer: this.timer,
    };
  }

  /** The live cell that `env` was reserved in (per-shard kinds share one cell). */
  cellOf(env: Envelope): ActorCell | undefined {
    const actor = env.to.actor;
    const cell = this.cells.get(actor);
    if (cell !== undefined) return cell;
    const kindName = actor.slice(0, actor.indexOf('/'));
    const shardName = this.shardNames.get(kindName);
    return shardName === undefined ? undefined : this.cells.get(shardName);
  }

  // ---------------------------------------------------------------- activation

  resolveTarget(actor: unknown): ActorCell | ShnError {
    const slash = typeof actor === 'string' ? actor.indexOf('/') : -1;
    if (slash <= 0) {
      return new ShnError('INVALID_ARGUMENT', `envelope to.actor must look like kind/id, got ${JSON.stringify(actor)}`);
    }
    const name = actor as string;
    const kindName = name.slice(0, slash);
    const kind = this.kinds.get(kindName);
    if (kind === undefined) {
      return new ShnError('ACTOR_NOT_FOUND', `no actor kind ${JSON.stringify(kindName)} on shard ${this.shard}`, {
        details: { actor: name },
      });
    }
    const cellName = kind.mode === 'per-shard' ? (this.shardNames.get(kindName) as string) : name;
    const existing = this.cells.get(cellName);
    if (existing !== undefined) {
      if (kind.mode === 'per-shard') this.rememberShardCell(kindName, existing);
      return existing;
    }
    if (this.tombstones.size > 0) {
      const gone = this.tombstones.get(cellName);
      if (gone !== undefined) {
        return new ShnError('ACTOR_FAILED', `${cellName} was removed for good on shard ${this.shard} (${gone.message}); it is not activated again`, {
          cause: gone,
          details: { actor: cellName },
        });
      }
    }
    if (kind.mode !== 'per-shard') return this.createCell(kind, name, name.slice(slash + 1), undefined);
    const cell = this.createCell(kind, cellName, String(this.shard), undefined);
    this.rememberShardCell(kindName, cell);
    return cell;
  }

  /** The per-shard cell the ready queue checks first for an address it has no cell of. */
  rememberShardCell(kindName: string, cell: ActorCell): void {
    this.lastShardPrefix = `${kindName}/`;
    this.lastShardCell = cell;
  }

  createCell(kind: ResolvedActorKind, name: string, id: string, parent: ActorCell | undefined): ActorCell {
    const self = { node: this.node, shard: this.shard, actor: name };
    const cell = new ActorCell(name, kind, id, self, parent);
    cell.ctx = new ActorCellContext(self, id, this.contextHost);
    const final: Next<unknown> = (env) => {
      const behavior = cell.behavior;
      if (behavior === undefined) throw new ShnError('INTERNAL', `actor ${name} has no behaviour`);
      cell.entered = true;
      return behavior.receive(env, cell.ctx);
    };
    cell.invoke = this.middleware.length === 0 ? final : composeReceive(this.middleware, name, final);
    this.bindHandlers(cell);
    this.cells.set(name, cell);
    if (parent !== undefined) parent.children.push(cell);
    this.turns.schedule(cell);
    return cell;
  }

  bindHandlers(cell: ActorCell): void {
    const incarnation = cell.incarnation;
    cell.onResolved = (value) => this.turns.settled(cell, incarnation, false, value);
    cell.onRejected = (error) => this.turns.settled(cell, incarnation, true, error);
  }

  spawnChild(parentName: string, kindName: string, id: string): ActorRef {
    if (this.final) throw new ShnError('RUNTIME_CLOSED', `shard ${this.shard} is shutting down`);
    const name = actorName(kindName, id);
    const kind = this.kinds.get(kindName);
    if (kind === undefined) {
      throw new ShnError('ACTOR_NOT_FOUND', `no actor kind ${JSON.stringify(kindName)} on shard ${this.shard}`);
    }
    if (kind.mode === 'per-shard') {
      throw new ShnError('INVALID_ARGUMENT', `kind ${kindName} is per-shard and cannot be spawned as a child`);
    }
    const parent = this.cells.get(parentName);
    if (parent === undefined || parent.status !== 'live') {
      throw new ShnError('ACTOR_NOT_FOUND', `parent ${parentName} is not running`);
    }
    const existing = this.cells.get(name);
    const cell = existing ?? this.createCell(kind, name, id, parent);
    return new LocalActorRef(cell.address, this.refTarget);
  }

  stopActor(selfName: string, target: ActorRef | undefined): void {
    let name = selfName;
    if (target !== undefined) {
      const a = target.address;
      if (a.node !== this.node || (a.shard !== this.shard && a.shard !== -1)) {
        throw new ShnError('UNSUPPORTED', `ctx.stop can only stop actors of this shard, got ${a.node}#${a.shard}/${a.actor}`);
      }
      name = a.actor;
    }
    const cell = this.cells.get(name);
    if (cell === undefined || cell.status !== 'live') return;
    if (cell.running || cell.busy) cell.stopRequested = true;
    else void this.passivation.gracefulStop(cell, 'supervise');
  }

  // ---------------------------------------------------------------- reporting

  /** Rejects an ask with `error`, or reports a tell as lost; `always` also reports lost asks. */
  lose(env: Envelope, reply: ReplyFn | undefined, error: ShnError, always = false): void {
    if (reply !== undefined) this.reply(reply, error, undefined, env);
    if (reply === undefined || always) {
      this.emit({
        type: 'message-lost',
        shard: this.shard,
        at: this.clock.now(),
        reason: error.message,
        envelope: { to: env.to, type: env.type, correlationId: env.correlationId },
      });
    }
  }

  /** An envelope that cannot be queued anywhere (unknown kind, malformed address). */
  refuse(env: Envelope, reply: ReplyFn | undefined, error: ShnError): void {
    if (reply !== undefined) {
      queueMicrotask(() => this.reply(reply, error, undefined, env));
      return;
    }
    const e = env as Partial<Envelope> | null | undefined;
    this.emit({
      type: 'message-lost',
      shard: this.shard,
      at: this.clock.now(),
      reason: error.message,
      ...(e?.to !== undefined && typeof e.type === 'string' ? { envelope: { to: e.to, type: e.type, correlationId: e.correlationId } } : {}),
    });
  }

  reply(reply: ReplyFn, error: ShnError | undefined, result: unknown, env: Envelope): void {
    try {
      reply(error, result, env);
    } catch (e) {
      this.log.error('reply callback threw', { error: errorText(e) });
    }
  }

  emit(event: RuntimeEvent): void {
    if (this.onEvent === undefined) return;
    try {
      this.onEvent(event);
    } catch (e) {
      this.log.error('onEvent threw', { error: errorText(e) });
    }
  }
}
