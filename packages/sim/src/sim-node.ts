import { actorName, address, compose, fromSerializedError, resolveActorKind, ShnError, toShnError } from '@shn/core';
import type {
  ActorBehavior,
  ActorContext,
  ActorFactory,
  ActorHostContract,
  ActorHostFactory,
  ActorKindDefinition,
  ActorRef,
  Address,
  AskOptions,
  Clock,
  DeliverResult,
  Envelope,
  Logger,
  LogFields,
  Middleware,
  Rng,
  RuntimeEvent,
  SendOptions,
  Timer,
  TimerHandle,
} from '@shn/core';
import { describeValue } from './event-log.js';
import { FAULT_POINTS } from './fault-points.js';
import type { FaultPoints } from './fault-points.js';
import type { Kernel, NetworkPayload, NodeHandle } from './internal/kernel.js';
import type { QueuedEvent } from './internal/event-queue.js';
import { SimStore } from './sim-store.js';
import type { SimStoreOptions } from './sim-store.js';
import { SimTransport } from './sim-transport.js';

/** Options of one simulated node. */
export interface SimNodeOptions {
  /**
   * Actor kinds this node hosts: `kind → factory` or `kind → ActorKindDefinition` (mode,
   * restart policy, supervision strategy, intensity, mailbox capacity, idle timeout: the same
   * definitions a production system module declares). Actors are created on their first message.
   */
  readonly actors?: Readonly<Record<string, ActorFactory | ActorKindDefinition>>;
  /** Called when the node starts and after every restart (spawn long-lived actors here). */
  readonly onStart?: (node: SimNode) => void;
  /** Wall-clock offset of this node, ms (positive: its clock is ahead). Default 0. */
  readonly skewMs?: number;
  /** Clock rate error: the node's clock runs at `1 + driftRate` times real speed, in (-0.5, 0.5). Default 0. */
  readonly driftRate?: number;
  /** Options of the node's disk ({@link SimNode.store}). */
  readonly store?: SimStoreOptions;
  /** The actor host of this node (default: the simulation's `host`). */
  readonly host?: ActorHostFactory;
  /** Send/ask/receive interceptors of this node, outermost first (default: the simulation's `middleware`). */
  readonly middleware?: readonly Middleware[];
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

interface PendingAsk {
  readonly resolve: (v: unknown) => void;
  readonly reject: (e: unknown) => void;
  readonly timeout: QueuedEvent;
}

const CLIENT_KIND = '_client';

/**
 * The envelope type the node delivers to start an actor without a message (`spawn`, the ids of
 * `host(kind, f, { spawn })`). The node's wrapper around the behaviour answers it without calling
 * `receive`, and receive middleware does not see it.
 */
const ACTIVATE = 'shn.sim.activate';

/** A promise that never settles: what a continuation of a crashed incarnation waits on forever. */
const FROZEN = (): Promise<never> => new Promise<never>(() => undefined);

/**
 * A simulated machine. Its actors run in the production actor host (an {@link ActorHostFactory}
 * such as `createActorHost` from `@shn/core-mailbox`, handed to the {@link Simulation}), so an
 * actor behaves under simulation as it does in a shard: bounded mailboxes answer `full`,
 * middleware runs, supervision trees and restart intensity apply, idle actors passivate. The node
 * gives that host its virtual clock, its per-incarnation timers and its seeded rng, and gives
 * each actor a {@link SimActorContext} (the host's context plus `node`, `store` and `refAt`).
 *
 * A node owns a {@link SimStore} disk and any number of {@link SimTransport}s, and can crash,
 * restart, pause and have its clock skewed. Workloads use a node as a client:
 * `node.ref('kv', 'a', 'n2').ask(...)`.
 *
 * A crash drops the host with every actor's state, pending timers, pending asks (their promises
 * never settle: the process is gone) and unsynced writes; the continuations of the crashed
 * incarnation never run again. A restart builds a new host, starts the `spawn` ids and calls
 * `onStart`.
 */
export class SimNode implements NodeHandle {
  /** The node's name (also its network address). */
  readonly name: string;
  /** The node's disk. */
  readonly store: SimStore;
  /** The node's seeded randomness (also every hosted actor's `ctx.rng`). */
  readonly rng: Rng;
  readonly #kernel: Kernel;
  readonly #kinds = new Map<string, ActorKindDefinition>();
  readonly #hostFactory: ActorHostFactory;
  readonly #middleware: readonly Middleware[];
  readonly #onStart: ((node: SimNode) => void) | undefined;
  readonly #eager: string[] = [];
  /** The actor host of the current incarnation, built on first need. */
  #host: ActorHostContract | undefined;
  /** The latest behaviour the host built for each actor name (for {@link actor}). */
  readonly #behaviors = new Map<string, ActorBehavior>();
  readonly #contexts = new WeakMap<ActorContext, SimActorContext>();
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
    const host = options.host ?? kernel.host;
    if (typeof host !== 'function') {
      throw new ShnError('INVALID_ARGUMENT', `node ${name}: host must be an ActorHostFactory (e.g. createActorHost from @shn/core-mailbox), got ${typeof host}`);
    }
    this.#hostFactory = host;
    const middleware = options.middleware ?? kernel.middleware;
    if (!Array.isArray(middleware)) throw new ShnError('INVALID_ARGUMENT', `node ${name}: middleware must be an array`);
    this.#middleware = middleware;
    const actors = options.actors ?? {};
    if (typeof actors !== 'object' || actors === null) throw new ShnError('INVALID_ARGUMENT', `node ${name}: actors must be an object of factories`);
    for (const [kind, f] of Object.entries(actors)) this.#addKind(kind, f);
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

