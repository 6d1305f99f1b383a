import { actorName, address, fromSerializedError, ShnError, splitActorName, toShnError } from '@shn/core';
import type {
  ActorBehavior,
  ActorContext,
  ActorFactory,
  ActorRef,
  Address,
  AskOptions,
  Clock,
  Envelope,
  Logger,
  Rng,
  SendOptions,
  Timer,
  TimerHandle,
} from '@shn/core';
import { describeValue } from './event-log.js';
import { FAULT_POINTS } from './fault-points.js';
import type { Kernel, NetworkPayload, NodeHandle } from './internal/kernel.js';
import type { QueuedEvent } from './internal/event-queue.js';
import { SimStore } from './sim-store.js';
import type { SimStoreOptions } from './sim-store.js';
import { SimTransport } from './sim-transport.js';

/** Options of one simulated node. */
export interface SimNodeOptions {
  /** Actor kinds this node hosts: `kind → factory`. Actors are created on their first message. */
  readonly actors?: Readonly<Record<string, ActorFactory>>;
  /** Called when the node starts and after every restart (spawn long-lived actors here). */
  readonly onStart?: (node: SimNode) => void;
  /** Wall-clock offset of this node, ms (positive: its clock is ahead). Default 0. */
  readonly skewMs?: number;
  /** Clock rate error: the node's clock runs at `1 + driftRate` times real speed, in (-0.5, 0.5). Default 0. */
  readonly driftRate?: number;
  /** Options of the node's disk ({@link SimNode.store}). */
  readonly store?: SimStoreOptions;
}

/** An {@link ActorContext} inside the simulator, with a way to address other nodes. */
export interface SimActorContext extends ActorContext {
  /** The node this actor runs on. */
  readonly node: string;
  /** A reference to the actor `kind/id` on the node `node`. */
  refAt(node: string, kind: string, id: string): ActorRef;
  /** The node's simulated disk (survives crashes for what was synced). */
  readonly store: SimStore;
}

interface HostedActor {
  behavior: ActorBehavior;
  readonly ctx: SimActorContext;
  readonly queue: Envelope[];
  busy: boolean;
}

interface PendingAsk {
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: unknown) => void;
  readonly timeout: QueuedEvent;
}

const CLIENT_KIND = '_client';

/**
 * A simulated machine: it hosts actors through the core contracts (each actor gets a
 * {@link SimActorContext} whose clock, timer, rng and log are the node's), owns a
 * {@link SimStore} disk and any number of {@link SimTransport}s, and can crash, restart, pause
 * and have its clock skewed. Workloads use a node as a client: `node.ref('kv', 'a', 'n2').ask(...)`.
 *
 * Actors process one envelope at a time; an actor whose `receive` throws is rebuilt from its
 * factory (one-for-one restart) and an ask gets `ACTOR_FAILED`. A crash loses every actor's
 * state, pending timers, pending asks (their promises never settle: the process is gone) and
 * unsynced writes; a restart rebuilds actors lazily from their factories and calls `onStart`.
 */
export class SimNode implements NodeHandle {
  /** The node's name (also its network address). */
  readonly name: string;
  /** The node's disk. */
  readonly store: SimStore;
  /** The node's seeded randomness (also every hosted actor's `ctx.rng`). */
  readonly rng: Rng;
  readonly #kernel: Kernel;
  readonly #factories: Map<string, ActorFactory>;
  readonly #onStart: ((node: SimNode) => void) | undefined;
  readonly #eager: string[] = [];
  readonly #actors = new Map<string, HostedActor>();
  readonly #pending = new Map<string, PendingAsk>();
  readonly #transports = new Set<SimTransport>();
  #up = true;
  #epoch = 0;
  #pausedUntil = 0;
  #skewMs: number;
  readonly #drift: number;
  #nextId = 0;
  #timer: Timer;

