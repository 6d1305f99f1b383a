import { availableParallelism } from 'node:os';
import { LOCAL_NODE, ShnError, systemClock, systemTimer, toShnError } from '@shn/core';
import type {
  AskOptions,
  ChaosTarget,
  Clock,
  MessageType,
  Middleware,
  Router,
  RuntimeEvent,
  RuntimeObserver,
  SendOptions,
  ShardGauges,
  Timer,
} from '@shn/core';
import { FrameKind } from './frame/frame.js';
import { SchemaRegistry } from './frame/schema-codec.js';
import { InflightJournal } from './supervisor/inflight-journal.js';
import { jumpHashRouter } from './jump-hash-router.js';
import { MeshEndpoint, createMesh } from './mesh/mesh.js';
import { Messenger } from './mesh/messenger.js';
import type { RuntimeRef } from './mesh/messenger.js';
import { ShardSupervisor } from './supervisor/shard-supervisor.js';
import type { ShardRestartOptions } from './supervisor/restart-limiter.js';
import { createStats } from './supervisor/shard-stats.js';
import { assertNotEntryModule, loadSystem, systemModuleUrl } from './system-definition.js';

/** Options of {@link createRuntime}. */
export interface RuntimeOptions {
  /** The system module (URL or absolute path) whose default export is `defineSystem({...})`. */
  readonly system: URL | string;
  /**
   * Params for a system module that default-exports `defineSystem((params) => ({...}))`: handed
   * (structured-cloned) to the module in every thread. Must be serialisable; a module without a
   * factory refuses them.
   */
  readonly params?: unknown;
  /** Shard threads, 1..256; default `os.availableParallelism()`. */
  readonly shards?: number;
  /** This node's name (default `local`). */
  readonly node?: string;
  /** Data bytes per ring, a power of two (default 1 MiB). The largest message is about half of it. */
  readonly ringCapacity?: number;
  /** Messages a shard may have taken off its rings but not finished (default 4096). */
  readonly maxInflightPerShard?: number;
  /** Restart intensity and backoff for crashed shard threads. */
  readonly restart?: ShardRestartOptions;
  /** Receives every lifecycle event. */
  readonly observer?: RuntimeObserver;
  /** Default ask timeout, ms (default 30 000). */
  readonly askTimeoutMs?: number;
  /** How long to wait for every shard to start, ms (default 30 000). */
  readonly startupTimeoutMs?: number;
  /**
   * Microseconds an idle thread polls its rings before it parks on its doorbell. Default: the
   * Doorbell's 50 µs while threads (shards + the main thread) fit the cores, 0 (park at once)
   * when they outnumber them — polling then only steals the core the sender needs.
   */
  readonly spinMicros?: number;
  /** `execArgv` for shard threads (default: the process's own, as Node does for workers). */
  readonly execArgv?: readonly string[];
  readonly clock?: Clock;
  readonly timer?: Timer;
}

/**
 * A running set of shards. It implements `@shn/core`'s `RuntimeHandle` and `ChaosTarget`, so
 * telemetry, health probes and gamedays can take it without binding to this package.
 *
 * While open, its shard threads keep the process alive: call {@link close} when done.
 *
 * Every call that names an actor validates it at the call: a bad kind, an empty id or an id whose
 * `kind/id` exceeds the wire limit (64 KiB of UTF-8) throws `INVALID_ARGUMENT` (asks reject), and
 * a kind the system does not define throws `ACTOR_NOT_FOUND`.
 */