  /** The current incarnation's actor host (gauges: `queued`, `processed`; `actors()`), built on first use. */
  get actorHost(): ActorHostContract {
    return this.#ensureHost();
  }

  /** Starts the node for the first time (calls `onStart`). @internal */
  boot(): void {
    this.#onStart?.(this);
  }

  /**
   * Adds an actor kind to this node: a factory, or a full {@link ActorKindDefinition}. Ids in
   * `spawn` are started now (if the node is up) and again after every restart; other ids start
   * on their first message. Add every kind before the node's first actor starts: the host is
   * built with its kinds.
   * @throws ShnError `INVALID_ARGUMENT` for a bad kind or definition, a kind already hosted, or a
   * kind added after an actor of this incarnation started.
   */
  host(kind: string, factory: ActorFactory | ActorKindDefinition, options: { spawn?: readonly string[] } = {}): this {
    if (this.#host !== undefined) {
      const live = this.#host.actors();
      if (live.length > 0) {
        throw new ShnError('INVALID_ARGUMENT', `node ${this.name}: add actor kind ${kind} before the first actor starts (${live[0]} is running)`);
      }
    }
    this.#addKind(kind, factory);
    this.#host = undefined; // rebuilt with the new kind on first use
    for (const id of options.spawn ?? []) {
      const name = actorName(kind, id);
      this.#eager.push(name);
      if (this.#up) this.#activate(name);
    }
    return this;
  }

  /**
   * A reference to the actor `kind/id` on node `node` (this node by default), sending as this
   * node over the simulated network (send/ask middleware apply).
   * @throws ShnError `INVALID_ARGUMENT` for a bad kind or unknown node.
   */
  ref(kind: string, id: string, node: string = this.name): ActorRef {
    return this.#refFrom(node, kind, id, undefined);
  }

  /**
   * A reference to `kind/id` straight into this node's host, bypassing the network: its `tell`
   * answers `full` at once when the actor's bounded mailbox is full. Once the node crashes it
   * answers `closed` (an ask rejects with `RUNTIME_CLOSED`).
   * @throws ShnError `INVALID_ARGUMENT` for a bad kind or id; `RUNTIME_CLOSED` while the node is down.
   */
  localRef(kind: string, id: string): ActorRef {
    if (!this.#up) throw new ShnError('RUNTIME_CLOSED', `node ${this.name} is down`);
    const inner = this.#ensureHost().localRef(kind, id);
    const epoch = this.#epoch;
    return {
      address: inner.address,
      tell: (type, body, options) => (epoch === this.#epoch ? inner.tell(type, body, options) : 'closed'),
      ask: <R>(type: string, body?: unknown, options?: AskOptions) =>
        epoch === this.#epoch ? inner.ask<R>(type, body, options) : Promise.reject(new ShnError('RUNTIME_CLOSED', `node ${this.name} crashed`)),
    };
  }

  /**
   * Starts the actor `kind/id` on this node now if it does not exist (its `start` runs).
   * @throws ShnError `INVALID_ARGUMENT` for a bad kind or id; `RUNTIME_CLOSED` while the node is down.
   */
  spawn(kind: string, id: string): ActorRef {
    if (!this.#up) throw new ShnError('RUNTIME_CLOSED', `node ${this.name} is down`);
    this.#activate(actorName(kind, id));
    return this.ref(kind, id);
  }

  /** The live behaviour of `kind/id` on this node, for inspection (undefined if not running). */
  actor<T extends ActorBehavior = ActorBehavior>(kind: string, id: string): T | undefined {
    const name = actorName(kind, id);
    if (this.#host === undefined || !this.#host.actors().includes(name)) return undefined;
    return this.#behaviors.get(name) as T | undefined;
  }

  /** Names (`kind/id`) of the actors running now, sorted. */
  actorNames(): string[] {
    return this.#host === undefined ? [] : this.#host.actors().sort();
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
    this.#host = undefined;
    this.#behaviors.clear();
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
    for (const name of this.#eager) this.#activate(name);
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
    const isAsk = env.correlationId !== undefined && env.replyTo !== undefined;
    const epoch = this.#epoch;
    let result: DeliverResult;
    try {
      const reply = isAsk
        ? (error: ShnError | undefined, value: unknown): void => {
            if (epoch !== this.#epoch) return;
            if (error === undefined) this.#reply(env, true, value);
            else this.#reply(env, false, error.toJSON());
          }
        : undefined;
      result = this.#ensureHost().deliverNow(env, reply);
    } catch (e) {
      const err = toShnError(e);
      this.#kernel.log('refused', `${this.name} ${env.to.actor} ${env.type}: ${err.code} ${err.message}`);
      this.#reply(env, false, err.toJSON());
      return;
    }
    if (result === 'accepted') return;
    // A full mailbox or a stopping host: the sender already had `accepted` from the network, so
    // a tell is lost (logged) and an ask is answered with the typed error.
    this.#kernel.log(result === 'full' ? 'mailbox-full' : 'closed', `${this.name} ${env.to.actor} ${env.type}`);
    const error =
      result === 'full'
        ? new ShnError('MAILBOX_FULL', `mailbox of ${env.to.actor} on ${this.name} is full`)
        : new ShnError('RUNTIME_CLOSED', `host of ${this.name} is stopping`);
    this.#reply(env, false, error.toJSON());
  }

  // ---------------------------------------------------------------- hosting

  #addKind(kind: string, factoryOrDef: ActorFactory | ActorKindDefinition): void {
    const def: ActorKindDefinition = typeof factoryOrDef === 'function' ? { factory: factoryOrDef } : factoryOrDef;
    try {
      resolveActorKind(kind, def); // validates every field with a typed error
    } catch (e) {
      const err = toShnError(e);
      throw new ShnError(err.code, `node ${this.name}: ${err.message}`, { cause: e });
    }
    if (this.#kinds.has(kind)) throw new ShnError('INVALID_ARGUMENT', `node ${this.name} already hosts ${kind}`);
    this.#kinds.set(kind, def);
  }

  /** The host of the current incarnation; built with the node's kinds, clock, timer and rng. */
  #ensureHost(): ActorHostContract {
    if (this.#host !== undefined) return this.#host;
    const epoch = this.#epoch;
    const kinds: Record<string, ActorKindDefinition> = {};
    for (const [kind, def] of this.#kinds) {
      kinds[kind] = { ...def, factory: (id: string) => this.#wrap(kind, id, def.factory(id), epoch) };
    }
    this.#host = this.#hostFactory({
      node: this.name,
      shard: 0,
      kinds,
      refFor: (kind, id) => this.#refFrom(this.name, kind, id, undefined),
      middleware: this.#middleware.map(hideActivation),
      clock: this.clock,
      timer: this.#timer,
      rng: this.rng,
      log: this.#logger('host'),
      onEvent: (event) => {
        if (epoch === this.#epoch) this.#kernel.log(event.type, `${this.name} ${describeEvent(event)}`);
      },
      onEscalate: (actor, error) => {
        if (epoch === this.#epoch) this.#kernel.log('escalate', `${this.name} ${actor}: ${error.message}`);
      },
      // Turns that ran out of budget continue as a zero-delay event of this incarnation.
      yieldTurn: (fn) => void this.#kernel.schedule(0, fn, this, epoch),
    });
    return this.#host;
  }

  /** Starts `name` with an activation envelope the behaviour wrapper answers itself. */
  #activate(name: string): void {
    const host = this.#ensureHost();
    const env: Envelope = { id: `${this.name}-${this.#nextId++}`, to: address(this.name, 0, name), type: ACTIVATE, body: undefined, headers: {} };
    this.#kernel.log('spawn', `${this.name} ${name}`);
    const r = host.deliverNow(env);
    if (r !== 'accepted') this.#kernel.log(r === 'full' ? 'mailbox-full' : 'closed', `${this.name} ${name} ${ACTIVATE}`);
  }

  /**
   * Wraps a behaviour the host built: hands it the {@link SimActorContext}, answers activation
   * envelopes, records it for inspection, and freezes it once its incarnation crashed.
   */
  #wrap(kind: string, id: string, inner: ActorBehavior, epoch: number): ActorBehavior {
    if (typeof inner !== 'object' || inner === null || typeof inner.receive !== 'function') {
      throw new ShnError('INVALID_ARGUMENT', `factory of kind ${kind} returned no behaviour with receive()`);
    }
    if (epoch === this.#epoch) this.#behaviors.set(actorName(kind, id), inner);
    const wrapped: ActorBehavior = {
      receive: (env, ctx) => {
        if (epoch !== this.#epoch) return FROZEN();
        if (env.type === ACTIVATE) return undefined;
        return inner.receive(env, this.#simContext(ctx, epoch));
      },
    };
    if (inner.start !== undefined) wrapped.start = (ctx) => (epoch !== this.#epoch ? FROZEN() : inner.start!(this.#simContext(ctx, epoch)));
    if (inner.stop !== undefined) wrapped.stop = (ctx) => (epoch !== this.#epoch ? undefined : inner.stop!(this.#simContext(ctx, epoch)));
    if (inner.snapshot !== undefined) wrapped.snapshot = () => inner.snapshot!();
    if (inner.restore !== undefined) wrapped.restore = (bytes) => inner.restore!(bytes);
    return wrapped;
  }

  /** The {@link SimActorContext} over the host's context of one actor (one per actor, kept across restarts). */
  #simContext(ctx: ActorContext, epoch: number): SimActorContext {
    const known = this.#contexts.get(ctx);
    if (known !== undefined) return known;
    const self = ctx.self;
    const sim: SimActorContext & { [FAULT_POINTS]: FaultPoints } = {
      self,
      id: ctx.id,
      node: this.name,
      store: this.store,
      ref: (k, i) => this.#refFrom(this.name, k, i, self, epoch),
      refAt: (n, k, i) => this.#refFrom(n, k, i, self, epoch),
      tell: (to, type, body, options) => to.tell(type, body, options),
      ask: <R>(to: ActorRef, type: string, body?: unknown, options?: AskOptions) => to.ask<R>(type, body, options),
      spawn: (k, i) => {
        if (epoch !== this.#epoch) throw new ShnError('RUNTIME_CLOSED', `node ${this.name} crashed`);
        return ctx.spawn(k, i);
      },
      stop: (ref) => {
        if (epoch === this.#epoch) ctx.stop(ref);
      },
      clock: this.clock,
      timer: ctx.timer,
      rng: ctx.rng,
      log: this.#logger(self.actor),
      [FAULT_POINTS]: this.#kernel.faults,
    };
    this.#contexts.set(ctx, sim);
    return sim;
  }

  // ---------------------------------------------------------------- messaging

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

  #refFrom(node: string, kind: string, id: string, from: Address | undefined, epoch: number = this.#epoch): ActorRef {
    if (this.#kernel.node(node) === undefined) throw new ShnError('INVALID_ARGUMENT', `unknown node ${JSON.stringify(node)}`);
    const to = address(node, 0, actorName(kind, id));
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

  #tell(epoch: number, from: Address | undefined, to: Address, type: string, body: unknown, options?: SendOptions): DeliverResult {
    if (!this.#up || epoch !== this.#epoch) return 'closed';
    const env = this.#envelope(from, to, type, body, options);
    const send = compose(this.#middleware, 'send', (e: Envelope): DeliverResult => {
      this.#kernel.send(this.name, e.to.node, { t: 'env', env: e }, `tell ${e.to.actor} ${e.type} ${describeValue(e.body)}`);
      return 'accepted';
    });
    return send(env);
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
    const ask = compose(
      this.#middleware,
      'ask',
      (e: Envelope): Promise<unknown> =>
        new Promise<unknown>((resolve, reject) => {
          const id = e.correlationId ?? correlationId;
          const timeout = this.#kernel.schedule(
            timeoutMs,
            () => {
              if (!this.#pending.delete(id)) return;
              this.#kernel.log('ask-timeout', `${this.name} ${id} ${e.to.actor} ${e.type}`);
              reject(new ShnError('TIMEOUT', `ask ${e.type} to ${e.to.node}/${e.to.actor} timed out after ${timeoutMs}ms`));
            },
            this,
            this.#epoch,
          );
          this.#pending.set(id, { resolve, reject, timeout });
          this.#kernel.send(this.name, e.to.node, { t: 'env', env: e }, `ask ${id} ${e.to.actor} ${e.type} ${describeValue(e.body)}`);
        }),
    );
    try {
      return ask(env) as Promise<R>;
    } catch (e) {
      return Promise.reject(e);
    }
  }

  #logger(who: string): Logger {
    const line =
      (level: string) =>
      (msg: string, fields?: LogFields): void =>
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

/** A middleware whose receive hook lets the node's activation envelopes pass untouched. */
function hideActivation(m: Middleware): Middleware {
  const receive = m.receive;
  if (receive === undefined) return m;
  return {
    name: m.name,
    ...(m.send === undefined ? {} : { send: (env, next) => m.send!.call(m, env, next) }),
    ...(m.ask === undefined ? {} : { ask: (env, next) => m.ask!.call(m, env, next) }),
    receive: (env, next) => (env.type === ACTIVATE ? next(env) : receive.call(m, env, next)),
  };
}

function describeEvent(e: RuntimeEvent): string {
  switch (e.type) {
    case 'actor-restarted':
      return `${e.actor}: ${e.error}`;
    case 'actor-stopped':
      return e.actor;
    case 'message-lost':
      return `${e.envelope === undefined ? '?' : `${e.envelope.to.actor} ${e.envelope.type}`}: ${e.reason}`;
    default:
      return describeValue(e);
  }
}

function checkFinite(what: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ShnError('INVALID_ARGUMENT', `${what} must be a finite number, got ${String(v)}`);
  return v;
}