  /** @internal Created by `Simulation.addNode`. */
  constructor(kernel: Kernel, name: string, options: SimNodeOptions, rng: Rng & { fork(): Rng }) {
    this.#kernel = kernel;
    this.name = name;
    this.rng = rng;
    const actors = options.actors ?? {};
    if (typeof actors !== 'object' || actors === null) throw new ShnError('INVALID_ARGUMENT', `node ${name}: actors must be an object of factories`);
    this.#factories = new Map();
    for (const [kind, f] of Object.entries(actors)) {
      actorName(kind, 'x');
      if (typeof f !== 'function') throw new ShnError('INVALID_ARGUMENT', `node ${name}: factory for ${kind} is not a function`);
      this.#factories.set(kind, f);
    }
    if (options.onStart !== undefined && typeof options.onStart !== 'function') throw new ShnError('INVALID_ARGUMENT', `node ${name}: onStart must be a function`);
    this.#onStart = options.onStart;
    this.#skewMs = checkFinite(`node ${name}: skewMs`, options.skewMs ?? 0);
    const drift = options.driftRate ?? 0;
    if (typeof drift !== 'number' || !(drift > -0.5 && drift < 0.5)) throw new ShnError('INVALID_ARGUMENT', `node ${name}: driftRate must be in (-0.5, 0.5), got ${String(drift)}`);
    this.#drift = drift;
    this.store = new SimStore(options.store ?? {}, rng.fork());
    this.#timer = this.#incarnationTimer();
  }

  /** True unless the node is crashed. */
  get up(): boolean {
    return this.#up;
  }

  /** Incarnation number; grows at every crash. */
  get epoch(): number {
    return this.#epoch;
  }

  /** Virtual time until which the node is paused (events for it wait). */
  get pausedUntil(): number {
    return this.#pausedUntil;
  }

  /** The node's wall clock: virtual time, skewed and drifting as configured. */
  readonly clock: Clock = {
    now: () => this.#kernel.startEpochMs + this.#kernel.now * (1 + this.#drift) + this.#skewMs,
    monotonic: () => this.#kernel.now * (1 + this.#drift),
  };

  /** The node's timers for its current incarnation (a crash cancels them). */
  get timer(): Timer {
    return this.#timer;
  }

  /** Starts the node for the first time (calls `onStart`). @internal */
  boot(): void {
    this.#onStart?.(this);
  }