export interface Runtime extends ChaosTarget {
  /** Number of shards. */
  readonly shards: number;
  /** This node's name. */
  readonly node: string;
  /** True while every shard is up and accepting work. */
  readonly ready: boolean;
  /** Set once supervision gave up on a shard (restart intensity exceeded). */
  readonly failed: ShnError | undefined;
  /** A ref to `kind/id`, placed by the router. Throws `INVALID_ARGUMENT` / `ACTOR_NOT_FOUND` (see above). */
  ref(kind: string, id: string): RuntimeRef;
  /** A ref to `kind/id` pinned to `shard` (for fan-out to owning shards of per-shard kinds). */
  refOnShard(shard: number, kind: string, id: string): RuntimeRef;
  /**
   * Shorthand for `ref(kind, id).tell(type, body, options)` without allocating a ref: `accepted`,
   * `full` (nothing queued; see {@link send} to wait for room) or `closed`.
   * @throws ShnError `INVALID_ARGUMENT`, `ACTOR_NOT_FOUND`, `ENCODE_FAILED`, `MESSAGE_TOO_LARGE` (with a `message-lost` event).
   */
  tell(kind: string, id: string, type: string, body?: unknown, options?: SendOptions): 'accepted' | 'full' | 'closed';
  /**
   * A tell of a declared message type (see `defineMessages` in `@shn/core`) to `message.kind`/`id`:
   * the body is type-checked, and crosses as a fixed-layout frame encoded straight into the ring.
   * @throws ShnError as the untyped form, plus `INVALID_ARGUMENT` for a message type the system
   * does not declare and `ENCODE_FAILED` naming a field of the wrong type.
   */
  tell<B>(message: MessageType<B, unknown>, id: string, body: B, options?: SendOptions): 'accepted' | 'full' | 'closed';
  /**
   * A tell that waits for room: resolves once the message is accepted, retrying while the target
   * is full until `options.deadline` (epoch ms) or `options.timeoutMs` (default `askTimeoutMs`),
   * then rejects with `MAILBOX_FULL`. Backpressure without a hand-written retry loop.
   */
  send(kind: string, id: string, type: string, body?: unknown, options?: AskOptions): Promise<void>;
  /** {@link send} of a declared message type. */
  send<B>(message: MessageType<B, unknown>, id: string, body: B, options?: AskOptions): Promise<void>;
  /** Shorthand for `ref(kind, id).ask(type, body, options)`. A reply that cannot cross rejects at once (`MESSAGE_TOO_LARGE`/`ENCODE_FAILED`). */
  ask<R = unknown>(kind: string, id: string, type: string, body?: unknown, options?: AskOptions): Promise<R>;
  /** An ask of a declared message type: the body is type-checked and the reply has the declared reply type. */
  ask<B, R>(message: MessageType<B, R>, id: string, body: B, options?: AskOptions): Promise<R>;
  /** The shard that owns `kind/id`. */
  shardOf(kind: string, id: string): number;
  /** The state of every shard, by index. */
  shardStates(): readonly ShardGauges['state'][];
  /** Cheap per-shard gauges. */
  gauges(): ShardGauges[];
  /** Subscribes to lifecycle events; returns the unsubscribe function. */
  on(listener: (event: RuntimeEvent) => void): () => void;
  /** `on(e => observer.onEvent(e))`: the `RuntimeHandle` form. */
  subscribe(observer: RuntimeObserver): () => void;
  /** Resolves once every shard is up (rejects with `RUNTIME_FAILED` if supervision gave up). */
  whenReady(): Promise<void>;
  /** Terminates shard `shard`'s thread for real (the supervisor restarts it); resolves once it has exited. */
  killShard(shard: number): Promise<void>;
  /** Graceful shutdown: refuse new sends, drain every shard, stop the threads. Idempotent. */
  close(options?: { timeoutMs?: number }): Promise<void>;
}

/**
 * Starts one worker thread per shard, wires the N² rings between all threads (the main
 * thread included), and resolves once every shard is up.
 *
 * @throws ShnError `INVALID_ARGUMENT` for bad options or a bad system module,
 *   `RUNTIME_FAILED` if a shard cannot start within `startupTimeoutMs`.
 */
export async function createRuntime(options: RuntimeOptions): Promise<Runtime> {
  const url = systemModuleUrl(options.system);
  assertNotEntryModule(url);
  try {
    structuredClone(options.params);
  } catch (cause) {
    throw new ShnError('INVALID_ARGUMENT', `params must be structured-cloneable: ${(cause as Error).message}`, { cause });
  }
  const system = await loadSystem(url, options.params);
  const rt = new ShardRuntime(options, url, system.router ?? jumpHashRouter(), system.middleware ?? [], new Set(Object.keys(system.kinds)), new SchemaRegistry(system.messages));
  try {
    await rt.start();
  } catch (e) {
    await rt.close({ timeoutMs: 1000 }).catch(() => undefined);
    throw e;
  }
  return rt;
}

class ShardRuntime implements Runtime {
  readonly shards: number;
  readonly node: string;
  readonly #options: RuntimeOptions;
  readonly #clock: Clock;
  readonly #timer: Timer;
  readonly #mesh: MeshEndpoint;
  readonly #messenger: Messenger;
  readonly #supervisor: ShardSupervisor;
  readonly #listeners = new Set<(e: RuntimeEvent) => void>();
  #closing = false;
  #closed: Promise<void> | undefined;
  #failed: ShnError | undefined;
  #loop: Promise<void> | undefined;
  #readyWaiters: Array<{ resolve: () => void; reject: (e: ShnError) => void }> = [];
  readonly #spinMicros: number | undefined;