  /**
   * Adds an actor kind to this node. Ids in `spawn` are started now (if the node is up) and
   * again after every restart; other ids start on their first message.
   * @throws ShnError `INVALID_ARGUMENT` for a bad kind, a kind already hosted or a non-function.
   */
  host(kind: string, factory: ActorFactory, options: { spawn?: readonly string[] } = {}): this {
    actorName(kind, 'x');
    if (typeof factory !== 'function') throw new ShnError('INVALID_ARGUMENT', `node ${this.name}: factory for ${kind} is not a function`);
    if (this.#factories.has(kind)) throw new ShnError('INVALID_ARGUMENT', `node ${this.name} already hosts ${kind}`);
    this.#factories.set(kind, factory);
    for (const id of options.spawn ?? []) {
      const name = actorName(kind, id);
      this.#eager.push(name);
      if (this.#up) this.#actor(name, true);
    }
    return this;
  }

  /**
   * A reference to the actor `kind/id` on node `node` (this node by default), sending as this
   * node. @throws ShnError `INVALID_ARGUMENT` for a bad kind or unknown node.
   */
  ref(kind: string, id: string, node: string = this.name): ActorRef {
    return this.#refFrom(node, kind, id, undefined);
  }

  /** Creates the actor `kind/id` on this node now if it does not exist (calling `start`). */
  spawn(kind: string, id: string): ActorRef {
    this.#actor(actorName(kind, id), true);
    return this.ref(kind, id);
  }

  /** The live behaviour of `kind/id` on this node, for inspection (undefined if not running). */
  actor<T extends ActorBehavior = ActorBehavior>(kind: string, id: string): T | undefined {
    return this.#actors.get(actorName(kind, id))?.behavior as T | undefined;
  }

  /** Names (`kind/id`) of the actors running now, sorted. */
  actorNames(): string[] {
    return [...this.#actors.keys()].sort();
  }

  /** A new {@link SimTransport} for this node (closed by a crash). */
  transport(): SimTransport {
    const t = new SimTransport(this.name, this.#kernel, () => this.#up, (x) => this.#transports.delete(x));
    this.#transports.add(t);
    return t;
  }

  /**
   * Crashes the node now: actors, timers, pending asks, transports and unsynced writes are
   * lost. Messages to it are dropped until {@link SimNode.restart}. Idempotent.
   */
  crash(): void {
    if (!this.#up) return;
    this.#up = false;
    this.#epoch++;
    this.#actors.clear();
    this.#pending.clear();
    for (const t of [...this.#transports]) t.kill();
    this.#transports.clear();
    const disk = this.store.crash();
    this.store.setAvailable(false);
    this.#timer = this.#incarnationTimer();
    this.#kernel.log('crash', `${this.name} unsynced-lost=${disk.lost} kept=${disk.kept}${disk.torn === undefined ? '' : ` torn=${disk.torn}`}`);
  }

  /** Restarts a crashed node (synced data is on its disk; actors come back from factories). No-op if up. */
  restart(): void {
    if (this.#up) return;
    this.#up = true;
    this.#pausedUntil = 0;
    this.store.setAvailable(true);
    this.#kernel.log('restart', this.name);
    for (const name of this.#eager) this.#actor(name, true);
    this.#onStart?.(this);
  }

  /**
   * Stalls the node for `ms` virtual ms (a GC pause): its deliveries and timers wait, in order,
   * until the pause ends. @throws ShnError `INVALID_ARGUMENT` for a negative or non-finite ms.
   */
  pause(ms: number): void {
    checkFinite('pause ms', ms);
    if (ms < 0) throw new ShnError('INVALID_ARGUMENT', `pause ms must be >= 0, got ${ms}`);
    this.#pausedUntil = Math.max(this.#pausedUntil, this.#kernel.now + ms);
    this.#kernel.log('pause', `${this.name} until ${this.#pausedUntil.toFixed(3)}`);
  }

  /** Sets the node's wall-clock offset in ms (a clock jump). @throws ShnError `INVALID_ARGUMENT` if not finite. */
  setSkew(ms: number): void {
    this.#skewMs = checkFinite('skew ms', ms);
    this.#kernel.log('skew', `${this.name} ${ms}ms`);
  }

  /** @internal Called by the network when a payload arrives. */
  deliver(payload: NetworkPayload, from: string): void {
    if (payload.t === 'frame') {
      for (const t of [...this.#transports]) t.receive(from, payload.frame);
      return;
    }
    if (payload.t === 'reply') {
      const p = this.#pending.get(payload.correlationId);
      if (p === undefined) {
        this.#kernel.log('late-reply', `${this.name} ${payload.correlationId}`);
        return;
      }
      this.#pending.delete(payload.correlationId);
      p.timeout.cancelled = true;
      if (payload.ok) p.resolve(payload.value);
      else p.reject(fromSerializedError(payload.value));
      return;
    }
    const env = payload.env;
    if (env.deadline !== undefined && this.clock.now() > env.deadline) {
      this.#kernel.log('expired', `${this.name} ${env.to.actor} ${env.type}`);
      this.#reply(env, false, new ShnError('DEADLINE_EXCEEDED', `deadline passed before ${env.to.actor} handled ${env.type}`).toJSON());
      return;
    }
    const hosted = this.#actor(env.to.actor, false);
    if (hosted === undefined) {
      this.#kernel.log('no-actor', `${this.name} ${env.to.actor}`);
      this.#reply(env, false, new ShnError('ACTOR_NOT_FOUND', `no actor kind for ${env.to.actor} on ${this.name}`).toJSON());
      return;
    }
    hosted.queue.push(env);
    this.#drain(hosted, this.#epoch);
  }

  #actor(name: string, create: boolean): HostedActor | undefined {
    let hosted = this.#actors.get(name);
    if (hosted !== undefined) return hosted;
    const { kind, id } = splitActorName(name);
    const factory = this.#factories.get(kind);
    if (factory === undefined) {
      if (create) throw new ShnError('ACTOR_NOT_FOUND', `node ${this.name} hosts no actor kind ${kind}`);
      return undefined;
    }
    const ctx = this.#context(kind, id);
    hosted = { behavior: factory(id), ctx, queue: [], busy: false };
    this.#actors.set(name, hosted);
    this.#kernel.log('spawn', `${this.name} ${name}`);
    this.#start(hosted, this.#epoch);
    return hosted;
  }

  #start(hosted: HostedActor, epoch: number): void {
    if (hosted.behavior.start === undefined) return;
    hosted.busy = true;
    const done = (): void => {
      if (epoch !== this.#epoch) return;
      hosted.busy = false;
      this.#drain(hosted, epoch);
    };
    try {
      const r = hosted.behavior.start(hosted.ctx);
      if (isThenable(r)) {
        r.then(done, (e: unknown) => {
          if (epoch !== this.#epoch) return;
          this.#kernel.log('actor-failed', `${this.name} ${hosted.ctx.self.actor} start: ${toShnError(e).message}`);
          done();
        });
        return;
      }
    } catch (e) {
      this.#kernel.log('actor-failed', `${this.name} ${hosted.ctx.self.actor} start: ${toShnError(e).message}`);
    }
    hosted.busy = false;
  }

  #drain(hosted: HostedActor, epoch: number): void {
    while (!hosted.busy && hosted.queue.length > 0 && epoch === this.#epoch && this.#actors.get(hosted.ctx.self.actor) === hosted) {
      const env = hosted.queue.shift()!;
      hosted.busy = true;
      const finish = (ok: boolean, value: unknown): void => {
        if (epoch !== this.#epoch) return;
        hosted.busy = false;
        if (!ok) {
          const err = toShnError(value, 'ACTOR_FAILED');
          this.#kernel.log('actor-failed', `${this.name} ${env.to.actor} ${env.type}: ${err.message}`);
          this.#reply(env, false, new ShnError('ACTOR_FAILED', err.message, { cause: err }).toJSON());
          hosted.behavior = this.#factories.get(splitActorName(env.to.actor).kind)!(hosted.ctx.id);
          this.#start(hosted, epoch);
        } else {
          this.#reply(env, true, value);
        }
      };
      try {
        const r = hosted.behavior.receive(env, hosted.ctx);
        if (isThenable(r)) {
          r.then(
            (v) => {
              finish(true, v);
              this.#drain(hosted, epoch);
            },
            (e: unknown) => {
              finish(false, e);
              this.#drain(hosted, epoch);
            },
          );
          return;
        }
        finish(true, r);
      } catch (e) {
        finish(false, e);
      }
    }
  }

  #reply(env: Envelope, ok: boolean, value: unknown): void {
    if (env.correlationId === undefined || env.replyTo === undefined) return;
    let body: unknown;
    try {
      body = structuredClone(value);
    } catch (e) {
      ok = false;
      body = new ShnError('ACTOR_FAILED', `reply of ${env.to.actor} cannot be cloned: ${toShnError(e).message}`).toJSON();
    }
    const what = `reply ${env.correlationId} ${ok ? 'ok' : 'err'} ${describeValue(body)}`;
    this.#kernel.send(this.name, env.replyTo.node, { t: 'reply', correlationId: env.correlationId, ok, value: body }, what);
  }

  #refFrom(node: string, kind: string, id: string, from: Address | undefined): ActorRef {
    if (this.#kernel.node(node) === undefined) throw new ShnError('INVALID_ARGUMENT', `unknown node ${JSON.stringify(node)}`);
    const to = address(node, 0, actorName(kind, id));
    const epoch = this.#epoch;
    return {
      address: to,
      tell: (type, body, options) => this.#tell(epoch, from, to, type, body, options),
      ask: <R>(type: string, body?: unknown, options?: AskOptions) => this.#ask<R>(epoch, from, to, type, body, options),
    };
  }

  #envelope(from: Address | undefined, to: Address, type: string, body: unknown, options: SendOptions | undefined, correlationId?: string): Envelope {
    if (typeof type !== 'string' || type.length === 0) throw new ShnError('INVALID_ARGUMENT', 'message type must be a non-empty string');
    let copy: unknown;
    try {
      copy = structuredClone(body);
    } catch (e) {
      throw new ShnError('INVALID_ARGUMENT', `message body cannot be cloned: ${toShnError(e).message}`, { cause: e });
    }
    const replyTo = correlationId === undefined ? undefined : (from ?? address(this.name, 0, `${CLIENT_KIND}/${this.name}`));
    return {
      id: `${this.name}-${this.#nextId++}`,
      to,
      ...(from === undefined ? {} : { from }),
      type,
      body: copy,
      headers: { ...(options?.headers ?? {}) },
      ...(options?.priority === undefined ? {} : { priority: options.priority }),
      ...(options?.deadline === undefined ? {} : { deadline: options.deadline }),
      ...(correlationId === undefined ? {} : { correlationId, replyTo }),
    };
  }

  #tell(epoch: number, from: Address | undefined, to: Address, type: string, body: unknown, options?: SendOptions): 'accepted' | 'full' | 'closed' {
    if (!this.#up || epoch !== this.#epoch) return 'closed';
    const env = this.#envelope(from, to, type, body, options);
    this.#kernel.send(this.name, to.node, { t: 'env', env }, `tell ${to.actor} ${type} ${describeValue(env.body)}`);
    return 'accepted';
  }

  #ask<R>(epoch: number, from: Address | undefined, to: Address, type: string, body: unknown, options?: AskOptions): Promise<R> {
    if (!this.#up || epoch !== this.#epoch) return Promise.reject(new ShnError('RUNTIME_CLOSED', `node ${this.name} is down`));
    const timeoutMs = options?.timeoutMs ?? this.#kernel.defaultAskTimeoutMs;
    if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs < 0) {
      return Promise.reject(new ShnError('INVALID_ARGUMENT', `timeoutMs must be a finite number >= 0, got ${String(timeoutMs)}`));
    }
    const correlationId = `${this.name}.${this.#epoch}.${this.#nextId}`;
    let env: Envelope;
    try {
      env = this.#envelope(from, to, type, body, options, correlationId);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise<R>((resolve, reject) => {
      const timeout = this.#kernel.schedule(
        timeoutMs,
        () => {
          if (!this.#pending.delete(correlationId)) return;
          this.#kernel.log('ask-timeout', `${this.name} ${correlationId} ${to.actor} ${type}`);
          reject(new ShnError('TIMEOUT', `ask ${type} to ${to.node}/${to.actor} timed out after ${timeoutMs}ms`));
        },
        this,
        this.#epoch,
      );
      this.#pending.set(correlationId, { resolve: resolve as (v: unknown) => void, reject, timeout });
      this.#kernel.send(this.name, to.node, { t: 'env', env }, `ask ${correlationId} ${to.actor} ${type} ${describeValue(env.body)}`);
    });
  }

  #context(kind: string, id: string): SimActorContext {
    const self = address(this.name, 0, actorName(kind, id));
    const epoch = this.#epoch;
    const log = this.#logger(self.actor);
    const ctx: SimActorContext & { [FAULT_POINTS]: unknown } = {
      self,
      id,
      node: this.name,
      store: this.store,
      ref: (k, i) => this.#refFrom(this.name, k, i, self),
      refAt: (n, k, i) => this.#refFrom(n, k, i, self),
      tell: (to, type, body, options) => this.#tell(epoch, self, to.address, type, body, options),
      ask: <R>(to: ActorRef, type: string, body?: unknown, options?: AskOptions) => this.#ask<R>(epoch, self, to.address, type, body, options),
      spawn: (k, i) => {
        if (epoch !== this.#epoch) throw new ShnError('RUNTIME_CLOSED', `node ${this.name} crashed`);
        return this.spawn(k, i);
      },
      stop: (ref) => {
        if (epoch !== this.#epoch) return;
        const name = ref?.address.actor ?? self.actor;
        const hosted = this.#actors.get(name);
        if (hosted === undefined) return;
        this.#actors.delete(name);
        this.#kernel.log('stop', `${this.name} ${name}`);
        try {
          void hosted.behavior.stop?.(hosted.ctx);
        } catch (e) {
          this.#kernel.log('actor-failed', `${this.name} ${name} stop: ${toShnError(e).message}`);
        }
      },
      clock: this.clock,
      timer: this.#timer,
      rng: this.rng,
      log,
      [FAULT_POINTS]: this.#kernel.faults,
    };
    return ctx;
  }

  #logger(who: string): Logger {
    const line = (level: string) => (msg: string, fields?: Record<string, unknown>) =>
      this.#kernel.log('log', `${this.name} ${who} ${level} ${msg}${fields === undefined ? '' : ` ${describeValue(fields)}`}`);
    return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
  }

  #incarnationTimer(): Timer {
    const epoch = this.#epoch;
    return {
      setTimeout: (fn: () => void, ms: number): TimerHandle => {
        if (typeof fn !== 'function') throw new ShnError('INVALID_ARGUMENT', 'timer callback must be a function');
        const delay = Math.max(0, Number.isFinite(ms) ? ms : 0) / (1 + this.#drift);
        const name = this.name;
        const ev = this.#kernel.schedule(
          delay,
          () => {
            this.#kernel.log('timer', `${name} after ${ms}ms`);
            fn();
          },
          this,
          epoch,
        );
        return { unref() {}, ev } as TimerHandle;
      },
      clearTimeout: (handle: TimerHandle) => {
        const ev = (handle as { ev?: QueuedEvent } | undefined)?.ev;
        if (ev !== undefined) ev.cancelled = true;
      },
    };
  }
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as PromiseLike<unknown>).then === 'function';
}

function checkFinite(what: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ShnError('INVALID_ARGUMENT', `${what} must be a finite number, got ${String(v)}`);
  return v;
}