  constructor(options: RuntimeOptions, url: string, router: Router, middleware: readonly Middleware[], kinds: ReadonlySet<string>, schemas: SchemaRegistry) {
    const shards = options.shards ?? availableParallelism();
    if (!Number.isInteger(shards) || shards < 1 || shards > 256) {
      throw new ShnError('INVALID_ARGUMENT', `shards must be an integer in [1, 256], got ${String(shards)}`);
    }
    const ringCapacity = options.ringCapacity ?? 1 << 20;
    const inflight = options.maxInflightPerShard ?? 4096;
    this.shards = shards;
    this.node = options.node ?? LOCAL_NODE;
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#timer = options.timer ?? systemTimer;
    const layout = createMesh(shards + 1, ringCapacity);
    this.#mesh = new MeshEndpoint(layout, 0, this.#timer);
    const askTimeoutMs = options.askTimeoutMs ?? 30_000;
    this.#supervisor = new ShardSupervisor({
      shards,
      node: this.node,
      systemUrl: url,
      params: options.params,
      layout,
      journals: Array.from({ length: shards }, () => InflightJournal.create(inflight).buffer),
      stats: createStats(shards + 1),
      defaultAskTimeoutMs: askTimeoutMs,
      spinMicros: options.spinMicros ?? (shards + 1 > availableParallelism() ? 0 : undefined),
      adaptiveSpin: options.spinMicros === undefined,
      ...(options.restart === undefined ? {} : { restart: options.restart }),
      ...(options.execArgv === undefined ? {} : { execArgv: options.execArgv }),
      clock: this.#clock,
      timer: this.#timer,
      isClosing: () => this.#closing,
      emit: (e) => this.#emit(e),
      onUp: () => this.#checkReady(),
      onGiveUp: (shard, failure) => {
        this.#failed = failure;
        this.#messenger.rejectAll(failure, shard);
        for (const w of this.#readyWaiters.splice(0)) w.reject(failure);
      },
      rejectAsk: (correlation, error) => this.#messenger.rejectAsk(correlation, error),
    });
    this.#messenger = new Messenger({
      mesh: this.#mesh,
      node: this.node,
      shards,
      router,
      middleware,
      clock: this.#clock,
      timer: this.#timer,
      defaultAskTimeoutMs: askTimeoutMs,
      isClosed: () => this.#closing,
      isShardDown: (s) => this.#supervisor.isDown(s),
      kinds,
      schemas,
      onEvent: (e) => this.#emit(e),
    });
    const spin = options.spinMicros;
    if (spin !== undefined && (!Number.isFinite(spin) || spin < 0 || spin > 1_000_000)) {
      throw new ShnError('INVALID_ARGUMENT', `spinMicros must be in [0, 1e6], got ${String(spin)}`);
    }
    this.#spinMicros = spin ?? (shards + 1 > availableParallelism() ? 0 : undefined);
  }

  get ready(): boolean {
    return !this.#closing && this.#supervisor.allUp;
  }

  get failed(): ShnError | undefined {
    return this.#failed;
  }

  async start(): Promise<void> {
    this.#loop = this.#mesh.run(this.#onFrame, {
      unref: true,
      ...(this.#spinMicros === undefined ? { adaptiveSpin: this.#options.spinMicros === undefined } : { spinMicros: this.#spinMicros }),
    });
    const started = this.#supervisor.startAll();
    const timeoutMs = this.#options.startupTimeoutMs ?? 30_000;
    let handle: ReturnType<Timer['setTimeout']> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      handle = this.#timer.setTimeout(() => {
        reject(new ShnError('RUNTIME_FAILED', `shards did not start within ${timeoutMs} ms: ${this.#supervisor.describeSlow()}`));
      }, timeoutMs);
    });
    try {
      await Promise.race([started, timeout, this.whenReady()]);
      await this.whenReady();
    } finally {
      if (handle !== undefined) this.#timer.clearTimeout(handle);
    }
  }

  /** Frames to the main thread: replies to its asks (anything else is reported lost). */
  readonly #onFrame = (from: number, bytes: Uint8Array, offset: number, length: number): boolean => {
    try {
      const f = this.#messenger.decode(bytes, offset, length);
      if (f.kind === FrameKind.Reply || f.kind === FrameKind.ReplyError) this.#messenger.settleReply(f);
      else this.#emit({ type: 'message-lost', shard: from - 1, at: this.#clock.now(), reason: `message ${f.type} addressed to the main thread` });
    } catch (e) {
      this.#emit({ type: 'message-lost', shard: from - 1, at: this.#clock.now(), reason: `corrupt frame: ${toShnError(e).message}` });
    }
    return true;
  };

  #emit(event: RuntimeEvent): void {
    try {
      this.#options.observer?.onEvent(event);
    } catch {
      // Observers must not throw; a faulty one must not break supervision.
    }
    for (const l of this.#listeners) {
      try {
        l(event);
      } catch {
        // Same for listeners.
      }
    }
  }

  #checkReady(): void {
    if (!this.ready) return;
    for (const w of this.#readyWaiters.splice(0)) w.resolve();
  }

  whenReady(): Promise<void> {
    if (this.#failed) return Promise.reject(this.#failed);
    if (this.#closing) return Promise.reject(new ShnError('RUNTIME_CLOSED', 'runtime is closed'));
    if (this.ready) return Promise.resolve();
    return new Promise((resolve, reject) => this.#readyWaiters.push({ resolve, reject }));
  }

  ref(kind: string, id: string): RuntimeRef {
    return this.#messenger.ref(kind, id);
  }

  refOnShard(shard: number, kind: string, id: string): RuntimeRef {
    return this.#messenger.ref(kind, id, shard);
  }

  tell(kind: string | MessageType, id: string, type?: unknown, body?: unknown, options?: SendOptions): 'accepted' | 'full' | 'closed' {
    if (typeof kind !== 'string') {
      const c = this.#messenger.compiled(kind);
      const actor = this.#messenger.actorOf(c.kind, id);
      return this.#messenger.tellMessageTo(c, this.#messenger.shardOf(actor), actor, type, body as SendOptions | undefined);
    }
    const actor = this.#messenger.actorOf(kind, id);
    return this.#messenger.tellTo(this.#messenger.shardOf(actor), actor, type as string, body, options, kind);
  }

  send(kind: string | MessageType, id: string, type?: unknown, body?: unknown, options?: AskOptions): Promise<void> {
    let actor: string;
    let shard: number;
    try {
      if (typeof kind !== 'string') {
        const c = this.#messenger.compiled(kind);
        actor = this.#messenger.actorOf(c.kind, id);
        shard = this.#messenger.shardOf(actor);
        return this.#messenger.sendMessage(c, { node: this.node, shard, actor }, type, body as AskOptions | undefined);
      }
      actor = this.#messenger.actorOf(kind, id);
      shard = this.#messenger.shardOf(actor);
    } catch (e) {
      return Promise.reject(toShnError(e));
    }
    return this.#messenger.send({ node: this.node, shard, actor }, type as string, body, options);
  }

  ask<R = unknown>(kind: string | MessageType, id: string, type?: unknown, body?: unknown, options?: AskOptions): Promise<R> {
    let shard: number;
    let actor: string;
    try {
      if (typeof kind !== 'string') {
        const c = this.#messenger.compiled(kind);
        actor = this.#messenger.actorOf(c.kind, id);
        shard = this.#messenger.shardOf(actor);
        return this.#messenger.askMessage(c, { node: this.node, shard, actor }, type, body as AskOptions | undefined) as Promise<R>;
      }
      actor = this.#messenger.actorOf(kind, id);
      shard = this.#messenger.shardOf(actor);
    } catch (e) {
      return Promise.reject(toShnError(e));
    }
    return this.#messenger.ask({ node: this.node, shard, actor }, type as string, body, options) as Promise<R>;
  }

  shardOf(kind: string, id: string): number {
    return this.#messenger.shardOf(this.#messenger.actorOf(kind, id));
  }

  shardStates(): readonly ShardGauges['state'][] {
    return this.#supervisor.states();
  }

  subscribe(observer: RuntimeObserver): () => void {
    if (typeof observer?.onEvent !== 'function') throw new ShnError('INVALID_ARGUMENT', 'subscribe needs an observer with onEvent(event)');
    return this.on((e) => observer.onEvent(e));
  }

  gauges(): ShardGauges[] {
    return this.#supervisor.gauges();
  }

  on(listener: (event: RuntimeEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  killShard(shard: number): Promise<void> {
    return this.#supervisor.kill(shard);
  }

  close(options: { timeoutMs?: number } = {}): Promise<void> {
    this.#closed ??= this.#doClose(options.timeoutMs ?? 10_000);
    return this.#closed;
  }

  async #doClose(timeoutMs: number): Promise<void> {
    this.#closing = true;
    for (const w of this.#readyWaiters.splice(0)) w.reject(new ShnError('RUNTIME_CLOSED', 'runtime closed before it was ready'));
    // Publish what this thread sent before the shards are told to drain, or a shard could find
    // its rings empty and stop before the frames appear.
    this.#mesh.flush();
    await this.#supervisor.stopAll(timeoutMs);
    // Replies the shards wrote before they stopped may still sit in the rings: settle them first.
    while (this.#mesh.pollOnce(this.#onFrame) > 0);
    this.#messenger.rejectAll(new ShnError('RUNTIME_CLOSED', 'runtime closed before the reply arrived'));
    this.#mesh.stop();
    await this.#loop;
  }
}
